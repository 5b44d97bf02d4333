/**
 * Streaming estimates with seeded bootstrap intervals.
 *
 * The classic bootstrap resamples n rows with replacement, which needs the rows in memory. The Poisson
 * bootstrap (Hanley and MacGibbon 2006; Chamandy et al. 2012, "Estimating uncertainty for massive data
 * streams") gives each row an independent Poisson(1) count in each replicate instead: asymptotically the
 * same distribution, computable in one pass with memory B x (distinct estimator moments), whatever n is.
 * Each replicate's estimate is the estimator's `value` at the count-weighted sums; the 95% interval is the
 * 2.5% and 97.5% percentiles of the replicates (replicates where an estimator is undefined are skipped).
 * Moments that several estimators share by name (`momentNames`) are summed once.
 *
 * The counts come from one Rng seeded with `seed` (replicate by replicate within each batch; 16 bits per
 * count, see POISSON16), and every sum runs over the rows in order, so the same seed and the same log give
 * the same intervals bit for bit, whichever kernel (bootstrap-kernel.ts) runs the replicate loops, and on
 * whichever thread: past OFFLOAD_AFTER_ROWS rows, on a machine with a second core, the loops move to a
 * worker (bootstrap-offload.ts) while this thread goes on reading and deriving the next batches.
 */
import { Rng } from '../../policies/core/rng.ts';
import { InvalidConfigError } from '../../policies/errors.ts';
import type { RowBatch } from './batch.ts';
import type { Estimator } from './estimator.ts';
import { addReplicates, bootstrapKernel, defaultKernelKind, type BootstrapKernelKind } from './bootstrap-kernel.ts';
import { OffloadedReplicates, type OffloadOptions, type OffloadReport } from './bootstrap-offload.ts';

export { OFFLOAD_AFTER_ROWS, type OffloadReport } from './bootstrap-offload.ts';

export const DEFAULT_BOOTSTRAP_REPLICATES = 200;

export interface Estimate {
  readonly value: number;
  readonly ci95: readonly [number, number];
}

/** Moments per block of the kernels (see bootstrap-kernel.ts). */
const BLOCK = 4;

/** Row 0's position of distinct moment d in a moment table whose blocks hold `stride` rows. */
function place(d: number, stride: number): number {
  return ((d / BLOCK) | 0) * stride * BLOCK + (d % BLOCK);
}

export interface BootstrapOptions {
  /** Which implementation of the inner loops (the same numbers either way); default WebAssembly where it runs. */
  readonly kernel?: BootstrapKernelKind;
  /**
   * The replicate loops on a worker thread (the same numbers either way): `false` never; by default after
   * OFFLOAD_AFTER_ROWS rows, where there is more than one core (see OffloadOptions).
   */
  readonly offload?: false | OffloadOptions;
}

export class BootstrapAccumulator {
  /** Where each estimator's moments start in the full layout (every estimator's moments, in order). */
  private readonly offsets: Int32Array;
  private readonly width: number;
  /** The distinct moments (estimators that share a moment name share one), padded to a multiple of BLOCK. */
  private readonly distinct: number;
  private readonly padded: number;
  /** Distinct moment of each full-layout moment. */
  private readonly slot: Int32Array;
  /** Sums of the distinct moments: the point sums, and per replicate b at repSums[b * padded ..]. */
  private readonly sums: Float64Array;
  private n = 0;
  private readonly repSums: Float64Array;
  private readonly repN: Float64Array;
  /** One row's moments, for estimators without `columnMoments`. */
  private readonly row: Float64Array;
  /** Position in the moment table of each estimator's moments (row 0), for the table's current stride. */
  private readonly at: Int32Array[];
  private stride = -1;
  /** The moment table when there are no replicates (no kernel). */
  private table = new Float64Array(0);
  private readonly rng: Rng;
  private readonly kernel: BootstrapKernelKind;
  /** The worker thread that runs the replicate loops, when there is one. */
  private readonly offload: OffloadedReplicates;

