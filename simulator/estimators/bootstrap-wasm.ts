/**
 * The Poisson bootstrap's inner loops as a small WebAssembly module (SIMD, f64x2), built here byte by byte
 * (no toolchain) and compiled once. Two functions, over memory the caller fills:
 *
 * - `draw(state, pairs, size, reps, k, nsum)`: `reps` (<= 4) replicates' Poisson(1) counts for rows
 *   [0, size), drawn replicate after replicate from the xoshiro128** state at `state` (advanced exactly as
 *   `Rng` advances it, and written back): each 32-bit output gives two rows their counts through the table
 *   at address 0, the low 16 bits the even row, the high 16 bits the odd one (pairs = floor(size / 2);
 *   an odd size takes one more output and leaves its high half unused). Stored as f64, interleaved:
 *   k[4 i + r]. nsum[r] = the sum of replicate r's counts.
 * - `sums(x, blockBytes, k, size, blocks, part)`: for each block t of four moments (x + t blockBytes, row i
 *   at 4 i), the four replicates' count-weighted sums over rows [0, size) in order from 0:
 *   part[(4 t + m) * 4 + r] = sum_i k[4 i + r] x[t][4 i + m]. Eight f64x2 accumulators (two replicates per
 *   vector, one vector per moment and replicate pair); each lane is the plain sequential sum, the IEEE
 *   product then sum of the scalar code, so the numbers are the same bit for bit. Lanes of replicates
 *   r >= reps hold whatever k held and are not read.
 *
 * In WebAssembly text (the byte layout below follows it line by line):
 *
 * ```wat
 * (func $draw (param $state i32) (param $pairs i32) (param $size i32) (param $reps i32) (param $k i32) (param $nsum i32)
 *   (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $r i32) (local $end i32) (local $dst i32)
 *   (local $sum i32) (local $w i32) (local $n2 i32) (local $n3 i32) (local $c i32)
 *   s0 .. s3 = (i32.load offset=0/4/8/12 state)
 *   (block $none (br_if $none (i32.eqz reps))
 *   (loop $rep                                   ;; r = 0 .. reps - 1
 *     sum = 0; dst = k + 8 r; end = dst + 64 pairs
 *     (block $done (loop $word
 *       (br_if $done (i32.ge_u dst end))
 *       $next                                     ;; w = (i32.mul (i32.rotl (i32.mul s1 5) 7) 9), then the step:
 *                                                 ;; n2 = s2 ^ s0; n3 = s3 ^ s1; s2 = n2 ^ (s1 << 9); s1 ^= n2; s0 ^= n3; s3 = (i32.rotl n3 11)
 *       c = (i32.load8_u (w & 0xffff)); (f64.store dst (f64.convert_i32_u c)); sum += c
 *       c = (i32.load8_u (w >>> 16)); (f64.store offset=32 dst (f64.convert_i32_u c)); sum += c
 *       dst += 64; (br $word)))
 *     (if (i32.and size 1) (then $next; c = (i32.load8_u (w & 0xffff)); (f64.store dst (f64.convert_i32_u c)); sum += c))
 *     (f64.store (nsum + 8 r) (f64.convert_i32_u sum))
 *     r += 1; (br_if $rep (i32.lt_u r reps))))
 *   (i32.store offset=0/4/8/12 state s0 .. s3))
 *
 * (func $sums (param $x i32) (param $blockBytes i32) (param $k i32) (param $size i32) (param $blocks i32) (param $part i32)
 *   (local $t i32) (local $end i32) (local $q i32) (local $kp i32) (local $k01 v128) (local $k23 v128) (local $xs v128)
 *   (local $a0 v128) ... (local $a7 v128)       ;; a(2m): moment m, replicates 0 1; a(2m+1): replicates 2 3
 *   (block $none (br_if $none (i32.eqz blocks))
 *   (loop $block
 *     a0 .. a7 = 0; q = x + t * blockBytes; kp = k; end = k + 32 size
 *     (block $done (loop $row
 *       (br_if $done (i32.ge_u kp end))
 *       k01 = (v128.load kp); k23 = (v128.load offset=16 kp)
 *       ;; for m = 0 .. 3:
 *       xs = (v128.load64_splat offset=8m q)
 *       a(2m) = (f64x2.add a(2m) (f64x2.mul k01 xs)); a(2m+1) = (f64x2.add a(2m+1) (f64x2.mul k23 xs))
 *       q += 32; kp += 32; (br $row)))
 *     ;; for j = 0 .. 7: (v128.store offset=16j (part + 128 t) a(j))
 *     t += 1; (br_if $block (i32.lt_u t blocks))))
 * ```
 */
