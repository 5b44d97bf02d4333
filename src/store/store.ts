/**
 * Shared state the router keeps outside its process: the decision join store (decision records by id, and
 * transactionId -> decision for idempotency, both with a TTL), policy snapshots tagged with the outcome
 * stream sequence they include, tuned policy params, and dead-lettered outcomes. Two implementations with
 * the same semantics: Redis (`redis-store.ts`) and in-memory (`memory-store.ts`, when REDIS_URL is unset).
 */

export type StoreState = 'memory' | 'connecting' | 'connected' | 'down' | 'closed';

export interface DecisionWrite {
  readonly transactionKey: string;
  readonly decisionId: string;
  /** The decision record, JSON. */
  readonly recordJson: string;
  readonly ttlMs: number;
}

export interface SnapshotEntry {
  /** Highest outcome stream sequence the state includes. */
  readonly seq: number;
  readonly json: string;
}

export interface Store {
  readonly kind: 'redis' | 'memory';
  connect(): Promise<void>;
  state(): StoreState;
  onState(listener: (state: StoreState, detail?: string) => void): void;
  /**
   * Atomically claim `transactionKey` for this decision: if the transaction already has a live decision,
   * return that decision's record JSON and write nothing; otherwise store both keys and return null.
   */
  claimDecision(write: DecisionWrite): Promise<string | null>;
  /**
   * `claimDecision` answered at once, for a store that never waits (the in-memory one): the decision
   * service's hot path then needs no promise. Absent on stores that do I/O.
   */
  claimDecisionNow?(write: DecisionWrite): string | null;
  /** Write-behind of decisions that could not be claimed in time (set-if-absent per key). */
  putDecisions(writes: readonly DecisionWrite[]): Promise<void>;
  getDecision(decisionId: string): Promise<string | null>;
  /**
   * `getDecision` for several ids in one round trip: one answer per id, in order (the join's read-ahead).
   * Optional: without it the read-ahead asks `getDecision` per id.
   */
  getDecisions?(decisionIds: readonly string[]): Promise<(string | null)[]>;
  loadSnapshot(name: string): Promise<SnapshotEntry | null>;
  /** Store if `seq` is greater than the stored one (or `force`); true when written. */
  saveSnapshot(name: string, entry: SnapshotEntry, force?: boolean): Promise<boolean>;
  /** Keep a dead-lettered outcome, keyed by its stream sequence (idempotent across replicas); capped. */
  addDeadLetter(seq: number, json: string): Promise<void>;
  /** Most recent dead letters first. */
  listDeadLetters(limit: number): Promise<string[]>;
  /** Drop every key of this store's prefix (tests). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export const DEAD_LETTER_CAP = 10_000;
