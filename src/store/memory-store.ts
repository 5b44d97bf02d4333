/**
 * In-memory store (REDIS_URL unset): same semantics as the Redis store, bounded, TTLs on a clock. The
 * decisions are kept as Redis keeps them, in `SlabMap`s (no JavaScript object per decision for the
 * collector to trace): decisionId -> the record's bytes, with the stream sequence of the first outcome
 * accepted for it as the entry's number (0 while none is), and the transaction key -> the decisionId that
 * claimed it.
 */
import type { DecisionWrite, MarkedOutcome, OutcomeMark, SnapshotEntry, Store, StoreState } from './store.ts';
import { DEAD_LETTER_CAP } from './store.ts';
import { sinceStart } from './clock.ts';
import type { SlabArena } from './slab-arena.ts';
import { SlabMap } from './slab-map.ts';

/** Decisions an in-memory store keeps unless told otherwise (`MemoryStoreOptions.maxDecisions`). */
export const DEFAULT_MAX_DECISIONS = 1_000_000;

export interface MemoryStoreOptions {
  readonly now?: () => number;
  /** Most decisions kept (oldest evicted first; default DEFAULT_MAX_DECISIONS). */
  readonly maxDecisions?: number;
  /** Where the records' bytes are kept (a router shares one between its tables). */
  readonly arena?: SlabArena;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  /** decisionId -> the record (its JSON as UTF-8); the entry's number: its first accepted outcome's sequence, or 0. */
  private readonly decisions: SlabMap;
  /** transactionKey -> the decisionId of the decision that claimed it (the record is read from `decisions`). */
  private readonly transactions: SlabMap;
  private readonly snapshots = new Map<string, SnapshotEntry>();
  private readonly dead = new Map<number, string>();
  private readonly listeners: ((state: StoreState, detail?: string) => void)[] = [];
  private readonly now: () => number;
  private closed = false;
  /**
   * A transaction key found absent by `transactionRecord` with no write since: the claim that follows that
   * miss (the decision service's hot path: look up, decide, claim) does not look it up again. Expiry only
   * removes keys, so a key absent then is absent still; every write clears it.
   */
  private absentTransaction: string | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    const maxDecisions = options.maxDecisions ?? DEFAULT_MAX_DECISIONS;
    this.decisions = new SlabMap(maxDecisions, undefined, options.arena);
    this.transactions = new SlabMap(maxDecisions, undefined, options.arena);
  }

  /** Decision records held (live or not yet dropped). */
  get decisionCount(): number {
    return this.decisions.size;
  }

  async connect(): Promise<void> {
    for (const l of this.listeners) l('memory');
  }

  state(): StoreState {
    return this.closed ? 'closed' : 'memory';
  }

  onState(listener: (state: StoreState, detail?: string) => void): void {
    this.listeners.push(listener);
  }

  /** The live decision that claimed `transactionKey`, or -1. */
  private claimed(transactionKey: string, now: number): number {
    const t = this.transactions.findLive(transactionKey, now);
    return t < 0 ? -1 : this.decisions.findLive(this.transactions.text(t)!, now);
  }

  async claimDecision(w: DecisionWrite): Promise<string | null> {
    return this.claimDecisionNow(w);
  }

  /** `claimDecision` without a promise: the decision service's hot path uses it (nothing here waits). */
  claimDecisionNow(w: DecisionWrite): string | null {
    const now = sinceStart(this.now());
    if (w.transactionKey !== this.absentTransaction) {
      const rec = this.claimed(w.transactionKey, now);
      if (rec >= 0) return this.decisions.text(rec)!;
    }
    this.write(w, now, true);
    return null;
  }

  /**
   * `claim`: the transaction has no live decision, so its key is set whatever it holds (as the Redis claim
   * does); otherwise (write-behind) each key is set only if absent.
   */
  private write(w: DecisionWrite, now: number, claim = false): void {
    this.absentTransaction = undefined;
    const expiresAt = now + w.ttlMs;
    // bounded (oldest first), and expired keys go from the oldest end as new ones come; a key that outlives
    // the one just written (a retry's record, kept longer) moves to the back instead of holding up the rest
    if (claim || this.transactions.findLive(w.transactionKey, now) < 0) this.transactions.set(w.transactionKey, w.decisionId, 0, expiresAt, now, expiresAt);
    if (this.decisions.findLive(w.decisionId, now) < 0) this.decisions.set(w.decisionId, w.recordJson, 0, expiresAt, now, expiresAt);
  }

  /**
   * The live record that claimed `transactionKey` (a copy of its bytes), read by the
   * recent-decision cache when it shares this store's entries (`SharedDecisions`) instead of holding copies
   * of its own.
   */
  transactionRecord(transactionKey: string): string | Uint8Array | undefined {
    const rec = this.claimed(transactionKey, sinceStart(this.now()));
    if (rec < 0) {
      this.absentTransaction = transactionKey;
      return undefined;
    }
    return Buffer.from(this.decisions.bytes(rec)!); // a copy: the slab is reused once its records are gone
  }

  /** The live record of `decisionId` (its bytes), for the cache as `transactionRecord`. */
  decisionRecord(decisionId: string): string | Uint8Array | undefined {
    const rec = this.decisions.findLive(decisionId, sinceStart(this.now()));
    return rec < 0 ? undefined : Buffer.from(this.decisions.bytes(rec)!);
  }

  /** Whether the record of `decisionId` is held (live), for the cache's `isPersisted` (no copy of it). */
  hasDecision(decisionId: string): boolean {
    return this.decisions.findLive(decisionId, sinceStart(this.now())) >= 0;
  }

  async putDecisions(writes: readonly DecisionWrite[]): Promise<void> {
    for (const w of writes) this.write(w, sinceStart(this.now()));
  }

  async getDecision(decisionId: string): Promise<string | null> {
    const rec = this.decisions.findLive(decisionId, sinceStart(this.now()));
    return rec < 0 ? null : this.decisions.text(rec)!;
  }

  async markOutcomes(marks: readonly OutcomeMark[]): Promise<MarkedOutcome[]> {
    return marks.map((m) => this.markOutcome(m));
  }

  /** One outcome's `markOutcomes`. */
  private markOutcome(m: OutcomeMark): MarkedOutcome {
    const decisions = this.decisions;
    const e = decisions.findLive(m.decisionId, sinceStart(this.now()));
    if (e < 0) return { firstSeq: 0, record: null };
    let first = decisions.numberOf(e);
    if (first === 0) {
      first = m.seq; // never 0: a stream sequence, or APPLIED_BEFORE_MARKS
      decisions.setNumber(e, first);
    }
    return { firstSeq: first, record: m.withRecord ? decisions.text(e)! : null };
  }

  async loadSnapshot(name: string): Promise<SnapshotEntry | null> {
    return this.snapshots.get(name) ?? null;
  }

  async saveSnapshot(name: string, entry: SnapshotEntry, force = false): Promise<boolean> {
    const cur = this.snapshots.get(name);
    if (!force && cur && cur.seq >= entry.seq) return false;
    this.snapshots.set(name, entry);
    return true;
  }

  async addDeadLetter(seq: number, json: string): Promise<void> {
    this.dead.set(seq, json);
    if (this.dead.size > DEAD_LETTER_CAP) {
      const oldest = this.dead.keys().next();
      if (!oldest.done) this.dead.delete(oldest.value);
    }
  }

  async listDeadLetters(limit: number): Promise<string[]> {
    return [...this.dead.entries()].sort((a, b) => b[0] - a[0]).slice(0, limit).map(([, v]) => v);
  }

  async clear(): Promise<void> {
    this.absentTransaction = undefined;
    this.decisions.clear();
    this.transactions.clear();
    this.snapshots.clear();
    this.dead.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const l of this.listeners) l('closed');
  }
}
