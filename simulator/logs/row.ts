import type { Context } from '../../policies/core/context.ts';

/** The log formats the simulator reads. */
export const LOG_FORMATS = ['jsonl', 'csv', 'obd'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * One logged decision joined with its outcome, whatever the file format. Readers allocate one per row and
 * keep none: consumers copy what they need into typed arrays.
 */
export interface LoggedRow {
  /** 0-based index among the good rows, in log order. */
  readonly index: number;
  /** 1-based line number in the file (for JSONL: the decision's line). */
  readonly line: number;
  /** Key of the decision's random stream (`rng.reseed(seed, key)`): transactionId, or the row index. */
  readonly key: string;
  readonly context: Context;
  /** Actions available for this row; null: every action of the log. */
  readonly candidates: readonly string[] | null;
  /** The logged (chosen) action. */
  readonly action: string;
  readonly reward: number;
  /** Logging propensity of `action`; NaN when the log does not give it (then estimated from the log). */
  readonly propensity: number;
  /** The logging policy's full distribution aligned with `candidates`, when logged (decision log); else null. */
  readonly loggingProbabilities: readonly number[] | null;
  /** Fee of the outcome in minor units; NaN when not logged. */
  readonly feeMinor: number;
}

/** A row that could not be used, by line number. */
export interface BadRow {
  readonly line: number;
  readonly message: string;
}

/** What a read pass saw. */
export interface ReadSummary {
  readonly file: string;
  readonly format: LogFormat;
  /** Good rows delivered. */
  readonly rows: number;
  /** Rows rejected (each reported with its line number in `badSamples`, first 20 kept). */
  readonly bad: number;
  readonly badSamples: readonly BadRow[];
  /** Decision-log only: decisions that never got an outcome (not evaluated). */
  readonly unjoined: number;
  /** Number of actions: from item_context.csv (OBD), else the distinct actions seen. */
  readonly actions: readonly string[];
}
