import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLinTsPolicy } from '../../policies/linear/lints.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Policy } from '../../policies/core/policy.ts';

const ROUTES = ['acq-a', 'acq-b', 'acq-c', 'acq-d', 'acq-e'];
const ctxArb = fc.record({
  merchantId: fc.constantFrom('m-1', 'm-2'),
  amountMinor: fc.integer({ min: 0, max: 1_000_000 }),
  currency: fc.constantFrom('EUR', 'USD'),
  cardNetwork: fc.constantFrom('visa', 'mastercard', 'jcb'),
  cardType: fc.constantFrom('credit', 'debit'),
  issuerCountry: fc.constantFrom('DE', 'JP', 'US'),
  channel: fc.constantFrom('ecom', 'pos'),
  mcc: fc.constantFrom('5411', '5812'),
  threeDS: fc.boolean(),
  occurredAtMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
});
const candidates = fc.subarray(ROUTES, { minLength: 1 }).chain((c) => fc.shuffledSubarray(c, { minLength: c.length, maxLength: c.length }));
const history = fc.array(fc.record({ ctx: ctxArb, cands: candidates, reward: fc.constantFrom(0, 1), weight: fc.constantFrom(1, 0.3) }), { maxLength: 30 });
const params = fc.record({
  v: fc.double({ min: 0, max: 2, noNaN: true }),
  lambda: fc.double({ min: 0.1, max: 5, noNaN: true }),
  discount: fc.oneof(fc.constant(1), fc.double({ min: 0.9, max: 1, noNaN: true })),
  floor: fc.double({ min: 1e-4, max: 0.3, noNaN: true }),
  refactorEvery: fc.integer({ min: 1, max: 50 }),
  dimension: fc.constantFrom(16, 32),
});

function run(policy: Policy, events: { ctx: Record<string, unknown>; cands: string[]; reward: number; weight: number }[], seed: number, from = 0) {
  const rng = new Rng(seed);
  const out = new DecisionBuffer();
  return events.map((e, i) => {
    rng.reseed(seed, `tx-${from + i}`);
    policy.decide(e.ctx as never, e.cands, rng, out);
    const d = { ...out.toPlain(e.cands), chosen: out.chosen, candidates: e.cands };
    policy.update(e.ctx as never, d.route, e.reward, e.weight);
    return d;
  });
}

describe('LinTS policy properties', () => {
  it('probabilities are in (0, 1], sum to 1 over exactly the candidates and respect the floor', () => {
    fc.assert(
      fc.property(params, history, fc.integer(), (p, events, seed) => {
        for (const d of run(createLinTsPolicy(p), events, seed)) {
          const n = d.candidates.length;
          expect(d.probabilities.length).toBe(n);
          expect(Math.abs(d.probabilities.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-12);
          for (const x of d.probabilities) {
            expect(x).toBeGreaterThan(0);
            expect(x).toBeLessThanOrEqual(1);
            expect(x).toBeGreaterThanOrEqual(Math.min(p.floor, 1 / n) * (1 - 1e-12));
          }
          expect(d.route).toBe(d.candidates[d.chosen]);
          expect(d.propensity).toBe(d.probabilities[d.chosen]);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('same seed and same events give the same decisions', () => {
    fc.assert(
      fc.property(params, history, fc.integer(), (p, events, seed) => {
        expect(run(createLinTsPolicy(p), events, seed)).toEqual(run(createLinTsPolicy(p), events, seed));
      }),
      { numRuns: 30 },
    );
  });

  it('snapshot then restore changes nothing', () => {
    fc.assert(
      fc.property(params, history, history, fc.integer(), (p, before, after, seed) => {
        const a = createLinTsPolicy(p);
        run(a, before, seed);
        const b = createLinTsPolicy();
        b.restore(JSON.parse(JSON.stringify(a.snapshot())));
        expect(run(b, after, seed, before.length)).toEqual(run(a, after, seed, before.length));
      }),
      { numRuns: 30 },
    );
  });
});
