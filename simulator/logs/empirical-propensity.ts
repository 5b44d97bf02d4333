/**
 * Logging propensities estimated from the log itself, for logs that do not record them: the empirical
 * frequency of each action within a context bucket (a hash of the context's categorical fields, or of the
 * fields named), smoothed with `alpha` pseudo-counts, and falling back to the log-wide action frequencies in
 * buckets with fewer than `minBucketRows` rows. Memory: buckets x actions counts, independent of the log size.
 *
 * This is a model of the logger, not the logger: estimates built on it say so in their output.
 */
import type { Context } from '../../policies/core/context.ts';
import { categoricalContextHash } from './context-hash.ts';

export interface EmpiricalPropensityOptions {
  /** Number of hash buckets for contexts (default 4096). */
  readonly buckets?: number;
  /** Context fields that define a bucket; null: every string/boolean field (default). */
  readonly fields?: readonly string[] | null;
  /** Additive smoothing per action (default 0.5). */
  readonly alpha?: number;
  /** Buckets with fewer rows use the global frequencies (default 30). */
  readonly minBucketRows?: number;
}

export class EmpiricalPropensity {
  private readonly buckets: number;
  private readonly fields: readonly string[] | null;
  private readonly alpha: number;
  private readonly minBucketRows: number;
  private readonly actionIndex = new Map<string, number>();
  private capacity = 8;
  private counts: Float64Array;
  private readonly bucketRows: Float64Array;
  private global = new Float64Array(8);
  private total = 0;

  constructor(options: EmpiricalPropensityOptions = {}) {
    this.buckets = options.buckets ?? 4096;
    this.fields = options.fields ?? null;
    this.alpha = options.alpha ?? 0.5;
    this.minBucketRows = options.minBucketRows ?? 30;
    this.counts = new Float64Array(this.buckets * this.capacity);
    this.bucketRows = new Float64Array(this.buckets);
  }

  private indexOf(action: string): number {
    let i = this.actionIndex.get(action);
    if (i === undefined) {
      i = this.actionIndex.size;
      this.actionIndex.set(action, i);
      if (i >= this.capacity) this.grow();
    }
    return i;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const counts = new Float64Array(this.buckets * cap);
    for (let b = 0; b < this.buckets; b++) counts.set(this.counts.subarray(b * this.capacity, (b + 1) * this.capacity), b * cap);
    const global = new Float64Array(cap);
    global.set(this.global);
    this.counts = counts;
    this.global = global;
    this.capacity = cap;
  }

  /** The context's bucket (compute once per row, then query per action). */
  bucketOf(context: Context): number {
    return categoricalContextHash(context, this.fields) % this.buckets;
  }

  /** Count one logged choice. */
  observe(context: Context, action: string): void {
    const a = this.indexOf(action);
    const b = this.bucketOf(context);
    this.counts[b * this.capacity + a]!++;
    this.bucketRows[b]!++;
    this.global[a]!++;
    this.total++;
  }

  /** Internal index of `action` (-1 when never logged), for the *At accessors on hot paths. */
  actionId(action: string): number {
    return this.actionIndex.get(action) ?? -1;
  }

  /** Times the action with internal index `id` (>= 0) was logged in `bucket`. */
  countAt(bucket: number, id: number): number {
    return this.counts[bucket * this.capacity + id]!;
  }

  /** Times `action` was logged in `bucket`. */
  countIn(bucket: number, action: string): number {
    const i = this.actionIndex.get(action);
    return i === undefined ? 0 : this.counts[bucket * this.capacity + i]!;
  }

  /** Rows logged in `bucket`. */
  rowsIn(bucket: number): number {
    return this.bucketRows[bucket]!;
  }

  /** Times `action` was logged anywhere. */
  countAll(action: string): number {
    const i = this.actionIndex.get(action);
    return i === undefined ? 0 : this.global[i]!;
  }

  /**
   * Estimated probability that the logger chose `action` in `bucket` among `candidates` (null: every action
   * seen in the log).
   */
  estimateIn(bucket: number, action: string, candidates: readonly string[] | null): number {
    const useBucket = this.bucketRows[bucket]! >= this.minBucketRows;
    const row = useBucket ? this.counts.subarray(bucket * this.capacity, (bucket + 1) * this.capacity) : this.global;
    const count = (x: string): number => {
      const i = this.actionIndex.get(x);
      return (i === undefined ? 0 : row[i]!) + this.alpha;
    };
    let denom = 0;
    if (candidates === null) {
      for (let i = 0; i < this.actionIndex.size; i++) denom += row[i]! + this.alpha;
    } else for (const c of candidates) denom += count(c);
    return count(action) / denom;
  }

  estimate(context: Context, action: string, candidates: readonly string[] | null): number {
    return this.estimateIn(this.bucketOf(context), action, candidates);
  }

  get rows(): number {
    return this.total;
  }
}
