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
 */
import { ExpiringMap } from '../store/expiring-map.ts';
import { parseDecisionRecord, type DecisionRecord } from './decision-record.ts';

interface Entry {
  /** Kept as an object when added without its JSON; otherwise parsed from `json` on each read. */
  readonly record: DecisionRecord | undefined;
  /** The record's JSON, or its UTF-8 bytes (kept outside the JS heap). */
  readonly json: string | Uint8Array | undefined;
  readonly expiresAt: number;
  persisted: boolean;
}

export class RecentDecisions {
  private readonly byTransaction: ExpiringMap<Entry>;
  private readonly byId: ExpiringMap<Entry>;

  constructor(
    capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.byTransaction = new ExpiringMap(capacity);
    this.byId = new ExpiringMap(capacity);
  }

  /**
   * `ttlMs`: this record's own TTL (a retry decision's lasts until its outcome can come); default the cache's.
   * `json`: the record serialised (`JSON.stringify(record)`, or those UTF-8 bytes): kept instead of the object.
   */
  add(transactionKey: string, record: DecisionRecord, decidedAtMs: number, ttlMs: number = this.ttlMs, json?: string | Uint8Array): void {
    const entry: Entry = { record: json === undefined ? record : undefined, json, expiresAt: decidedAtMs + ttlMs, persisted: false };
    // bounded by the capacity, and memory follows the TTL: expired entries go from the oldest end; a
    // retry's longer-lived one moves back
    this.byTransaction.set(transactionKey, entry, decidedAtMs, decidedAtMs + this.ttlMs);
    this.byId.set(record.decisionId, entry, decidedAtMs, decidedAtMs + this.ttlMs);
  }

  /** Entries held (live or not yet dropped), by decisionId. */
  get size(): number {
    return this.byId.size;
  }

  markPersisted(decisionId: string): void {
    const e = this.byId.get(decisionId);
    if (e) e.persisted = true;
  }

  forget(decisionId: string): void {
    this.byId.delete(decisionId);
  }

  byTransactionId(transactionKey: string): DecisionRecord | undefined {
    return recordOf(this.live(this.byTransaction, transactionKey));
  }

  byDecisionId(decisionId: string): DecisionRecord | undefined {
    return recordOf(this.live(this.byId, decisionId));
  }

  /** Whether the decision is held (live) and the shared store is known to hold it too. */
  isPersisted(decisionId: string): boolean {
    return this.live(this.byId, decisionId)?.persisted === true;
  }

  /** The record if the shared store is known to hold it too. */
  persistedByDecisionId(decisionId: string): DecisionRecord | undefined {
    const e = this.live(this.byId, decisionId);
    return e?.persisted ? recordOf(e) : undefined;
  }

  private live(map: ExpiringMap<Entry>, key: string): Entry | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return e;
  }
}

function recordOf(e: Entry | undefined): DecisionRecord | undefined {
  if (e === undefined) return undefined;
  if (e.record !== undefined) return e.record;
  const json = e.json!;
  return parseDecisionRecord(typeof json === 'string' ? json : decoder.decode(json)) ?? undefined;
}

const decoder = new TextDecoder();
