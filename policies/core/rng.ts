/**
 * Seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), 32-bit, state in a Uint32Array(4).
 * No global RNG anywhere in policies/: every random draw comes from an Rng passed in, so the same seed and
 * the same events give bit-identical decisions. `reseed(seed, key)` re-keys in place without allocating,
 * so the service derives one stream per decision (seed x transactionId) and a replay reproduces it.
 *
 * Hot path: in V8 a double (or a uint32 above 2^30) returned from a call that is not inlined is boxed in a new
 * heap number. Policies' decide methods are large, so `next()` called from them is often not inlined and its
 * result allocated 16 B per decision. `pick(p, n)` draws a whole discrete choice inside the generator and
 * returns a small integer; the state step writes its 32-bit output into a typed array instead of returning it.
 */

const TWO_POW_M32 = 1 / 4294967296;

export interface RngState {
  readonly s: readonly [number, number, number, number];
  /** Cached second normal deviate, or null. */
  readonly spare: number | null;
}

export class Rng {
  private readonly s = new Uint32Array(4);
  /** Output of the last `step()` (a typed array, so no boxed number crosses a call). */
  private readonly word = new Uint32Array(1);
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number = 1, key?: string) {
    this.reseed(seed, key);
  }

  /** Re-key in place: state = splitmix32 expansion of seed mixed with an FNV-1a hash of key. */
  reseed(seed: number, key?: string): this {
    let h = 0x811c9dc5 ^ (seed >>> 0);
    if (key !== undefined) {
      for (let i = 0; i < key.length; i++) {
        h ^= key.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
      }
    }
    let x = (h ^ Math.imul(seed | 0, 0x9e3779b9)) >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      z ^= z >>> 16;
      this.s[i] = z >>> 0;
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
    this.hasSpare = false;
    return this;
  }

  /** Advance the state by one xoshiro128** step; its 32-bit output goes to word[0]. */
  private step(): void {
    const s = this.s;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const m = Math.imul(s1, 5);
    this.word[0] = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = (n3 << 11) | (n3 >>> 21);
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.step();
    return this.word[0]!;
  }

  /**
   * The next `n` 32-bit outputs into out[0 .. n), the same sequence as `n` calls of `nextU32()`, with the
   * state kept in locals for the whole loop (for bulk draws such as the Poisson bootstrap's counts).
   */
  fillU32(out: Uint32Array, n: number): void {
    if (n > out.length) throw new RangeError(`fillU32: ${n} outputs into an array of ${out.length}`);
    const s = this.s;
    let s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    for (let j = 0; j < n; j++) {
      const m = Math.imul(s1, 5);
      out[j] = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      const n2 = s2 ^ s0;
      const n3 = s3 ^ s1;
      s1 ^= n2;
      s0 ^= n3;
      s2 = n2 ^ t;
      s3 = (n3 << 11) | (n3 >>> 21);
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
  }

  /**
   * Copy the generator's four state words to out[at .. at + 4), and load them back from there: for a bulk
   * generator outside this class (the bootstrap's WebAssembly kernel) that advances the state exactly as
   * `step()` does. Allocates nothing.
   */
  saveWords(out: Uint32Array, at: number = 0): void {
    for (let i = 0; i < 4; i++) out[at + i] = this.s[i]!;
  }

  loadWords(from: Uint32Array, at: number = 0): void {
    for (let i = 0; i < 4; i++) this.s[i] = from[at + i]!;
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) throw new RangeError('loadWords: an all-zero xoshiro state');
  }

  /** Uniform double in the open interval (0, 1), 53 bits. */
  next(): number {
    this.step();
    const hi = this.word[0]! >>> 5; // 27 bits
    this.step();
    const lo = this.word[0]! >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) * (1 / 9007199254740992);
  }

  /**
   * Index drawn from the discrete distribution p[0..n) (assumed normalised) with one uniform, the same one
   * `next()` would return: the first i with u < p[0] + ... + p[i], else n - 1. Allocates nothing.
   */
  pick(p: Float64Array, n: number): number {
    this.step();
    const hi = this.word[0]! >>> 5;
    this.step();
    const lo = this.word[0]! >>> 6;
    const u = (hi * 67108864 + lo + 0.5) * (1 / 9007199254740992);
    let acc = 0;
    for (let i = 0; i < n - 1; i++) {
      acc += p[i]!;
      if (u < acc) return i;
    }
    return n - 1;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.nextU32() * TWO_POW_M32 * n);
  }

  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0, v = 0, q = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Gamma(shape, 1) deviate (Marsaglia and Tsang 2000; shape < 1 by the boost u^(1/shape)). */
  gamma(shape: number): number {
    if (shape < 1) {
      const u = this.next();
      return this.gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x = 0, v = 0;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) deviate. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Plain-data copy of the generator state (for snapshots and tests). */
  getState(): RngState {
    return { s: [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!], spare: this.hasSpare ? this.spare : null };
  }

  setState(state: RngState): this {
    for (let i = 0; i < 4; i++) this.s[i] = state.s[i]! >>> 0;
    this.hasSpare = state.spare !== null;
    this.spare = state.spare ?? 0;
    return this;
  }
}
