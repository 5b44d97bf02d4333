/**
 * Bounded in-memory cache of recent decisions, by idempotency key (kind and transactionId) and by
 * decisionId, with a TTL: a repeated transactionId and the outcome join need no store round trip in the
 * common case. `persisted` marks records the shared store is known to hold: the outcome applier may use
 * only those from memory, so every replica joins an outcome to the same answer. Insertion-ordered Maps
 * with a queue of the insertion order beside them give O(1) eviction of the oldest (`ExpiringMap`).
 *
 * A record added with its JSON (the decision service has it: the store's value and the log's line) is kept
 * as that JSON only (as UTF-8 bytes: the same bytes the in-memory store and the decision log hold), and
 * parsed when it is asked for (a replayed transactionId, an outcome join): what survives per decision is
 * one small buffer object, its bytes outside the JS heap, instead of a graph of objects or a 1 KB string,
 * so the young generation has far less to copy while decisions live their TTL.
 *
 * With the in-memory store (embedded mode) the cache holds nothing of its own: it reads the store's
 * entries (`SharedDecisions`), which hold the same bytes under the same two keys, so a decision is
 * inserted into two maps instead of four and its transaction key looked up once. Every record the
 * in-memory store holds is persisted (the store is the one that decides), so `markPersisted` and `add`
 * have nothing to do: the store's claim is what keeps the decision.
 */
import { ExpiringMap, sinceStart } from '../store/expiring-map.ts';
import { parseDecisionRecord, type DecisionRecord } from './decision-record.ts';

/** The in-memory store's decision entries, as the cache reads them when it shares them (live records only). */
export interface SharedDecisions {
  /** The live record that claimed the transaction key: its JSON, or those UTF-8 bytes. */
  transactionRecord(transactionKey: string): string | Uint8Array | undefined;
  decisionRecord(decisionId: string): string | Uint8Array | undefined;
  /** Decision records held. */
  readonly decisionCount: number;
}

interface Entry {
  /** Kept as an object when added without its JSON; otherwise parsed from `json` on each read. */
  readonly record: DecisionRecord | undefined;
  /** The record's JSON, or its UTF-8 bytes (kept outside the JS heap). */
  readonly json: string | Uint8Array | undefined;
  /** `sinceStart` time (a small integer). */
  readonly expiresAt: number;
  persisted: boolean;
}

export class RecentDecisions {
  private readonly byTransaction: ExpiringMap<Entry>;
  private readonly byId: ExpiringMap<Entry>;

  /** `shared`: read the in-memory store's entries instead of keeping any (see above). */
  constructor(
    capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedDecisions,
  ) {
    this.byTransaction = new ExpiringMap(capacity);
    this.byId = new ExpiringMap(capacity);
  }

  /**
   * `ttlMs`: this record's own TTL (a retry decision's lasts until its outcome can come); default the cache's.
   * `json`: the record serialised (`JSON.stringify(record)`, or those UTF-8 bytes): kept instead of the object.
   */
  add(transactionKey: string, record: DecisionRecord, decidedAtMs: number, ttlMs: number = this.ttlMs, json?: string | Uint8Array): void {
    if (this.shared) return; // the store's claim keeps it
    const at = sinceStart(decidedAtMs);
    const entry: Entry = { record: json === undefined ? record : undefined, json, expiresAt: at + ttlMs, persisted: false };
    // bounded by the capacity, and memory follows the TTL: expired entries go from the oldest end; a
    // retry's longer-lived one moves back
    this.byTransaction.set(transactionKey, entry, at, at + this.ttlMs);
    this.byId.set(record.decisionId, entry, at, at + this.ttlMs);
  }

  /** Entries held (live or not yet dropped), by decisionId. */
  get size(): number {
    return this.shared ? this.shared.decisionCount : this.byId.size;
  }

  markPersisted(decisionId: string): void {
    if (this.shared) return;
    const e = this.byId.get(decisionId);
    if (e) e.persisted = true;
  }

  forget(decisionId: string): void {
    // shared: a decision that lost its claim was never written to the store
    if (!this.shared) this.byId.delete(decisionId);
  }

  byTransactionId(transactionKey: string): DecisionRecord | undefined {
    if (this.shared) return parsed(this.shared.transactionRecord(transactionKey));
    return recordOf(this.live(this.byTransaction, transactionKey));
  }

  byDecisionId(decisionId: string): DecisionRecord | undefined {
    if (this.shared) return parsed(this.shared.decisionRecord(decisionId));
    return recordOf(this.live(this.byId, decisionId));
  }

  /** Whether the decision is held (live) and the shared store is known to hold it too. */
  isPersisted(decisionId: string): boolean {
    if (this.shared) return this.shared.decisionRecord(decisionId) !== undefined;
    return this.live(this.byId, decisionId)?.persisted === true;
  }

  /** The record if the shared store is known to hold it too. */
  persistedByDecisionId(decisionId: string): DecisionRecord | undefined {
    if (this.shared) return this.byDecisionId(decisionId);
    const e = this.live(this.byId, decisionId);
    return e?.persisted ? recordOf(e) : undefined;
  }

  private live(map: ExpiringMap<Entry>, key: string): Entry | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= sinceStart(this.now())) {
      map.delete(key);
      return undefined;
    }
    return e;
  }
}

function recordOf(e: Entry | undefined): DecisionRecord | undefined {
  if (e === undefined) return undefined;
  if (e.record !== undefined) return e.record;
  return parsed(e.json);
}

function parsed(json: string | Uint8Array | undefined): DecisionRecord | undefined {
  if (json === undefined) return undefined;
  return parseDecisionRecord(typeof json === 'string' ? json : decoder.decode(json)) ?? undefined;
}

const decoder = new TextDecoder();