import type { Rng } from '../../policies/core/rng.ts';
import type { BootstrapKernel } from './bootstrap-kernel.ts';
import { POISSON16 } from './poisson.ts';

// opcodes used below
const I32 = 0x7f, V128 = 0x7b;
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const GET = 0x20, SET = 0x21;
const I32_CONST = 0x41, I32_EQZ = 0x45, I32_LT_U = 0x49, I32_GE_U = 0x4f, I32_ADD = 0x6a, I32_MUL = 0x6c, I32_SHL = 0x74;
const I32_AND = 0x71, I32_XOR = 0x73, I32_SHR_U = 0x76, I32_ROTL = 0x77;
const I32_LOAD = 0x28, I32_LOAD8_U = 0x2d, I32_STORE = 0x36, F64_STORE = 0x39, F64_CONVERT_I32_U = 0xb8;
const SIMD = 0xfd, V128_LOAD = 0x00, V128_LOAD64_SPLAT = 0x0a, V128_STORE = 0x0b, V128_CONST = 0x0c, F64X2_ADD = 0xf0, F64X2_MUL = 0xf2;

/** Unsigned LEB128. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const c32 = (n: number): number[] => [I32_CONST, ...sleb(n)];
const get = (l: number): number[] => [GET, l];
const set = (l: number): number[] => [SET, l];
/** local l += n */
const inc = (l: number, n: number): number[] => [...get(l), ...c32(n), I32_ADD, ...set(l)];
const simd = (op: number, ...imm: number[]): number[] => [SIMD, ...leb(op), ...imm];
/** memarg: alignment exponent, offset */
const mem = (align: number, offset: number): number[] => [...leb(align), ...leb(offset)];

function drawBody(): number[] {
  // params: 0 state, 1 pairs, 2 size, 3 reps, 4 k, 5 nsum; locals: 6 s0, 7 s1, 8 s2, 9 s3, 10 r, 11 end, 12 dst, 13 sum, 14 w, 15 n2, 16 n3, 17 c
  const [state, pairs, size, reps, k, nsum, s0, s1, s2, s3, r, end, dst, sum, w, n2, n3, c] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  // w = the next xoshiro128** output, and the state step (Rng.step)
  const next = [
    ...get(s1), ...c32(5), I32_MUL, ...c32(7), I32_ROTL, ...c32(9), I32_MUL, ...set(w),
    ...get(s2), ...get(s0), I32_XOR, ...set(n2),
    ...get(s3), ...get(s1), I32_XOR, ...set(n3),
    ...get(n2), ...get(s1), ...c32(9), I32_SHL, I32_XOR, ...set(s2),
    ...get(s1), ...get(n2), I32_XOR, ...set(s1),
    ...get(s0), ...get(n3), I32_XOR, ...set(s0),
    ...get(n3), ...c32(11), I32_ROTL, ...set(s3),
  ];
  // c = the count of 16 bits of w (the low half, or the high half), stored at dst + offset and summed
  const count = (high: boolean, offset: number): number[] => [
    ...get(w), ...(high ? [...c32(16), I32_SHR_U] : [...c32(0xffff), I32_AND]), I32_LOAD8_U, ...mem(0, 0), ...set(c),
    ...get(dst), ...get(c), F64_CONVERT_I32_U, F64_STORE, ...mem(3, offset),
    ...get(sum), ...get(c), I32_ADD, ...set(sum),
  ];
  const body: number[] = [1, 12, I32]; // twelve i32 locals
  [s0, s1, s2, s3].forEach((l, i) => body.push(...get(state), I32_LOAD, ...mem(2, 4 * i), ...set(l)));
  body.push(
    BLOCK, VOID,
    ...get(reps), I32_EQZ, BR_IF, 0,
    LOOP, VOID,
    ...c32(0), ...set(sum),
    ...get(k), ...get(r), ...c32(3), I32_SHL, I32_ADD, ...set(dst),
    ...get(dst), ...get(pairs), ...c32(6), I32_SHL, I32_ADD, ...set(end),
    BLOCK, VOID, LOOP, VOID,
    ...get(dst), ...get(end), I32_GE_U, BR_IF, 1,
    ...next,
    ...count(false, 0),
    ...count(true, 32),
    ...inc(dst, 64),
    BR, 0,
    END, END,
    // an odd size: one more output, its low half for the last row
    ...get(size), ...c32(1), I32_AND, IF, VOID,
    ...next,
    ...count(false, 0),
    END,
    ...get(nsum), ...get(r), ...c32(3), I32_SHL, I32_ADD, ...get(sum), F64_CONVERT_I32_U, F64_STORE, ...mem(3, 0),
    ...inc(r, 1),
    ...get(r), ...get(reps), I32_LT_U, BR_IF, 0,
    END,
    END,
  );
  [s0, s1, s2, s3].forEach((l, i) => body.push(...get(state), ...get(l), I32_STORE, ...mem(2, 4 * i)));
  body.push(END);
  return body;
}

