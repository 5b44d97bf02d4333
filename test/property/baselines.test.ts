import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEpsilonGreedyPolicy } from '../../policies/baselines/epsilon-greedy.ts';
import { createStaticPolicy } from '../../policies/baselines/static.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Policy } from '../../policies/core/policy.ts';

const ROUTES = ['a', 'b', 'c', 'd', 'e'];
const event = fc.record({ c: fc.constantFrom('DE', 'FR'), route: fc.constantFrom(...ROUTES), reward: fc.double({ min: 0, max: 1, noNaN: true }), weight: fc.double({ min: 0, max: 1, noNaN: true }) });
const makers: [string, (floor: number) => Policy][] = [
  ['epsilon-greedy', (floor) => createEpsilonGreedyPolicy({ epsilon: 0.1, segments: ['issuerCountry'], floor })],
  ['static', (floor) => createStaticPolicy({ priority: ['c', 'a'], floor })],
];

describe.each(makers)('%s properties', (_name, make) => {
  it('probabilities in (0, 1], >= floor, sum to 1; same seed same decision; snapshot/restore changes nothing', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 50 }), fc.uniqueArray(fc.constantFrom(...ROUTES, 'x'), { minLength: 1, maxLength: 6 }), fc.double({ min: 1e-4, max: 0.05, noNaN: true }), fc.integer(), (events, candidates, floor, seed) => {
        const p = make(floor);
        for (const e of events) p.update({ issuerCountry: e.c }, e.route, e.reward, e.weight);
        const out = new DecisionBuffer();
        p.decide({ issuerCountry: 'DE' }, candidates, new Rng(seed, 'k'), out);
        const n = candidates.length;
        let sum = 0;
        for (let i = 0; i < n; i++) {
          expect(out.probabilities[i]).toBeGreaterThan(0);
          expect(out.probabilities[i]).toBeLessThanOrEqual(1);
          expect(out.probabilities[i]).toBeGreaterThanOrEqual(Math.min(floor, 1 / n) * (1 - 1e-9));
          sum += out.probabilities[i]!;
        }
        expect(sum).toBeCloseTo(1, 12);
        const first = out.toPlain(candidates);
        const q = make(0.3);
        q.restore(JSON.parse(JSON.stringify(p.snapshot())));
        q.decide({ issuerCountry: 'DE' }, candidates, new Rng(seed, 'k'), out);
        expect(out.toPlain(candidates)).toEqual(first);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
