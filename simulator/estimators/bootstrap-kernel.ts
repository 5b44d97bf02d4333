/**
 * The Poisson bootstrap's inner loops behind one small interface, in two implementations that give the same
 * numbers bit for bit: WebAssembly SIMD (`bootstrap-wasm.ts`, the default where it runs) and plain
 * JavaScript (the fallback, and the reference the tests compare it with).
 *
 * A kernel owns the memory of one batch: the caller writes the batch's distinct moments into `x` (block t of
 * four moments, row i, moment m at x[(t * capacity + i) * 4 + m]); `run` draws up to four replicates'
 * Poisson(1) counts from the generator (replicate after replicate, ceil(size / 2) 32-bit outputs each: the
 * low 16 bits give the even row its count through POISSON16, the high 16 bits the odd row; past an odd
 * size they are unused) and leaves the count sums in `nsum[r]` and the count-weighted moment sums in
 * `part[(4 t + m) * 4 + r]`, each a sum over the rows in order from 0.
 */
import type { Rng } from '../../policies/core/rng.ts';
import { sharedWasmKernel, wasmKernelAvailable } from './bootstrap-wasm.ts';
import { POISSON16 } from './poisson.ts';

export interface BootstrapKernel {
  readonly capacity: number;
  readonly blocks: number;
  readonly x: Float64Array;
  readonly part: Float64Array;
  readonly nsum: Float64Array;
  /** Counts (from `rng`) and sums of replicates [0, reps) (reps <= 4) and blocks [0, blocks) over rows [0, size). */
  run(rng: Rng, size: number, reps: number, blocks: number): void;
}

export type BootstrapKernelKind = 'wasm' | 'js';

/** The kernel used when none is asked for: WebAssembly where it runs, else JavaScript. */
export function defaultKernelKind(): BootstrapKernelKind {
  return wasmKernelAvailable() ? 'wasm' : 'js';
}

let sharedJs: JsBootstrapKernel | null = null;

/**
 * A kernel of the given kind for batches of `capacity` rows and `blocks` blocks of moments. One instance
 * per kind, grown as needed, shared by every accumulator (each uses it only inside one synchronous `add`).
 */
export function bootstrapKernel(kind: BootstrapKernelKind, capacity: number, blocks: number): BootstrapKernel {
  if (kind === 'wasm') return sharedWasmKernel(capacity, blocks);
  if (!sharedJs || sharedJs.capacity < capacity || sharedJs.blocks < blocks) {
    sharedJs = new JsBootstrapKernel(Math.max(capacity, sharedJs?.capacity ?? 0), Math.max(blocks, sharedJs?.blocks ?? 0));
  }
  return sharedJs;
}

export class JsBootstrapKernel implements BootstrapKernel {
  readonly x: Float64Array;
  readonly part: Float64Array;
  readonly nsum = new Float64Array(4);
  private readonly words: Uint32Array;
  private readonly k: Float64Array[];

  constructor(
    readonly capacity: number,
    readonly blocks: number,
  ) {
    this.x = new Float64Array(4 * capacity * blocks);
    this.words = new Uint32Array(4 * ((capacity + 1) >> 1));
    this.part = new Float64Array(16 * blocks);
    this.k = [0, 1, 2, 3].map(() => new Float64Array(capacity));
  }

  run(rng: Rng, size: number, reps: number, blocks: number): void {
    const half = (size + 1) >> 1;
    const k = this.k;
    rng.fillU32(this.words, reps * half);
    for (let r = 0; r < reps; r++) this.nsum[r] = poissonCounts(this.words, r * half, size, k[r]!);
    for (let r = 0; r < reps; r += 2) {
      const pair = r + 1 < reps;
      for (let t = 0; t < blocks; t++) weightedSums2(this.x, t * 4 * this.capacity, k[r]!, k[pair ? r + 1 : r]!, size, this.part, 16 * t + r, pair);
    }
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
 * The count-weighted sums of one block of four moments (x[from ..], row-major within the block) for two
 * replicates' counts k0 and k1 over rows [0, size), each a plain sequential sum over the rows from 0 (eight
 * independent accumulators in locals), into part[at + 4 m] and part[at + 4 m + 1] (the second only if `both`).
 */
function weightedSums2(x: Float64Array, from: number, k0: Float64Array, k1: Float64Array, size: number, part: Float64Array, at: number, both: boolean): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let i = 0, q = from; i < size; i++, q += 4) {
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
  part[at] = a0;
  part[at + 4] = a1;
  part[at + 8] = a2;
  part[at + 12] = a3;
  if (!both) return;
  part[at + 1] = b0;
  part[at + 5] = b1;
  part[at + 9] = b2;
  part[at + 13] = b3;
}

/**
 * One batch's replicates, four at a time, through `kernel` (whose `x` holds the batch's moments): each
 * group's counts drawn from `rng` (replicate after replicate) and its count-weighted sums added to
 * `repSums` (replicate b's `padded` moments at b * padded) and the count sums to `repN`. The same loop
 * wherever it runs (the accumulator's thread or the bootstrap worker), so the numbers are the same.
 */
export function addReplicates(kernel: BootstrapKernel, rng: Rng, size: number, replicates: number, padded: number, repSums: Float64Array, repN: Float64Array): void {
  const blocks = padded / 4;
  const part = kernel.part;
  const nsum = kernel.nsum;
  for (let b = 0; b < replicates; b += 4) {
    const reps = Math.min(4, replicates - b);
    kernel.run(rng, size, reps, blocks);
    for (let r = 0; r < reps; r++) {
      repN[b + r] = repN[b + r]! + nsum[r]!;
      const base = (b + r) * padded;
      for (let m = 0; m < padded; m++) repSums[base + m] = repSums[base + m]! + part[m * 4 + r]!;
    }
  }
}