function sumsBody(): number[] {
  // params: 0 x, 1 blockBytes, 2 k, 3 size, 4 blocks, 5 part; locals: 6 t, 7 end, 8 q, 9 kp, 10 k01, 11 k23, 12 xs, 13..20 a0..a7
  const [x, blockBytes, k, size, blocks, part, t, end, q, kp, k01, k23, xs] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const a = (j: number): number => 13 + j;
  const zero = simd(V128_CONST, ...new Array<number>(16).fill(0));
  const body: number[] = [
    2, 4, I32, 11, V128, // four i32 locals, eleven v128 locals
    BLOCK, VOID,
    ...get(blocks), I32_EQZ, BR_IF, 0,
    LOOP, VOID,
  ];
  for (let j = 0; j < 8; j++) body.push(...zero, ...set(a(j)));
  body.push(
    ...get(x), ...get(t), ...get(blockBytes), I32_MUL, I32_ADD, ...set(q),
    ...get(k), ...set(kp),
    ...get(k), ...get(size), ...c32(5), I32_SHL, I32_ADD, ...set(end),
    BLOCK, VOID, LOOP, VOID,
    ...get(kp), ...get(end), I32_GE_U, BR_IF, 1,
    ...get(kp), ...simd(V128_LOAD, ...mem(4, 0)), ...set(k01),
    ...get(kp), ...simd(V128_LOAD, ...mem(4, 16)), ...set(k23),
  );
  for (let m = 0; m < 4; m++) {
    body.push(...get(q), ...simd(V128_LOAD64_SPLAT, ...mem(3, 8 * m)), ...set(xs));
    body.push(...get(a(2 * m)), ...get(k01), ...get(xs), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...set(a(2 * m)));
    body.push(...get(a(2 * m + 1)), ...get(k23), ...get(xs), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...set(a(2 * m + 1)));
  }
  body.push(...inc(q, 32), ...inc(kp, 32), BR, 0, END, END);
  // part + 128 t: the block's 4 moments x 4 replicates
  for (let j = 0; j < 8; j++) body.push(...get(part), ...get(t), ...c32(7), I32_SHL, I32_ADD, ...get(a(j)), ...simd(V128_STORE, ...mem(4, 16 * j)));
  body.push(...inc(t, 1), ...get(t), ...get(blocks), I32_LT_U, BR_IF, 0, END, END, END);
  return body;
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

function name(s: string): number[] {
  return [...leb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

function moduleBytes(): Uint8Array {
  const type = [0x60, 6, I32, I32, I32, I32, I32, I32, 0]; // (i32 x 6) -> ()
  const bodies = [drawBody(), sumsBody()].map((b) => [...leb(b.length), ...b]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, ...type]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]), // memory, at least one page
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...name('draw'), 0x00, 0, ...name('sums'), 0x00, 1]),
    ...section(10, [2, ...bodies.flat()]),
  ]);
}

