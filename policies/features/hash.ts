/**
 * Allocation-free 32-bit hashing of context values for feature hashing: FNV-1a over UTF-16 code units,
 * finished with MurmurHash3's fmix32 avalanche. Numbers hash exactly like their decimal string (so 3 and
 * "3" are the same category, as CSV readers may give either); booleans like "true"/"false"; a missing
 * value has its own token. Stable across processes and versions of Node (snapshots depend on it).
 */
import type { ContextValue } from '../core/context.ts';

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Mixed in between the fields of a cross so ("ab","c") and ("a","bc") differ. */
const FIELD_SEPARATOR = 0x1f;
/** Code unit mixed in for a missing value (cannot come from a one-unit string on its own: it is > 0xffff). */
const MISSING_TOKEN = 0x10001;

/** FNV-1a of a string's UTF-16 code units, continuing from `h`. */
export function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

function hashUnit(h: number, unit: number): number {
  return Math.imul(h ^ unit, FNV_PRIME);
}

const digits = new Int32Array(24);

/** Continue `h` with the decimal representation of a safe integer, without building the string. */
function hashInteger(h: number, v: number): number {
  if (v === 0) return hashUnit(h, 48); // '0' (also -0, as String(-0) === '0')
  if (v < 0) {
    h = hashUnit(h, 45); // '-'
    v = -v;
  }
  let n = 0;
  while (v > 0) {
    const q = Math.floor(v / 10);
    digits[n++] = v - q * 10;
    v = q;
  }
  while (n > 0) h = hashUnit(h, 48 + digits[--n]!);
  return h;
}

/** Continue `h` with a context value (see the module comment for the rules). */
export function hashValue(h: number, v: ContextValue): number {
  switch (typeof v) {
    case 'string':
      return hashString(h, v);
    case 'number':
      if (Number.isSafeInteger(v)) return hashInteger(h, v);
      return hashString(h, String(v)); // rare for categoricals (fractions, NaN): allocates a short string
    case 'boolean':
      return hashString(h, v ? 'true' : 'false');
    default:
      return hashUnit(h, MISSING_TOKEN);
  }
}

/** Separator between fields of a cross. */
export function hashSeparator(h: number): number {
  return hashUnit(h, FIELD_SEPARATOR);
}

/** MurmurHash3 finaliser: full avalanche of a 32-bit state; returns an unsigned 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
