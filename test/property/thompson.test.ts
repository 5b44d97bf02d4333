import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createThompsonPolicy } from '../../policies/thompson/index.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Policy } from '../../policies/core/policy.ts';

const ROUTES = ['acq-a', 'acq-b', 'acq-c', 'acq-d', 'acq-e', 'acq-f'];
const ctxArb = fc.record({
  issuerCountry: fc.constantFrom('DE', 'FR', 'US', 'GB'),
  cardNetwork: fc.constantFrom('visa', 'mastercard', 'amex'),
  cardType: fc.constantFrom('credit', 'debit'),
});
const eventArb = fc.record({ ctx: ctxArb, route: fc.constantFrom(...ROUTES), reward: fc.double({ min: 0, max: 1, noNaN: true }), weight: fc.double({ min: 0, max: 1, noNaN: true }) });
const paramsArb = fc.record({
  discount: fc.oneof(fc.constant(1), fc.double({ min: 0.9, max: 1, noNaN: true })),
  floor: fc.double({ min: 1e-4, max: 0.05, noNaN: true }),
  poolStrength: fc.double({ min: 0.5, max: 200, noNaN: true }),
});
const candidatesArb = fc.uniqueArray(fc.constantFrom(...ROUTES, 'new-1', 'new-2'), { minLength: 1, maxLength: 8 });

function decisions(p: Policy, ctxs: readonly { [k: string]: string }[], candidates: readonly string[], seed: number): number[][] {
  const out = new DecisionBuffer();
  const rng = new Rng();
  return ctxs.map((ctx, i) => {
    rng.reseed(seed, `tx-${i}`);
    p.decide(ctx, candidates, rng, out);
    return [out.chosen, ...out.probabilities.subarray(0, out.count)];
  });
}

describe('thompson properties', () => {
  it('probabilities are in (0, 1], at least the floor, and sum to 1 over exactly the candidates', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(eventArb, { maxLength: 60 }), ctxArb, candidatesArb, (params, events, ctx, candidates) => {
        const p = createThompsonPolicy(params);
        for (const e of events) p.update(e.ctx, e.route, e.reward, e.weight);
        const out = new DecisionBuffer();
        out.probabilities.fill(7); // garbage beyond count must not matter
        p.decide(ctx, candidates, new Rng(1, 'x'), out);
        const n = candidates.length;
        expect(out.count).toBe(n);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const q = out.probabilities[i]!;
          expect(q).toBeGreaterThan(0);
          expect(q).toBeLessThanOrEqual(1);
          expect(q).toBeGreaterThanOrEqual(Math.min(params.floor, 1 / n) * (1 - 1e-9));
          sum += q;
        }
        expect(sum).toBeCloseTo(1, 12);
        expect(out.chosen).toBeGreaterThanOrEqual(0);
        expect(out.chosen).toBeLessThan(n);
      }),
      { numRuns: 150, seed: 1 },
    );
  });

  it('same seed and same events give the same decisions', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(eventArb, { maxLength: 60 }), fc.array(ctxArb, { minLength: 1, maxLength: 10 }), candidatesArb, fc.integer(), (params, events, ctxs, candidates, seed) => {
        const run = (): number[][] => {
          const p = createThompsonPolicy(params);
          for (const e of events) p.update(e.ctx, e.route, e.reward, e.weight);
          return decisions(p, ctxs, candidates, seed);
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 60, seed: 2 },
    );
  });

  it('snapshot then restore changes nothing', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(eventArb, { maxLength: 80 }), fc.array(ctxArb, { minLength: 1, maxLength: 10 }), candidatesArb, (params, events, ctxs, candidates) => {
        const p = createThompsonPolicy(params);
        for (const e of events) p.update(e.ctx, e.route, e.reward, e.weight);
        const q = createThompsonPolicy();
        q.restore(JSON.parse(JSON.stringify(p.snapshot())));
        expect(decisions(q, ctxs, candidates, 5)).toEqual(decisions(p, ctxs, candidates, 5));
        // and learning continues identically
        for (const e of events.slice(0, 10)) {
          p.update(e.ctx, e.route, e.reward, e.weight);
          q.update(e.ctx, e.route, e.reward, e.weight);
        }
        expect(q.snapshot()).toEqual(p.snapshot());
      }),
      { numRuns: 60, seed: 3 },
    );
  });

  it('with discount = 1, the order of updates does not matter', () => {
    // Dyadic rewards and weights make every sum exact in floating point, so decisions must match bit for bit.
    const dyadic = fc.constantFrom(0, 0.25, 0.5, 0.75, 1);
    const ev = fc.record({ ctx: ctxArb, route: fc.constantFrom(...ROUTES), reward: dyadic, weight: dyadic });
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 60 }), fc.array(ctxArb, { minLength: 1, maxLength: 6 }), candidatesArb, fc.integer({ min: 0, max: 1000 }), (events, ctxs, candidates, shuffleSeed) => {
        const shuffled = [...events];
        const r = new Rng(shuffleSeed);
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = r.int(i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = createThompsonPolicy({ discount: 1 });
        const b = createThompsonPolicy({ discount: 1 });
        for (const e of events) a.update(e.ctx, e.route, e.reward, e.weight);
        for (const e of shuffled) b.update(e.ctx, e.route, e.reward, e.weight);
        expect(decisions(b, ctxs, candidates, 9)).toEqual(decisions(a, ctxs, candidates, 9));
      }),
      { numRuns: 80, seed: 4 },
    );
  });
});
