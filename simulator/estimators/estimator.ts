import type { RowBatch } from './batch.ts';

/**
 * One off-policy estimator. Every estimator here is a smooth function of a few per-row sums, which is what
 * makes one streaming pass (and a streaming Poisson bootstrap) possible: `rowMoments` writes the row's
 * contributions m_1..m_k, and `value` turns the (bootstrap-weighted) sums S_j = sum_i c_i m_j(i) and the
 * (weighted) row count n = sum_i c_i into the estimate.
 */
export interface Estimator {
  /** Key in the JSON output ("ips", "snips", ...). */
  readonly name: string;
  /** One line for tables and docs. */
  readonly description: string;
  /** Number of per-row sums. */
  readonly moments: number;
  /**
   * Optional name of each moment (length `moments`). Moments of the same name, in any estimator, must be
   * computed identically (the same expression of the batch, bit for bit): the bootstrap then accumulates
   * each named moment once for all the estimators that use it (IPS, SNIPS and the DR family share `w r`,
   * `w`, `qTarget`, ...). Unnamed moments are accumulated on their own.
   */
  readonly momentNames?: readonly string[];
  /** Whether it uses the reward model's predictions (qLogged, qTarget). */
  readonly usesRewardModel: boolean;
  /** Write row i's moments to out[offset .. offset + moments). Batch must be derived. */
  rowMoments(batch: RowBatch, i: number, out: Float64Array, offset: number): void;
  /**
   * Optional: the same moments of rows [0, size) at once, moment m of row i to out[at[m] + i * stride],
   * each exactly what `rowMoments` writes (the accumulator uses it when present: one call per batch).
   */
  columnMoments?(batch: RowBatch, size: number, out: Float64Array, at: Int32Array, stride: number): void;
  /** The estimate from the sums at sums[offset ..] and the row count n. NaN when undefined. */
  value(sums: Float64Array, offset: number, n: number): number;
}
