/**
 * Streaming estimates with seeded bootstrap intervals.
 *
 * The classic bootstrap resamples n rows with replacement, which needs the rows in memory. The Poisson
 * bootstrap (Hanley and MacGibbon 2006; Chamandy et al. 2012, "Estimating uncertainty for massive data
 * streams") gives each row an independent Poisson(1) count in each replicate instead: asymptotically the
 * same distribution, computable in one pass with memory B x (sum of estimator moments), whatever n is.
 * Each replicate's estimate is the estimator's `value` at the count-weighted sums; the 95% interval is the
 * 2.5% and 97.5% percentiles of the replicates (replicates where an estimator is undefined are skipped).
 *
 * The counts come from one Rng seeded with `seed` (replicate by replicate within each batch; 16 bits per
 * count, see POISSON16), so the same seed and the same log
 * give the same intervals bit for bit.
 */
import { Rng } from '../../policies/core/rng.ts';
import { InvalidConfigError } from '../../policies/errors.ts';
import type { RowBatch } from './batch.ts';
import type { Estimator } from './estimator.ts';
import { POISSON16 } from './poisson.ts';

export const DEFAULT_BOOTSTRAP_REPLICATES = 200;

export interface Estimate {
  readonly value: number;
  readonly ci95: readonly [number, number];
}

export class BootstrapAccumulator {
  private readonly offsets: Int32Array;
  private readonly width: number;
  private readonly sums: Float64Array;
  private n = 0;
  private readonly repSums: Float64Array;
  private readonly repN: Float64Array;
  /** The current batch's moments, column-major (width x capacity). */
  private columns = new Float64Array(0);
  /** One replicate's Poisson counts for the current batch. */
  private counts = new Float64Array(0);
  /** One row's moments. */
  private readonly row: Float64Array;
  private readonly rng: Rng;

  constructor(
    readonly estimators: readonly Estimator[],
    readonly replicates: number = DEFAULT_BOOTSTRAP_REPLICATES,
    seed: number = 1,
  ) {
    if (!Number.isInteger(replicates) || replicates < 0) throw new InvalidConfigError('bootstrap', `must be an integer >= 0, got ${replicates}`);
    this.offsets = new Int32Array(estimators.length);
    let w = 0;
    estimators.forEach((e, j) => {
      this.offsets[j] = w;
      w += e.moments;
    });
    this.width = w;
    this.sums = new Float64Array(w);
    this.repSums = new Float64Array(replicates * w);
    this.repN = new Float64Array(replicates);
    this.row = new Float64Array(w);
    this.rng = new Rng(seed, 'bootstrap');
  }

  /** Rows accumulated. */
  get rows(): number {
    return this.n;
  }

  /** Add rows [0, batch.size) of a derived batch. */
  add(batch: RowBatch): void {
    const est = this.estimators;
    const width = this.width;
    const size = batch.size;
    const cap = batch.capacity;
    if (this.columns.length < cap * width) {
      this.columns = new Float64Array(cap * width);
      this.counts = new Float64Array(cap);
    }
    const cols = this.columns;
    const row = this.row;
    const sums = this.sums;
    // the rows' moments once, column-major: moment m of row i at cols[m * cap + i]
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < est.length; j++) est[j]!.rowMoments(batch, i, row, this.offsets[j]!);
      for (let m = 0; m < width; m++) {
        const x = row[m]!;
        cols[m * cap + i] = x;
        sums[m] = sums[m]! + x;
      }
    }
    // then each replicate: its Poisson counts (two 16-bit draws per 32-bit output), one dot product per moment
    const repSums = this.repSums;
    const rng = this.rng;
    const table = POISSON16;
    const k = this.counts;
    for (let b = 0; b < this.replicates; b++) {
      let count = 0;
      for (let i = 0; i < size; i += 2) {
        const bits = rng.nextU32();
        const k0 = table[bits & 0xffff]!;
        k[i] = k0;
        count += k0;
        if (i + 1 < size) {
          const k1 = table[bits >>> 16]!;
          k[i + 1] = k1;
          count += k1;
        }
      }
      this.repN[b] = this.repN[b]! + count;
      const base = b * width;
      for (let m = 0; m < width; m++) {
        const o = m * cap;
        let acc = 0;
        for (let i = 0; i < size; i++) acc += k[i]! * cols[o + i]!;
        repSums[base + m] = repSums[base + m]! + acc;
      }
    }
    this.n += size;
  }

  /** Point estimates and percentile intervals, keyed by estimator name. */
  result(): Record<string, Estimate> {
    return this.detailedResult().estimates;
  }

  /** Also the bootstrap standard error of each estimator (standard deviation of its replicates). */
  detailedResult(): { estimates: Record<string, Estimate>; stdErrors: Record<string, number> } {
    const out: Record<string, Estimate> = {};
    const stdErrors: Record<string, number> = {};
    const values = new Float64Array(this.replicates);
    this.estimators.forEach((e, j) => {
      const o = this.offsets[j]!;
      const value = e.value(this.sums, o, this.n);
      let m = 0;
      for (let b = 0; b < this.replicates; b++) {
        const v = e.value(this.repSums, b * this.width + o, this.repN[b]!);
        if (Number.isFinite(v)) values[m++] = v;
      }
      const sorted = values.subarray(0, m).sort();
      out[e.name] = { value, ci95: [quantile(sorted, 0.025), quantile(sorted, 0.975)] };
      let mean = 0;
      for (let b = 0; b < m; b++) mean += sorted[b]!;
      mean /= m;
      let ss = 0;
      for (let b = 0; b < m; b++) ss += (sorted[b]! - mean) ** 2;
      stdErrors[e.name] = m > 1 ? Math.sqrt(ss / (m - 1)) : Number.NaN;
    });
    return { estimates: out, stdErrors };
  }
}

/** Linear-interpolation quantile (type 7) of sorted values; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
