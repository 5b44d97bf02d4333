/**
 * Allocation-free 32-bit hashing of context values for feature hashing: FNV-1a over UTF-16 code units,
 * finished with MurmurHash3's fmix32 avalanche. Numbers hash exactly like their decimal string (so 3 and
 * "3" are the same category, as CSV readers may give either); booleans like "true"/"false"; a missing
 * value has its own token. Stable across processes and versions of Node (snapshots depend on it).
 *
 * The running state lives in an Int32Array rather than being returned: in V8 a 32-bit hash returned from a
 * call that is not inlined is boxed as a heap number (it rarely fits a small integer), which would
 * allocate on every encode. Only small integers (a bucket, a sign) leave the `Hasher`.
 */
import type { ContextValue } from '../core/context.ts';

export const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Mixed in between the fields of a cross so ("ab","c") and ("a","bc") differ. */
const FIELD_SEPARATOR = 0x1f;
/** Code unit mixed in for a missing value (no string code unit is > 0xffff). */
const MISSING_TOKEN = 0x10001;
const SIGN_SALT = 0x9e3779b9 | 0;

/** MurmurHash3 finaliser: full avalanche of a 32-bit state; returns a signed 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class Hasher {
  /** state[0]: the running hash; state[1]: the finalised hash. */
  private readonly state = new Int32Array(2);
  private readonly digits = new Int32Array(24);

  /** Start from a seed (a feature's own hash). */
  reset(seed: number): void {
    this.state[0] = seed;
  }

  /** Continue with a string's UTF-16 code units. */
  string(s: string): void {
    let h = this.state[0]!;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
    this.state[0] = h;
  }

  /** Continue with one code unit. */
  unit(u: number): void {
    this.state[0] = Math.imul(this.state[0]! ^ u, FNV_PRIME);
  }

  /** Separator between the fields of a cross. */
  separator(): void {
    this.unit(FIELD_SEPARATOR);
  }

  /** Continue with a context value (see the module comment for the rules). */
  value(v: ContextValue): void {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return;
      case 'number':
        if (Number.isSafeInteger(v)) this.integer(v);
        else this.string(String(v)); // rare for categoricals (fractions, NaN): allocates a short string
        return;
      case 'boolean':
        this.string(v ? 'true' : 'false');
        return;
      default:
        this.unit(MISSING_TOKEN);
    }
  }

  /** Finalise (fmix32); then read `bucket` and `sign`. */
  finish(): void {
    this.state[1] = fmix32(this.state[0]!);
  }

  /** The finalised hash modulo m, in [0, m). */
  bucket(m: number): number {
    return (this.state[1]! >>> 0) % m;
  }

  /** A pseudo-random sign (+1 or -1) from the finalised hash, independent of the bucket. */
  sign(): number {
    return (fmix32(this.state[1]! ^ SIGN_SALT) & 1) === 1 ? -1 : 1;
  }

  /** The finalised hash as an unsigned 32-bit integer (allocates a heap number; tests only). */
  get hash(): number {
    return this.state[1]! >>> 0;
  }

  /** Continue with the decimal representation of a safe integer, without building the string. */
  private integer(v: number): void {
    if (v === 0) {
      this.unit(48); // '0' (also -0, as String(-0) === '0')
      return;
    }
    if (v < 0) {
      this.unit(45); // '-'
      v = -v;
    }
    const digits = this.digits;
    let n = 0;
    while (v > 0) {
      const q = Math.floor(v / 10);
      digits[n++] = v - q * 10;
      v = q;
    }
    let h = this.state[0]!;
    while (n > 0) h = Math.imul(h ^ (48 + digits[--n]!), FNV_PRIME);
    this.state[0] = h;
  }
}

/** Hash of one string from the FNV offset, finalised (for seeds; allocates nothing but is not hot). */
export function hashName(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), FNV_PRIME);
  return fmix32(h);
}

/** Finalised hash of one value from a seed (tests and tools). */
export function hashValue(seed: number, v: ContextValue): number {
  const h = new Hasher();
  h.reset(seed);
  h.value(v);
  h.finish();
  return h.hash;
}