  constructor(
    readonly estimators: readonly Estimator[],
    readonly replicates: number = DEFAULT_BOOTSTRAP_REPLICATES,
    seed: number = 1,
    options: BootstrapOptions = {},
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
    let distinct = 0;
    const byName = new Map<string, number>();
    estimators.forEach((e, j) => {
      for (let m = 0; m < e.moments; m++) {
        const full = this.offsets[j]! + m;
        const name = e.momentNames?.[m];
        let d = name === undefined ? undefined : byName.get(name);
        if (d === undefined) {
          d = distinct++;
          if (name !== undefined) byName.set(name, d);
        }
        this.slot[full] = d;
      }
    });
    this.distinct = distinct;
    this.at = estimators.map((e) => new Int32Array(e.moments));
    this.padded = Math.ceil(this.distinct / BLOCK) * BLOCK;
    this.sums = new Float64Array(this.distinct);
    this.repSums = new Float64Array(replicates * this.padded);
    this.repN = new Float64Array(replicates);
    this.row = new Float64Array(w);
    this.rng = new Rng(seed, 'bootstrap');
    this.kernel = options.kernel ?? defaultKernelKind();
    const owner = { rng: this.rng, repSums: this.repSums, repN: this.repN, replay: (table: Float64Array, capacity: number, size: number) => this.replay(table, capacity, size) };
    this.offload = new OffloadedReplicates(options.offload ?? {}, { replicates, padded: this.padded, kind: this.kernel }, owner);
  }

  /** How the replicate loops ran so far. */
  get offloadReport(): OffloadReport {
    return this.offload.report;
  }

  /** Where each estimator's moments go in the moment table of the current stride (see `add`). */
  private place(stride: number): void {
    this.stride = stride;
    this.estimators.forEach((e, j) => {
      const at = this.at[j]!;
      for (let m = 0; m < e.moments; m++) at[m] = place(this.slot[this.offsets[j]! + m]!, stride);
    });
  }

  /** Rows accumulated. */
  get rows(): number {
    return this.n;
  }

  /** Add rows [0, batch.size) of a derived batch. */
  add(batch: RowBatch): void {
    const est = this.estimators;
    const size = batch.size;
    const padded = this.padded;
    const blocks = padded / BLOCK;
    const kernel = this.replicates > 0 ? bootstrapKernel(this.kernel, batch.capacity, blocks) : null;
    const shared = kernel ? this.offload.table(batch.capacity, this.n) : null;
    // the rows' distinct moments once, into the worker's next table, the kernel's batch (block t, row i,
    // lane m at (t * stride + i) * BLOCK + m) or, for point estimates alone, a table of the same layout
    let x: Float64Array;
    let stride: number;
    if (shared) {
      x = shared.table;
      stride = shared.stride;
    } else if (kernel) {
      x = kernel.x;
      stride = kernel.capacity;
    } else {
      if (this.table.length < batch.capacity * padded) this.table = new Float64Array(batch.capacity * padded);
      x = this.table;
      stride = batch.capacity;
    }
    if (stride !== this.stride) this.place(stride);
    const row = this.row;
    for (let j = 0; j < est.length; j++) {
      const e = est[j]!;
      const at = this.at[j]!;
      if (e.columnMoments) {
        e.columnMoments(batch, size, x, at, BLOCK);
        continue;
      }
      for (let i = 0; i < size; i++) {
        e.rowMoments(batch, i, row, 0);
        for (let m = 0; m < e.moments; m++) x[at[m]! + i * BLOCK] = row[m]!;
      }
    }
    // their point sums, each over the rows in order
    const sums = this.sums;
    for (let d = 0; d < this.distinct; d++) {
      let sum = sums[d]!;
      for (let i = 0, q = place(d, stride); i < size; i++, q += BLOCK) sum += x[q]!;
      sums[d] = sum;
    }
    this.n += size;
    if (!kernel) return;
    // then the replicates four at a time: the kernel's counts (replicate after replicate in the generator's
    // stream, two 16-bit counts per 32-bit output) and count-weighted sums of every moment, on the worker
    // (which runs the same loop) or here
    if (shared) {
      this.offload.post(size);
      return;
    }
    addReplicates(kernel, this.rng, size, this.replicates, padded, this.repSums, this.repN);
  }

  /** One batch's replicates here, from a worker's table (rows at stride `capacity`) it did not get to run. */
  private replay(table: Float64Array, capacity: number, size: number): void {
    const blocks = this.padded / BLOCK;
    // the shared kernel as it is, unless smaller than the batch (its stride need not be the table's)
    const kernel = bootstrapKernel(this.kernel, size, blocks);
    for (let t = 0; t < blocks; t++) kernel.x.set(table.subarray(t * capacity * BLOCK, (t * capacity + size) * BLOCK), t * kernel.capacity * BLOCK);
    addReplicates(kernel, this.rng, size, this.replicates, this.padded, this.repSums, this.repN);
  }

  /** Point estimates and percentile intervals, keyed by estimator name. */
  result(): Record<string, Estimate> {
    return this.detailedResult().estimates;
  }

  /** Also the bootstrap standard error of each estimator (standard deviation of its replicates). */
  detailedResult(): { estimates: Record<string, Estimate>; stdErrors: Record<string, number> } {
    this.offload.end();
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

/** Linear-interpolation quantile (type 7) of sorted values; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
