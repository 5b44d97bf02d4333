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

/** Moments multiplied together in one pass over a batch's rows (the kernel's block width). */
const BLOCK = 4;

export class BootstrapAccumulator {
  /** Where each estimator's moments start in the full layout (every estimator's moments, in order). */
  private readonly offsets: Int32Array;
  private readonly width: number;
  /** The distinct moments (estimators that share a moment name share one), padded to a multiple of BLOCK. */
  private readonly distinct: number;
  private readonly padded: number;
  /** Distinct moment of each full-layout moment, and the full-layout moment each distinct one is read from. */
  private readonly slot: Int32Array;
  private readonly source: Int32Array;
  /** Sums of the distinct moments: the point sums, and per replicate b at repSums[b * padded ..]. */
  private readonly sums: Float64Array;
  private n = 0;
  private readonly repSums: Float64Array;
  private readonly repN: Float64Array;
  /** The current batch's distinct moments, in blocks of BLOCK: moment m of row i at x[((m / BLOCK) * capacity + i) * BLOCK + m % BLOCK]. */
  private x = new Float64Array(0);
  /** Random words for two replicates' counts (16 bits per count), and those counts. */
  private words = new Uint32Array(0);
  private k0 = new Float64Array(0);
  private k1 = new Float64Array(0);
  /** One row's moments (full layout). */
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
    this.slot = new Int32Array(w);
    const sources: number[] = [];
    const byName = new Map<string, number>();
    estimators.forEach((e, j) => {
      for (let m = 0; m < e.moments; m++) {
        const full = this.offsets[j]! + m;
        const name = e.momentNames?.[m];
        let d = name === undefined ? undefined : byName.get(name);
        if (d === undefined) {
          d = sources.length;
          sources.push(full);
          if (name !== undefined) byName.set(name, d);
        }
        this.slot[full] = d;
      }
    });
    this.source = Int32Array.from(sources);
    this.distinct = sources.length;
    this.padded = Math.ceil(this.distinct / BLOCK) * BLOCK;
    this.sums = new Float64Array(this.distinct);
    this.repSums = new Float64Array(replicates * this.padded);
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
    const size = batch.size;
    const cap = batch.capacity;
    const padded = this.padded;
    if (this.x.length < cap * padded) {
      this.x = new Float64Array(cap * padded);
      this.words = new Uint32Array(cap + 1);
      this.k0 = new Float64Array(cap);
      this.k1 = new Float64Array(cap);
    }
    const x = this.x;
    const row = this.row;
    const sums = this.sums;
    const source = this.source;
    const distinct = this.distinct;
    // the rows' distinct moments once
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < est.length; j++) est[j]!.rowMoments(batch, i, row, this.offsets[j]!);
      for (let m = 0; m < distinct; m++) {
        const v = row[source[m]!]!;
        x[(((m / BLOCK) | 0) * cap + i) * BLOCK + (m % BLOCK)] = v;
        sums[m] = sums[m]! + v;
      }
    }
    // then the replicates two at a time: their Poisson counts (two 16-bit draws per 32-bit output, replicate
    // after replicate in the stream), and for each block of moments the two replicates' count-weighted sums
    const half = (size + 1) >> 1;
    const repSums = this.repSums;
    const repN = this.repN;
    const words = this.words;
    const k0 = this.k0;
    const k1 = this.k1;
    for (let b = 0; b < this.replicates; b += 2) {
      const pair = b + 1 < this.replicates;
      this.rng.fillU32(words, pair ? 2 * half : half);
      repN[b] = repN[b]! + poissonCounts(words, 0, size, k0);
      if (pair) repN[b + 1] = repN[b + 1]! + poissonCounts(words, half, size, k1);
      for (let o = 0; o < padded; o += BLOCK) {
        if (pair) weightedSums2(x, o * cap, k0, k1, size, repSums, b * padded + o, (b + 1) * padded + o);
        else weightedSums2(x, o * cap, k0, k0, size, repSums, b * padded + o, -1);
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
    // the distinct sums back in the full layout each estimator reads
    const w = this.width;
    const sums = new Float64Array(w);
    const repSums = new Float64Array(this.replicates * w);
    for (let m = 0; m < w; m++) {
      const d = this.slot[m]!;
      sums[m] = this.sums[d]!;
      for (let b = 0; b < this.replicates; b++) repSums[b * w + m] = this.repSums[b * this.padded + d]!;
    }
    this.estimators.forEach((e, j) => {
      const o = this.offsets[j]!;
      const value = e.value(sums, o, this.n);
      let m = 0;
      for (let b = 0; b < this.replicates; b++) {
        const v = e.value(repSums, b * w + o, this.repN[b]!);
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

/** Poisson(1) counts of rows [0, size) into k from 16-bit halves of words[from ..] (low half first); their sum. */
function poissonCounts(words: Uint32Array, from: number, size: number, k: Float64Array): number {
  const table = POISSON16;
  let count = 0;
  for (let i = 0, j = from; i < size; i += 2, j++) {
    const bits = words[j]!;
    const c0 = table[bits & 0xffff]!;
    k[i] = c0;
    count += c0;
    if (i + 1 < size) {
      const c1 = table[bits >>> 16]!;
      k[i + 1] = c1;
      count += c1;
    }
  }
  return count;
}

/**
 * The count-weighted sums of one block of BLOCK moments (x[from ..], row-major within the block) for two
 * replicates' counts k0 and k1 over rows [0, size), added to out[at0 ..] and out[at1 ..] (at1 < 0: one
 * replicate only). Each sum runs over the rows in order from 0, as a plain dot product would, so the
 * result does not depend on the blocking; the eight sums in locals keep the additions independent.
 */
function weightedSums2(x: Float64Array, from: number, k0: Float64Array, k1: Float64Array, size: number, out: Float64Array, at0: number, at1: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let i = 0, q = from; i < size; i++, q += BLOCK) {
    const c = k0[i]!;
    const d = k1[i]!;
    const x0 = x[q]!, x1 = x[q + 1]!, x2 = x[q + 2]!, x3 = x[q + 3]!;
    a0 += c * x0;
    a1 += c * x1;
    a2 += c * x2;
    a3 += c * x3;
    b0 += d * x0;
    b1 += d * x1;
    b2 += d * x2;
    b3 += d * x3;
  }
  out[at0] = out[at0]! + a0;
  out[at0 + 1] = out[at0 + 1]! + a1;
  out[at0 + 2] = out[at0 + 2]! + a2;
  out[at0 + 3] = out[at0 + 3]! + a3;
  if (at1 < 0) return;
  out[at1] = out[at1]! + b0;
  out[at1 + 1] = out[at1 + 1]! + b1;
  out[at1 + 2] = out[at1 + 2]! + b2;
  out[at1 + 3] = out[at1 + 3]! + b3;
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
