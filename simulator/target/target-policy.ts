import type { LoggedRow } from '../logs/row.ts';

/**
 * The policy being evaluated offline, seen as a fixed map from a logged row to a probability vector over
 * that row's candidates (the actions it could have taken).
 */
export interface TargetPolicy {
  readonly name: string;
  /** One line: what exactly is evaluated (e.g. "thompson trained on the first 5,000 rows, then frozen"). */
  readonly description: string;
  /** Whether `train` learns anything (route policies do; `uniform` does not). */
  readonly learns: boolean;
  /** Write the probabilities of candidates[0..n) for this row into out[0..n). */
  distribution(row: LoggedRow, candidates: readonly string[], out: Float64Array): void;
  /** Learn from one logged row (used on the first `--train-rows` rows, which are then not evaluated). */
  train(row: LoggedRow): void;
  /** Freeze after training: describe how much it learned. */
  freeze(trainedRows: number): void;
}
