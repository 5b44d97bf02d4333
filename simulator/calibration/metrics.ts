/**
 * Calibration of predicted probabilities against binary outcomes.
 *
 * - Brier score: mean of (p - y)^2 (0 is perfect; a constant prediction at the base rate r scores r(1-r)).
 * - Reliability diagram: predictions binned into `bins` equal-width bins on [0, 1] (p = 1 goes to the last
 *   bin); per bin the mean prediction and the observed frequency.
 * - Expected calibration error (ECE): sum over bins of (n_b / N) |mean prediction_b - observed rate_b|.
 * - Maximum calibration error (MCE): the largest such gap over non-empty bins.
 * - Bias: mean prediction - observed rate (> 0: over-confident in approval).
 */

export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  readonly meanPredicted: number;
  /** Observed frequency of y = 1 in the bin (NaN when empty). */
  readonly observedRate: number;
  /** Mean ground-truth probability in the bin, when known (simulations); NaN otherwise. */
  readonly meanTrue: number;
}

export interface CalibrationSummary {
  readonly count: number;
  readonly brier: number;
  readonly ece: number;
  readonly mce: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
  /** meanPredicted - observedRate. */
  readonly bias: number;
  /** Mean |prediction - ground-truth probability| when the truth is known; NaN otherwise. */
  readonly meanAbsErrorVsTruth: number;
  readonly bins: readonly ReliabilityBin[];
}

/** Bin index of probability p among `bins` equal-width bins. */
export function binOf(p: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
}

const FIELDS = 5; // count, sumPred, sumY, sumTrue, countTrue

/**
 * Streaming accumulator (no allocation per `add`). `merge` sums another accumulator with the same bins, so
 * per-seed accumulators combine into one.
 */
export class CalibrationAccumulator {
  private readonly data: Float64Array;
  private sq = 0;
  private absTrue = 0;
  /** Predictions that were not finite numbers (counted, excluded from the metrics). */
  invalid = 0;

  constructor(readonly bins = 10) {
    if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`calibration bins must be a positive integer, got ${bins}`);
    this.data = new Float64Array(bins * FIELDS);
  }

  /** Record a prediction `p` (clamped to [0, 1]), the outcome `y` (0/1) and optionally the true probability. */
  add(p: number, y: number, truth = Number.NaN): void {
    if (!Number.isFinite(p)) {
      this.invalid++;
      return;
    }
    const q = p < 0 ? 0 : p > 1 ? 1 : p;
    const o = binOf(q, this.bins) * FIELDS;
    const d = this.data;
    d[o] = d[o]! + 1;
    d[o + 1] = d[o + 1]! + q;
    d[o + 2] = d[o + 2]! + y;
    if (Number.isFinite(truth)) {
      d[o + 3] = d[o + 3]! + truth;
      d[o + 4] = d[o + 4]! + 1;
      this.absTrue += Math.abs(q - truth);
    }
    this.sq += (q - y) * (q - y);
  }

  merge(other: CalibrationAccumulator): void {
    if (other.bins !== this.bins) throw new RangeError(`cannot merge calibration with ${other.bins} bins into ${this.bins}`);
    for (let i = 0; i < this.data.length; i++) this.data[i] = this.data[i]! + other.data[i]!;
    this.sq += other.sq;
    this.absTrue += other.absTrue;
    this.invalid += other.invalid;
  }

  summary(): CalibrationSummary {
    const d = this.data;
    let n = 0, sumP = 0, sumY = 0, nTrue = 0, ece = 0, mce = 0;
    const bins: ReliabilityBin[] = [];
    for (let b = 0; b < this.bins; b++) {
      const o = b * FIELDS;
      const c = d[o]!;
      n += c;
      sumP += d[o + 1]!;
      sumY += d[o + 2]!;
      nTrue += d[o + 4]!;
      const meanPredicted = c > 0 ? d[o + 1]! / c : Number.NaN;
      const observedRate = c > 0 ? d[o + 2]! / c : Number.NaN;
      bins.push({ lo: b / this.bins, hi: (b + 1) / this.bins, count: c, meanPredicted, observedRate, meanTrue: d[o + 4]! > 0 ? d[o + 3]! / d[o + 4]! : Number.NaN });
    }
    for (const bin of bins) {
      if (bin.count === 0) continue;
      const gap = Math.abs(bin.meanPredicted - bin.observedRate);
      ece += (bin.count / n) * gap;
      if (gap > mce) mce = gap;
    }
    const meanPredicted = n > 0 ? sumP / n : Number.NaN;
    const observedRate = n > 0 ? sumY / n : Number.NaN;
    return {
      count: n,
      brier: n > 0 ? this.sq / n : Number.NaN,
      ece: n > 0 ? ece : Number.NaN,
      mce: n > 0 ? mce : Number.NaN,
      meanPredicted,
      observedRate,
      bias: meanPredicted - observedRate,
      meanAbsErrorVsTruth: nTrue > 0 ? this.absTrue / nTrue : Number.NaN,
      bins,
    };
  }
}

/** Brier score of predictions `p` against outcomes `y` (same length, at least one). */
export function brierScore(p: readonly number[], y: readonly number[]): number {
  return summarise(p, y, 10).brier;
}

/** Expected calibration error with `bins` equal-width bins. */
export function expectedCalibrationError(p: readonly number[], y: readonly number[], bins = 10): number {
  return summarise(p, y, bins).ece;
}

export function summarise(p: readonly number[], y: readonly number[], bins = 10, truth?: readonly number[]): CalibrationSummary {
  if (p.length !== y.length) throw new RangeError(`predictions (${p.length}) and outcomes (${y.length}) differ in length`);
  if (p.length === 0) throw new RangeError('no predictions to calibrate');
  const acc = new CalibrationAccumulator(bins);
  for (let i = 0; i < p.length; i++) acc.add(p[i]!, y[i]!, truth?.[i] ?? Number.NaN);
  return acc.summary();
}
