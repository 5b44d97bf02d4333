/**
 * SlabMap against the insertion-ordered Map it replaced (test/support/expiring-reference.ts): after
 * every set and delete the same keys hold the same values, numbers and expiry, with keys of every UTF-16 kind, values as text, bytes or none, and the pages and index
 * started tiny so that probing, backward-shift deletion, paging, compaction and growth all happen; with
 * hundreds of keys, so that the index's incremental growth spans many writes (lookups, re-sets and deletes
 * of keys still in the old table, tombstones); and entry numbers kept while the map grows.
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

/** A SlabMap and the reference, fed the same operations (a set's horizon `horizon` after its time). */
class Pair {
  readonly a: SlabMap;
  readonly b: ExpiringReference<E>;
  private now = 0;
  private n = 0;
  constructor(capacity: number, initial: number, private readonly horizon: number) {
    this.a = new SlabMap(capacity, initial);
    this.b = new ExpiringReference<E>(capacity);
  }
  apply(o: Op, key: string): void {
    if (o.type === 'delete') {
      this.a.delete(key);
      this.b.map.delete(key);
      return;
    }
    this.now += o.dt;
    const e = { expiresAt: this.now + o.ttl, n: this.n++, value: o.value };
    this.a.set(key, e.value, e.n, e.expiresAt, this.now, this.now + this.horizon);
    this.b.set(key, e, this.now, this.now + this.horizon);
  }
  /** The same size, and the same entry (or none) for each of `keys`. */
  check(keys: readonly string[]): void {
    expect(this.a.size).toBe(this.b.map.size);
    for (const k of keys) {
      const want = this.b.map.get(k);
      if (want === undefined) expect(this.a.find(k)).toBe(-1);
      else expectSame(this.a, this.a.find(k), want);
    }
  }
}

describe('SlabMap', () => {
  it('holds what the insertion-ordered Map held, after every set and delete', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.constantFrom(1, 2, 4, 1024), keys, fc.array(op, { maxLength: 400, size: 'max' }), (capacity, initial, names, ops) => {
        const pair = new Pair(capacity, initial, 100);
        for (const o of ops) {
          pair.apply(o, names[o.key]!);
          pair.check(names);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('holds what the insertion-ordered Map held while its index grows across many writes (hundreds of keys)', () => {
    const many = 400;
    const manyOp: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ type: fc.constant('set' as const), key: fc.integer({ min: 0, max: many - 1 }), ttl: fc.integer({ min: 50, max: 5000 }), dt: fc.integer({ min: 0, max: 3 }), value: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(undefined)) }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), key: fc.integer({ min: 0, max: many - 1 }) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 600 }), fc.constantFrom(1, 2, 4, 16), fc.array(manyOp, { minLength: 200, maxLength: 1500 }), (capacity, initial, ops) => {
        const names = Array.from({ length: many }, (_, i) => `key-${i}`);
        const pair = new Pair(capacity, initial, 1000);
        ops.forEach((o, step) => {
          const key = names[o.key]!;
          pair.apply(o, key);
          // every key every 50 steps, else the key written and a few others
          pair.check(step % 50 === 0 ? names : [key, names[(o.key * 7 + 1) % many]!, names[(o.key * 13 + 5) % many]!]);
        });
      }),
      { numRuns: 30, endOnFailure: true }, // no shrinking: 1,500-step runs take minutes to shrink
    );
  });

  it('keeps an entry its number while the map grows (pages added, the index moved), with no key set again', () => {
    const a = new SlabMap(1_000_000, 4);
    const numbers = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = `k-${i}`;
      a.set(key, `v-${i}`, i, 1e12, i, 1e12);
      if (i % 97 === 0) numbers.set(key, a.find(key));
    }
    for (const [key, e] of numbers) {
      expect(a.find(key)).toBe(e);
      expect(a.text(e)).toBe(`v-${key.slice(2)}`);
    }
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
