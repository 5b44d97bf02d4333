import type { Context, ContextValue } from '../../policies/core/context.ts';

const FNV_PRIME = 0x01000193;

/** FNV-1a over a string, continuing from `h` (returns an unsigned 32-bit integer). */
export function fnv1a(s: string, h: number = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Mix one `field=value;` pair into h without building the string. */
function mixPair(h: number, field: string, v: ContextValue): number {
  h = fnv1a(field, h);
  h = Math.imul(h ^ 0x3d, FNV_PRIME); // '='
  h = fnv1a(typeof v === 'string' ? v : String(v), h);
  return Math.imul(h ^ 0x3b, FNV_PRIME) >>> 0; // ';'
}

/**
 * Hash of the categorical part of a context (string and boolean fields, or the named `fields`), for
 * bucketing contexts when estimating propensities and support. Numbers are left out unless named.
 */
export function categoricalContextHash(context: Context, fields: readonly string[] | null): number {
  let h = 0x811c9dc5;
  if (fields !== null) {
    for (let i = 0; i < fields.length; i++) h = mixPair(h, fields[i]!, context[fields[i]!]);
    return h;
  }
  for (const f in context) {
    const v = context[f];
    if (typeof v === 'string' || typeof v === 'boolean') h = mixPair(h, f, v);
  }
  return h;
}
