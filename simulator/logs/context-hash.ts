import type { Context } from '../../policies/core/context.ts';

/** FNV-1a over a string, continuing from `h`. */
export function fnv1a(s: string, h: number = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hash of the categorical part of a context (string and boolean fields, or the named `fields`), for
 * bucketing contexts when estimating propensities and support. Numbers are left out unless named.
 */
export function categoricalContextHash(context: Context, fields: readonly string[] | null): number {
  let h = 0x811c9dc5;
  if (fields !== null) {
    for (const f of fields) h = fnv1a(`${f}=${String(context[f])};`, h);
    return h;
  }
  for (const f in context) {
    const v = context[f];
    if (typeof v === 'string' || typeof v === 'boolean') h = fnv1a(`${f}=${String(v)};`, h);
  }
  return h;
}
