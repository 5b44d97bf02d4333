/**
 * Shared state the router keeps outside its process: the decision join store (decision records by id, and
 * transactionId -> decision for idempotency, both with a TTL), the first outcome accepted for each
 * decision (its stream sequence, for as long as the record lives), policy snapshots tagged with the outcome
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

/**
 * The mark of a decision whose outcome was applied by a router that kept no marks (its `router-state/1`
 * snapshot listed the decisions instead): never a stream sequence, so every outcome for it is a duplicate.
 */
export const APPLIED_BEFORE_MARKS = -1;

/** An outcome to join to its decision's record, marked as the first one accepted for it unless one is. */
export interface OutcomeMark {
  readonly decisionId: string;
  /** The outcome's stream sequence (APPLIED_BEFORE_MARKS: an outcome applied before marks were kept). */
  readonly seq: number;
  /** Answer the record too (false when the caller holds it already). */
  readonly withRecord: boolean;
}

/** What `markOutcomes` answers for one outcome. */
export interface MarkedOutcome {
  /**
   * The stream sequence of the first outcome accepted for the decision: the outcome's own when it is the
   * first (or APPLIED_BEFORE_MARKS). 0 when the decision has no record (never made, expired, or not written
   * yet): nothing was marked.
   */
  readonly firstSeq: number;
  /** The decision's record, JSON, when asked for and held; else null. */
  readonly record: string | null;
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
   * Exactly-once learning across replicas and restarts: for each outcome in order, when its decision's
   * record is held, mark the outcome's sequence as the first accepted for the decision unless one is marked
   * already, and answer the marked one (an outcome is applied only when that is its own). The mark lives
   * exactly as long as the record, so it is a property of the stream that every replica reading it, and every
   * restart from any snapshot, agrees on, with nothing kept per decision in a replica or in a snapshot.
   * Atomic per outcome; one round trip for the batch.
   */
  markOutcomes(marks: readonly OutcomeMark[]): Promise<MarkedOutcome[]>;
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
