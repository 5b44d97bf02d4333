import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createThompsonPolicy } from '../../policies/thompson/index.ts';
import { createEpsilonGreedyPolicy } from '../../policies/baselines/epsilon-greedy.ts';
import { createStaticPolicy } from '../../policies/baselines/static.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Policy } from '../../policies/core/policy.ts';

// The floor's use across every policy of this folder: after heavy, one-sided learning (the posterior or the
// greedy choice puts essentially all mass on one route), every candidate still keeps at least the floor, and
// the logged propensity is exactly the probability of the chosen candidate.
const makers: [string, (floor: number) => Policy][] = [
  ['thompson', (floor) => createThompsonPolicy({ floor })],
  ['epsilon-greedy', (floor) => createEpsilonGreedyPolicy({ epsilon: 0, floor })],
  ['static', (floor) => createStaticPolicy({ priority: ['r0'], floor })],
];

describe.each(makers)('%s: the exploration floor', (_name, make) => {
  it('holds for every candidate even when one route dominates', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 0.1, noNaN: true }), fc.integer({ min: 1, max: 32 }), fc.integer(), (floor, n, seed) => {
        const p = make(floor);
        const routes = Array.from({ length: n }, (_, i) => `r${i}`);
        for (let t = 0; t < 300; t++) p.update({}, 'r0', 1, 1);
        for (let i = 1; i < n; i++) for (let t = 0; t < 30; t++) p.update({}, routes[i]!, 0, 1);
        const out = new DecisionBuffer();
        p.decide({}, routes, new Rng(seed, 'f'), out);
        const f = Math.min(floor, 1 / n);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          expect(out.probabilities[i]).toBeGreaterThanOrEqual(f * (1 - 1e-9));
          sum += out.probabilities[i]!;
        }
        expect(sum).toBeCloseTo(1, 12);
        expect(out.propensity).toBe(out.probabilities[out.chosen]);
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('rejects a floor of 0 or below, naming the field', () => {
    expect(() => make(0)).toThrow(/floor/);
    expect(() => make(-0.01)).toThrow(/floor/);
  });
});
