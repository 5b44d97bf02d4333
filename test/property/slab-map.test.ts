/**
 * SlabMap against the insertion-ordered Map it replaced (test/support/expiring-reference.ts): after
 * every set and delete the same keys hold the same values, numbers and expiry, with keys of every UTF-16 kind, values as text, bytes or none, and the columns and index
 * started tiny so that probing, backward-shift deletion, compaction and growth all happen.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlabMap } from '../../src/store/slab-map.ts';
import { ExpiringReference } from '../support/expiring-reference.ts';

interface E {
  readonly expiresAt: number;
  readonly n: number;
  readonly value: string | Uint8Array | undefined;
}

type Op = { type: 'set'; key: number; ttl: number; dt: number; value: string | Uint8Array | undefined } | { type: 'delete'; key: number };

const KEYS = 24;
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.constant(undefined),
  fc.constant(''),
  fc.integer({ min: 0, max: 255 }).map((b) => new Uint8Array(17_000).fill(b)), // over a quarter slab: a slab of its own
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('set' as const), key: fc.integer({ min: 0, max: KEYS - 1 }), ttl: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 })), dt: fc.integer({ min: 0, max: 30 }), value }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), key: fc.integer({ min: 0, max: KEYS - 1 }) }) },
);
const keys = fc.uniqueArray(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme-ascii', minLength: 20, maxLength: 80 })), { minLength: KEYS, maxLength: KEYS });

function expectSame(a: SlabMap, e: number, want: E): void {
  expect(e).toBeGreaterThanOrEqual(0);
  expect(a.expiresAt(e)).toBe(want.expiresAt);
  expect(a.numberOf(e)).toBe(want.n);
  if (want.value === undefined) {
    expect(a.bytes(e)).toBeUndefined();
    expect(a.text(e)).toBeUndefined();
  } else {
    const bytes = typeof want.value === 'string' ? Buffer.from(want.value) : Buffer.from(want.value);
    expect(Buffer.compare(a.bytes(e)!, bytes)).toBe(0);
    expect(a.text(e)).toBe(bytes.toString());
  }
}

describe('SlabMap', () => {
  it('holds what the insertion-ordered Map held, after every set and delete', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.constantFrom(1, 2, 4, 1024), keys, fc.array(op, { maxLength: 400, size: 'max' }), (capacity, initial, names, ops) => {
        const a = new SlabMap(capacity, initial);
        const b = new ExpiringReference<E>(capacity);
        let now = 0;
        let n = 0;
        for (const o of ops) {
          const key = names[o.key]!;
          if (o.type === 'delete') {
            a.delete(key);
            b.map.delete(key);
          } else {
            now += o.dt;
            const e = { expiresAt: now + o.ttl, n: n++, value: o.value };
            a.set(key, e.value, e.n, e.expiresAt, now, now + 100);
            b.set(key, e, now, now + 100);
          }
          expect(a.size).toBe(b.map.size);
          for (const k of names) {
            const want = b.map.get(k);
            if (want === undefined) expect(a.find(k)).toBe(-1);
            else expectSame(a, a.find(k), want);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('finds among many keys after deletes and expiry (probe chains, renumbering), and frees its slabs', () => {
    const a = new SlabMap(50_000, 2);
    const live = new Map<string, number>();
    let now = 0;
    for (let i = 0; i < 200_000; i++) {
      now += 1;
      const key = `tx-${(i * 7919) % 120_000}`;
      a.set(key, `rec-${i}`, i, now + 30_000, now, now + 30_000);
      live.set(key, i);
      if (i % 3 === 0) {
        const gone = `tx-${(i * 31) % 120_000}`;
        a.delete(gone);
        live.delete(gone);
      }
    }
    // the reference without the map's own eviction: every key the map still holds is the latest write
    let held = 0;
    for (const [key, i] of live) {
      const e = a.find(key);
      if (e < 0) continue;
      held++;
      expect(a.numberOf(e)).toBe(i);
      expect(a.text(e)).toBe(`rec-${i}`);
    }
    expect(held).toBe(a.size);
    expect(a.size).toBeLessThanOrEqual(50_000);
    a.clear();
    expect(a.size).toBe(0);
    expect(a.find('tx-1')).toBe(-1);
  });

  it('ignores a second remove of the same entry, and refuses columns that are not a power of two', () => {
    const a = new SlabMap(10, 2);
    a.set('x', 'one', 1, 100, 0, 100);
    a.set('y', 'two', 2, 100, 0, 100);
    const e = a.find('x');
    a.remove(e);
    a.remove(e); // already gone: left alone (the index and the slab counts stay right)
    expect(a.size).toBe(1);
    expect(a.find('x')).toBe(-1);
    expect(a.text(a.find('y'))).toBe('two');
    expect(() => new SlabMap(10, 3)).toThrow(RangeError);
  });
});
