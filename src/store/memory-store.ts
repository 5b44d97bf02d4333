/** In-memory store (REDIS_URL unset): same semantics as the Redis store, bounded, TTLs on a clock. */
import type { DecisionWrite, SnapshotEntry, Store, StoreState } from './store.ts';
import { DEAD_LETTER_CAP } from './store.ts';
import { ExpiringMap, sinceStart } from './expiring-map.ts';

interface Expiring {
  /** A string, or a decision record's JSON as UTF-8 bytes (decoded when read). */
  readonly value: string | Uint8Array;
  /** `sinceStart` time (a small integer). */
  readonly expiresAt: number;
}

/** A decision record: one object under both its keys (the decisionId, and the transaction it claimed). */
interface DecisionEntry extends Expiring {
  readonly decisionId: string;
}

const decoder = new TextDecoder();

function textOf(e: Expiring): string {
  return typeof e.value === 'string' ? e.value : decoder.decode(e.value);
}

export interface MemoryStoreOptions {
  readonly now?: () => number;
  /** Most decisions kept (oldest evicted first). */
  readonly maxDecisions?: number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly decisions: ExpiringMap<DecisionEntry>;
  /** transactionKey -> the entry of the decision that claimed it (its `decisionId`; the record is read from `decisions`). */
  private readonly transactions: ExpiringMap<DecisionEntry>;
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
    const maxDecisions = options.maxDecisions ?? 1_000_000;
    this.decisions = new ExpiringMap(maxDecisions);
    this.transactions = new ExpiringMap(maxDecisions);
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

  /** The live entry under `key` (an expired one is dropped). */
  private live(map: ExpiringMap<DecisionEntry>, key: string, now: number): DecisionEntry | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  async claimDecision(w: DecisionWrite): Promise<string | null> {
    return this.claimDecisionNow(w);
  }

  /** `claimDecision` without a promise: the decision service's hot path uses it (nothing here waits). */
  claimDecisionNow(w: DecisionWrite): string | null {
    const now = sinceStart(this.now());
    if (w.transactionKey !== this.absentTransaction) {
      const claimed = this.live(this.transactions, w.transactionKey, now);
      if (claimed !== undefined) {
        const rec = this.live(this.decisions, claimed.decisionId, now);
        if (rec !== undefined) return textOf(rec);
      }
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
    const entry: DecisionEntry = { value: w.recordBytes ?? w.recordJson, expiresAt, decisionId: w.decisionId };
    // bounded (oldest first), and expired keys go from the oldest end as new ones come; a key that outlives
    // the one just written (a retry's record, kept longer) moves to the back instead of holding up the rest
    if (claim || this.live(this.transactions, w.transactionKey, now) === undefined) this.transactions.set(w.transactionKey, entry, now, expiresAt);
    if (this.live(this.decisions, w.decisionId, now) === undefined) this.decisions.set(w.decisionId, entry, now, expiresAt);
  }

  /**
   * The live record that claimed `transactionKey` (its JSON, or those bytes), read by the recent-decision
   * cache when it shares this store's entries (`SharedDecisions`) instead of holding copies of its own.
   */
  transactionRecord(transactionKey: string): string | Uint8Array | undefined {
    const now = sinceStart(this.now());
    const claimed = this.live(this.transactions, transactionKey, now);
    const rec = claimed === undefined ? undefined : this.live(this.decisions, claimed.decisionId, now);
    if (rec === undefined) {
      this.absentTransaction = transactionKey;
      return undefined;
    }
    return rec.value;
  }

  /** The live record of `decisionId` (its JSON, or those bytes), for the cache as `transactionRecord`. */
  decisionRecord(decisionId: string): string | Uint8Array | undefined {
    return this.live(this.decisions, decisionId, sinceStart(this.now()))?.value;
  }

  async putDecisions(writes: readonly DecisionWrite[]): Promise<void> {
    for (const w of writes) this.write(w, sinceStart(this.now()));
  }

  async getDecision(decisionId: string): Promise<string | null> {
    const e = this.live(this.decisions, decisionId, sinceStart(this.now()));
    return e === undefined ? null : textOf(e);
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
