/**
 * ExpiringMap against the Map it replaced (delete + set at the back, eviction of the first key, expiry of
 * a few entries from the front, a longer-lived front entry moved back): the same keys hold the same
 * entries after every operation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../../src/store/expiring-map.ts';
import { ExpiringReference as Reference } from '../support/expiring-reference.ts';

interface E {
  readonly expiresAt: number;
  readonly n: number;
}

type Op = { type: 'set'; key: number; ttl: number; dt: number } | { type: 'delete'; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), ttl: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 })), dt: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }) },
);

describe('ExpiringMap', () => {
  it('holds what the insertion-ordered Map held, after every set and delete', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(op, { maxLength: 3000 }), (capacity, ops) => {
        const a = new ExpiringMap<E>(capacity);
        const b = new Reference(capacity);
        let now = 0;
        let n = 0;
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.type === 'delete') {
            a.delete(key);
            b.map.delete(key);
          } else {
            now += o.dt;
            const e = { expiresAt: now + o.ttl, n: n++ };
            a.set(key, e, now, now + 100);
            b.set(key, e, now, now + 100);
          }
          expect(a.size).toBe(b.map.size);
          for (let k = 0; k <= 12; k++) expect(a.get(`k${k}`)).toBe(b.map.get(`k${k}`));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('evicts in O(1) at capacity (many more writes than the capacity)', () => {
    const m = new ExpiringMap<E>(1000);
    for (let i = 0; i < 200_000; i++) m.set(`k${i}`, { expiresAt: Number.POSITIVE_INFINITY, n: i }, i, Number.POSITIVE_INFINITY);
    expect(m.size).toBe(1000);
    expect(m.get('k198999')).toBeUndefined();
    expect(m.get('k199000')?.n).toBe(199_000);
    m.clear();
    expect(m.size).toBe(0);
  });
});
