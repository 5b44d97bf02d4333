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
 * Two implementations: `CachedDecisions` keeps them (NATS + Redis mode); `StoreDecisions` holds nothing of
 * its own and reads the in-memory store's tables (`SharedDecisions`, embedded mode), which hold the same
 * bytes under the same two keys, so a decision is written into two tables instead of four and its
 * transaction key looked up once. Every record the in-memory store holds is persisted (the store is the
 * one that decides), so there `markPersisted` and `add` have nothing to do: the store's claim is what
 * keeps the decision.
 */
import { sinceStart } from '../store/clock.ts';
import { SlabMap } from '../store/slab-map.ts';
import type { SlabArena } from '../store/slab-arena.ts';
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

/** What the decision service and the outcome applier ask of recent decisions. */
export interface RecentDecisions {
  /**
   * `ttlMs`: this record's own TTL (a retry decision's lasts until its outcome can come); default the cache's.
   * `json`: the record serialised (`JSON.stringify(record)`, or those UTF-8 bytes), kept instead of the object.
   */
  add(transactionKey: string, record: DecisionRecord, decidedAtMs: number, ttlMs?: number, json?: string | Uint8Array): void;
  /** Entries held (live or not yet dropped), by decisionId. */
  readonly size: number;
  markPersisted(decisionId: string): void;
  /** A decision that lost its claim to another replica's. */
  forget(decisionId: string): void;
  byTransactionId(transactionKey: string): DecisionRecord | undefined;
  byDecisionId(decisionId: string): DecisionRecord | undefined;
  /** Whether the decision is held (live) and the shared store is known to hold it too. */
  isPersisted(decisionId: string): boolean;
  /** The record if the shared store is known to hold it too. */
  persistedByDecisionId(decisionId: string): DecisionRecord | undefined;
}

/** The cache of its own (NATS + Redis mode). */
export class CachedDecisions implements RecentDecisions {
  /** Idempotency key -> decisionId. */
  private readonly byTransaction: SlabMap;
  /** decisionId -> the record's JSON (UTF-8), its number 1 once persisted. */
  private readonly byId: SlabMap;

  constructor(
    capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    arena?: SlabArena,
  ) {
    // the columns grow as entries come (a test's cache of a million costs nothing until it is filled)
    this.byTransaction = new SlabMap(capacity, undefined, arena);
    this.byId = new SlabMap(capacity, undefined, arena);
  }

  add(transactionKey: string, record: DecisionRecord, decidedAtMs: number, ttlMs: number = this.ttlMs, json?: string | Uint8Array): void {
    const at = sinceStart(decidedAtMs);
    const expiresAt = at + ttlMs;
    // bounded by the capacity, and memory follows the TTL: expired entries go from the oldest end; a
    // retry's longer-lived one moves back
    this.byTransaction.set(transactionKey, record.decisionId, 0, expiresAt, at, at + this.ttlMs);
    this.byId.set(record.decisionId, json ?? JSON.stringify(record), 0, expiresAt, at, at + this.ttlMs);
  }

  get size(): number {
    return this.byId.size;
  }

  markPersisted(decisionId: string): void {
    const e = this.byId.find(decisionId);
    if (e >= 0) this.byId.setNumber(e, 1);
  }

  forget(decisionId: string): void {
    this.byId.delete(decisionId);
  }

  byTransactionId(transactionKey: string): DecisionRecord | undefined {
    const now = sinceStart(this.now());
    const t = this.byTransaction.findLive(transactionKey, now);
    if (t < 0) return undefined;
    return this.recordOf(this.byId.findLive(this.byTransaction.text(t)!, now));
  }

  byDecisionId(decisionId: string): DecisionRecord | undefined {
    return this.recordOf(this.byId.findLive(decisionId, sinceStart(this.now())));
  }

  isPersisted(decisionId: string): boolean {
    const e = this.byId.findLive(decisionId, sinceStart(this.now()));
    return e >= 0 && this.byId.numberOf(e) === 1;
  }

  persistedByDecisionId(decisionId: string): DecisionRecord | undefined {
    const e = this.byId.findLive(decisionId, sinceStart(this.now()));
    return e >= 0 && this.byId.numberOf(e) === 1 ? this.recordOf(e) : undefined;
  }

  private recordOf(e: number): DecisionRecord | undefined {
    return e < 0 ? undefined : parsed(this.byId.bytes(e));
  }
}

/** Recent decisions read from the in-memory store (embedded mode): nothing held here. */
export class StoreDecisions implements RecentDecisions {
  constructor(private readonly store: SharedDecisions) {}

  add(_transactionKey: string, _record: DecisionRecord, _decidedAtMs: number, _ttlMs?: number, _json?: string | Uint8Array): void {
    // the store's claim keeps it
  }

  get size(): number {
    return this.store.decisionCount;
  }

  markPersisted(_decisionId: string): void {
    // every record the in-memory store holds is persisted
  }

  forget(_decisionId: string): void {
    // a decision that lost its claim was never written to the store
  }

  byTransactionId(transactionKey: string): DecisionRecord | undefined {
    return parsed(this.store.transactionRecord(transactionKey));
  }

  byDecisionId(decisionId: string): DecisionRecord | undefined {
    return parsed(this.store.decisionRecord(decisionId));
  }

  isPersisted(decisionId: string): boolean {
    return this.store.hasDecision(decisionId);
  }

  persistedByDecisionId(decisionId: string): DecisionRecord | undefined {
    return this.byDecisionId(decisionId);
  }
}

function parsed(json: string | Uint8Array | undefined): DecisionRecord | undefined {
  if (json === undefined) return undefined;
  return parseDecisionRecord(typeof json === 'string' ? json : decoder.decode(json)) ?? undefined;
}

const decoder = new TextDecoder();