/** The part of the WebAssembly API used here (the project's lib settings declare no DOM or wasm globals). */
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  validate(bytes: Uint8Array): boolean;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface KernelExports {
  draw(state: number, pairs: number, size: number, reps: number, k: number, nsum: number): void;
  sums(x: number, blockBytes: number, k: number, size: number, blocks: number, part: number): void;
}

/** Byte address of the Poisson table in the kernel's memory (65,536 entries, one byte each). */
const TABLE = 0;
const PAGE = 65536;

/**
 * One kernel instance: its memory and views of the regions for batches of up to `capacity` rows and
 * `blocks` blocks of four moments (see BootstrapKernel).
 */
export class WasmBootstrapKernel implements BootstrapKernel {
  readonly x: Float64Array;
  readonly part: Float64Array;
  readonly nsum: Float64Array;
  private readonly state: Uint32Array;
  private readonly draw: KernelExports['draw'];
  private readonly sums: KernelExports['sums'];
  private readonly at: { state: number; k: number; x: number; part: number; nsum: number };

  constructor(
    readonly capacity: number,
    readonly blocks: number,
  ) {
    const state = TABLE + PAGE;
    const k = state + 16; // 4 replicates x capacity rows
    const x = k + 32 * capacity;
    const part = x + 32 * capacity * blocks;
    const nsum = part + 128 * blocks;
    const end = nsum + 32;
    const memory = new (wasmApi().Memory)({ initial: Math.ceil(end / PAGE) });
    const instance = new (wasmApi().Instance)(compiled(), { env: { memory } });
    const exports = instance.exports as unknown as KernelExports;
    this.draw = exports.draw;
    this.sums = exports.sums;
    const buffer = memory.buffer;
    new Uint8Array(buffer, TABLE, PAGE).set(POISSON16);
    this.state = new Uint32Array(buffer, state, 4);
    this.x = new Float64Array(buffer, x, 4 * capacity * blocks);
    this.part = new Float64Array(buffer, part, 16 * blocks);
    this.nsum = new Float64Array(buffer, nsum, 4);
    this.at = { state, k, x, part, nsum };
  }

  run(rng: Rng, size: number, reps: number, blocks: number): void {
    const at = this.at;
    rng.saveWords(this.state);
    this.draw(at.state, size >> 1, size, reps, at.k, at.nsum);
    rng.loadWords(this.state);
    this.sums(at.x, 32 * this.capacity, at.k, size, blocks, at.part);
  }
}

let compiledModule: WasmModule | null | undefined;
let shared: WasmBootstrapKernel | null = null;

function wasmApi(): WasmApi {
  if (!wasm) throw new Error('bootstrap kernel: no WebAssembly');
  return wasm;
}

function compiled(): WasmModule {
  if (!wasmKernelAvailable() || !compiledModule) throw new Error('bootstrap kernel: WebAssembly SIMD unavailable here');
  return compiledModule;
}

/**
 * The one kernel instance, grown to at least `capacity` rows and `blocks` blocks. Shared by every
 * accumulator (each uses it only inside one synchronous `add`), because each WebAssembly memory reserves
 * a large range of address space and thousands of short-lived accumulators (tests) could exhaust it.
 */
export function sharedWasmKernel(capacity: number, blocks: number): WasmBootstrapKernel {
  if (!shared || shared.capacity < capacity || shared.blocks < blocks) {
    shared = new WasmBootstrapKernel(Math.max(capacity, shared?.capacity ?? 0), Math.max(blocks, shared?.blocks ?? 0));
  }
  return shared;
}

/**
 * Whether the WebAssembly kernel can run here: WebAssembly with SIMD (Node 16.4 and later).
 */
export function wasmKernelAvailable(): boolean {
  if (compiledModule === undefined) {
    compiledModule = null;
    try {
      const bytes = moduleBytes();
      if (wasm && wasm.validate(bytes)) compiledModule = new wasm.Module(bytes);
    } catch {
      compiledModule = null;
    }
  }
  return compiledModule !== null;
}
