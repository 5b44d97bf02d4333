/**
 * What tells a researcher when not to trust an off-policy number, accumulated in the same pass:
 *
 * - importance weights w = pi(a|x) / mu(a|x): mean (should be about 1: a mean well below 1 means the target
 *   puts mass where the logger did not explore, or the propensities are wrong), min, max, and the share of
 *   rows above the clipping threshold;
 * - effective sample size ESS = (sum w)^2 / sum w^2 (Kong 1992): how many rows the IPS estimate effectively
 *   rests on; a small fraction of n means a few rows decide the estimate;
 * - support gaps: the target's mean probability mass on actions the logger never chose anywhere in the log
 *   (`unexplored`), on actions never chosen in the row's context bucket (`unexploredInContext`; counted only
 *   in buckets with at least 5 rows per candidate, where an exploring logger would have shown every action,
 *   so small buckets do not raise false alarms), and, when
 *   the log records the logger's full distribution (decision log), on actions it gave probability 0
 *   (`zeroLoggingProbability`, exact). None of the estimators can see rewards there: IPS-type estimates
 *   silently lose that mass, DM extrapolates.
 */
import type { RowBatch } from './batch.ts';

export interface Diagnostics {
  readonly n: number;
  readonly weights: {
    readonly mean: number;
    /** Standard error of the mean weight. */
    readonly meanStdError: number;
    readonly min: number;
    readonly max: number;
    /** Rows where the target gives the logged action probability 0. */
    readonly zeroShare: number;
    /** Rows with w above `clipThreshold`. */
    readonly aboveClipShare: number;
    readonly clipThreshold: number;
  };
  readonly effectiveSampleSize: number;
  readonly effectiveSampleFraction: number;
  readonly supportGap: {
    readonly unexplored: number;
    readonly unexploredInContext: number;
    /** null when the log does not record the logger's full distribution. */
    readonly zeroLoggingProbability: number | null;
  };
  readonly minPropensity: number;
  /** Rows whose logging propensity was estimated from the log, not logged. */
  readonly estimatedPropensityShare: number;
  /** Human-readable reasons for caution (empty when none fired). */
  readonly warnings: readonly string[];
}

export class DiagnosticsAccumulator {
  private n = 0;
  private sw = 0;
  private sw2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private zero = 0;
  private aboveClip = 0;
  private minProp = Infinity;
  private gapGlobal = 0;
  private gapContext = 0;
  private gapExact = 0;
  private exactRows = 0;
  private estimatedRows = 0;

  constructor(readonly clipThreshold: number) {}

  /** Weights of a derived batch. */
  add(batch: RowBatch): void {
    for (let i = 0; i < batch.size; i++) {
      const w = batch.weight[i]!;
      this.sw += w;
      this.sw2 += w * w;
      if (w < this.min) this.min = w;
      if (w > this.max) this.max = w;
      if (w === 0) this.zero++;
      if (w > this.clipThreshold) this.aboveClip++;
      const p = batch.propensity[i]!;
      if (p < this.minProp) this.minProp = p;
    }
    this.n += batch.size;
  }

  /** Support masses of one row (see the module comment); `exact` is NaN when unknown. */
  addSupport(unexplored: number, unexploredInContext: number, exact: number, propensityEstimated: boolean): void {
    this.gapGlobal += unexplored;
    this.gapContext += unexploredInContext;
    if (!Number.isNaN(exact)) {
      this.gapExact += exact;
      this.exactRows++;
    }
    if (propensityEstimated) this.estimatedRows++;
  }

  result(): Diagnostics {
    const n = this.n;
    const mean = n > 0 ? this.sw / n : Number.NaN;
    const variance = n > 1 ? Math.max(0, this.sw2 / n - mean * mean) * (n / (n - 1)) : Number.NaN;
    const se = Math.sqrt(variance / n);
    const ess = this.sw2 > 0 ? (this.sw * this.sw) / this.sw2 : 0;
    const supportGap = {
      unexplored: n > 0 ? this.gapGlobal / n : Number.NaN,
      unexploredInContext: n > 0 ? this.gapContext / n : Number.NaN,
      zeroLoggingProbability: this.exactRows > 0 ? this.gapExact / this.exactRows : null,
    };
    const d = {
      n,
      weights: {
        mean,
        meanStdError: se,
        min: n > 0 ? this.min : Number.NaN,
        max: n > 0 ? this.max : Number.NaN,
        zeroShare: n > 0 ? this.zero / n : Number.NaN,
        aboveClipShare: n > 0 ? this.aboveClip / n : Number.NaN,
        clipThreshold: this.clipThreshold,
      },
      effectiveSampleSize: ess,
      effectiveSampleFraction: n > 0 ? ess / n : Number.NaN,
      supportGap,
      minPropensity: n > 0 ? this.minProp : Number.NaN,
      estimatedPropensityShare: n > 0 ? this.estimatedRows / n : Number.NaN,
    };
    return { ...d, warnings: warningsFor(d) };
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function warningsFor(d: Omit<Diagnostics, 'warnings'>): string[] {
  const w: string[] = [];
  if (d.n < 1000) w.push(`only ${d.n} rows: intervals are wide and the bootstrap itself is rough`);
  if (d.effectiveSampleFraction < 0.1) {
    w.push(`effective sample size ${d.effectiveSampleSize.toFixed(0)} is ${pct(d.effectiveSampleFraction)} of the rows: IPS-type estimates rest on a few heavily weighted rows`);
  }
  if (Math.abs(d.weights.mean - 1) > Math.max(0.05, 3 * d.weights.meanStdError)) {
    w.push(`mean importance weight ${d.weights.mean.toFixed(3)} (should be about 1): the target puts mass where the logger did not explore, or the logging propensities are off`);
  }
  if (d.weights.aboveClipShare > 0.01) w.push(`${pct(d.weights.aboveClipShare)} of rows have weights above ${d.weights.clipThreshold}: clipped IPS and switch-DR differ from IPS and DR there`);
  if (d.supportGap.unexplored > 0.01) w.push(`the target puts ${pct(d.supportGap.unexplored)} of its mass on actions the logger never chose: no estimator sees those rewards (DM extrapolates)`);
  else if (d.supportGap.unexploredInContext > 0.05) {
    w.push(`the target puts ${pct(d.supportGap.unexploredInContext)} of its mass on actions never chosen in the same context bucket`);
  }
  if (d.supportGap.zeroLoggingProbability !== null && d.supportGap.zeroLoggingProbability > 0) {
    w.push(`the target puts ${pct(d.supportGap.zeroLoggingProbability)} of its mass on actions the logger gave probability 0: IPS and DR are biased`);
  }
  if (d.estimatedPropensityShare > 0) w.push(`logging propensities of ${pct(d.estimatedPropensityShare)} of rows were estimated from the log (empirical frequencies per context bucket), not logged`);
  return w;
}
