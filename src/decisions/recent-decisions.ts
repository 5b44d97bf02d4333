/**
 * Bounded in-memory cache of recent decisions, by idempotency key (kind and transactionId) and by
 * decisionId, with a TTL: a repeated transactionId and the outcome join need no store round trip in the
 * common case. `persisted` marks records the shared store is known to hold: the outcome applier may use
 * only those from memory, so every replica joins an outcome to the same answer.
 *
 * A record is kept as its JSON (the decision service has it: the store's value and the log's line), in
 * `SlabMap`s (decisionId -> the JSON's UTF-8 bytes and the persisted flag; the idempotency key -> the
 * decisionId), and parsed when it is asked for (a replayed transactionId, an outcome join): nothing per
 * decision is a JavaScript object, so the young generation has nothing of it to copy while decisions live
 * their TTL; the oldest go first, in O(1), at the capacity or their expiry.
 *
 * With the in-memory store (embedded mode) the cache holds nothing of its own: it reads the store's
 * entries (`SharedDecisions`), which hold the same bytes under the same two keys, so a decision is
 * inserted into two maps instead of four and its transaction key looked up once. Every record the
 * in-memory store holds is persisted (the store is the one that decides), so `markPersisted` and `add`
 * have nothing to do: the store's claim is what keeps the decision.
 */
import { sinceStart } from '../store/clock.ts';
import { SlabMap } from '../store/slab-map.ts';
import { parseDecisionRecord, type DecisionRecord } from './decision-record.ts';

/** The in-memory store's decision entries, as the cache reads them when it shares them (live records only). */
export interface SharedDecisions {
  /** The live record that claimed the transaction key: its JSON, or those UTF-8 bytes. */
  transactionRecord(transactionKey: string): string | Uint8Array | undefined;
  decisionRecord(decisionId: string): string | Uint8Array | undefined;
  /** Whether the decision's record is held (live), without reading it. */
  hasDecision(decisionId: string): boolean;
  /** Decision records held. */
  readonly decisionCount: number;
}

export class RecentDecisions {
  /** Idempotency key -> decisionId. */
  private readonly byTransaction: SlabMap;
  /** decisionId -> the record's JSON (UTF-8), its number 1 once persisted. */
  private readonly byId: SlabMap;

  /** `shared`: read the in-memory store's entries instead of keeping any (see above). */
  constructor(
    capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedDecisions,
  ) {
    // the columns grow as entries come (a test's cache of a million costs nothing until it is filled);
    // shared, they are never written
    const initial = shared ? 1 : 1024;
    this.byTransaction = new SlabMap(capacity, initial);
    this.byId = new SlabMap(capacity, initial);
  }

  /**
   * `ttlMs`: this record's own TTL (a retry decision's lasts until its outcome can come); default the cache's.
   * `json`: the record serialised (`JSON.stringify(record)`, or those UTF-8 bytes), kept instead of the object.
   */
  add(transactionKey: string, record: DecisionRecord, decidedAtMs: number, ttlMs: number = this.ttlMs, json?: string | Uint8Array): void {
    if (this.shared) return; // the store's claim keeps it
    const at = sinceStart(decidedAtMs);
    const expiresAt = at + ttlMs;
    // bounded by the capacity, and memory follows the TTL: expired entries go from the oldest end; a
    // retry's longer-lived one moves back
    this.byTransaction.set(transactionKey, record.decisionId, 0, expiresAt, at, at + this.ttlMs);
    this.byId.set(record.decisionId, json ?? JSON.stringify(record), 0, expiresAt, at, at + this.ttlMs);
  }

  /** Entries held (live or not yet dropped), by decisionId. */
  get size(): number {
    return this.shared ? this.shared.decisionCount : this.byId.size;
  }

  markPersisted(decisionId: string): void {
    if (this.shared) return;
    const e = this.byId.find(decisionId);
    if (e >= 0) this.byId.setNumber(e, 1);
  }

  forget(decisionId: string): void {
    // shared: a decision that lost its claim was never written to the store
    if (!this.shared) this.byId.delete(decisionId);
  }

  byTransactionId(transactionKey: string): DecisionRecord | undefined {
    if (this.shared) return parsed(this.shared.transactionRecord(transactionKey));
    const t = this.live(this.byTransaction, transactionKey);
    if (t < 0) return undefined;
    return this.recordOf(this.live(this.byId, this.byTransaction.text(t)!));
  }

  byDecisionId(decisionId: string): DecisionRecord | undefined {
    if (this.shared) return parsed(this.shared.decisionRecord(decisionId));
    return this.recordOf(this.live(this.byId, decisionId));
  }

  /** Whether the decision is held (live) and the shared store is known to hold it too. */
  isPersisted(decisionId: string): boolean {
    if (this.shared) return this.shared.hasDecision(decisionId);
    const e = this.live(this.byId, decisionId);
    return e >= 0 && this.byId.numberOf(e) === 1;
  }

  /** The record if the shared store is known to hold it too. */
  persistedByDecisionId(decisionId: string): DecisionRecord | undefined {
    if (this.shared) return this.byDecisionId(decisionId);
    const e = this.live(this.byId, decisionId);
    return e >= 0 && this.byId.numberOf(e) === 1 ? this.recordOf(e) : undefined;
  }

  /** The live entry of `key` (an expired one is dropped), or -1. */
  private live(map: SlabMap, key: string): number {
    const e = map.find(key);
    if (e < 0) return -1;
    if (map.expiresAt(e) <= sinceStart(this.now())) {
      map.remove(e);
      return -1;
    }
    return e;
  }

  private recordOf(e: number): DecisionRecord | undefined {
    return e < 0 ? undefined : parsed(this.byId.bytes(e));
  }
}

function parsed(json: string | Uint8Array | undefined): DecisionRecord | undefined {
  if (json === undefined) return undefined;
  return parseDecisionRecord(typeof json === 'string' ? json : decoder.decode(json)) ?? undefined;
}

const decoder = new TextDecoder();
