/**
 * Properties of the propensity quadrature (policies/core/prob-max.ts), over random posteriors:
 *  - Beta: agrees with a seeded Monte Carlo estimate (20,000 draws) within 5 Monte Carlo standard errors
 *    plus 2e-3 (the quadrature's own error is below 2e-3 even on hard posteriors: docs/policies-thompson.md);
 *  - two normals: agrees with the closed form Φ((μ1 - μ2) / sqrt(σ1² + σ2²)) within 2e-4;
 *  - probabilities are in [0, 1] and sum to 1; after the exploration floor every one is >= the floor;
 *  - permutation-equivariant: permuting the arms permutes the probabilities (up to rounding, 1e-10);
 *  - identical arms split evenly.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { probMaxBeta, probMaxNormal } from '../../policies/core/prob-max.ts';
import { applyFloor } from '../../policies/core/sampling.ts';
import { Rng } from '../../policies/core/rng.ts';
import { betaWinCounts } from '../support/beta-wins.ts';

/** Standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, |relative error| < 1.2e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** A Beta posterior as a router sees one: mean in [0.02, 0.995], 0.3 to 5,000 pseudo-counts. */
const betaArm = fc.record({
  mean: fc.double({ min: 0.02, max: 0.995, noNaN: true }),
  logCount: fc.double({ min: Math.log(0.3), max: Math.log(5000), noNaN: true }),
});
const toAB = (arms: { mean: number; logCount: number }[]) => {
  const a = new Float64Array(arms.length);
  const b = new Float64Array(arms.length);
  arms.forEach((arm, j) => {
    const s = Math.exp(arm.logCount);
    a[j] = Math.max(0.1, arm.mean * s);
    b[j] = Math.max(0.1, (1 - arm.mean) * s);
  });
  return { a, b };
};

describe('probMaxBeta (property)', () => {
  it('agrees with seeded Monte Carlo within 5 standard errors + 2e-3', () => {
    const out = new Float64Array(8);
    const draws = 20_000;
    fc.assert(
      fc.property(fc.array(betaArm, { minLength: 2, maxLength: 6 }), fc.integer({ min: 0, max: 1e6 }), (arms, seed) => {
        const { a, b } = toAB(arms);
        const n = arms.length;
        probMaxBeta(a, b, n, out);
        const rng = new Rng(seed, 'prob-max-mc');
        const wins = betaWinCounts(a, b, n, draws, rng);
        for (let j = 0; j < n; j++) {
          const mc = wins[j]! / draws;
          const se = Math.sqrt(Math.max(mc * (1 - mc), 1 / draws) / draws);
          expect(Math.abs(out[j]! - mc)).toBeLessThanOrEqual(5 * se + 2e-3);
        }
      }),
      { numRuns: 40, seed: 7 },
    );
  }, 120_000);

  it('sums to 1, stays in [0, 1], and keeps every arm >= the floor after applyFloor', () => {
    const out = new Float64Array(32);
    fc.assert(
      fc.property(fc.array(betaArm, { minLength: 1, maxLength: 32 }), fc.double({ min: 1e-4, max: 0.03, noNaN: true }), (arms, floor) => {
        const { a, b } = toAB(arms);
        const n = arms.length;
        probMaxBeta(a, b, n, out);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          expect(out[i]).toBeGreaterThanOrEqual(0);
          expect(out[i]).toBeLessThanOrEqual(1);
          sum += out[i]!;
        }
        expect(sum).toBeCloseTo(1, 12);
        applyFloor(out, n, floor);
        for (let i = 0; i < n; i++) {
          expect(out[i]).toBeGreaterThanOrEqual(Math.min(floor, 1 / n) * (1 - 1e-12));
          expect(out[i]).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('is permutation-equivariant: permuting the arms permutes the probabilities', () => {
    const out = new Float64Array(16);
    const permuted = new Float64Array(16);
    const arms = fc.array(betaArm, { minLength: 2, maxLength: 16 });
    fc.assert(
      fc.property(arms.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs.map((_, i) => i), { minLength: xs.length, maxLength: xs.length }))), ([xs, perm]) => {
        const { a, b } = toAB(xs);
        const n = xs.length;
        probMaxBeta(a, b, n, out);
        const pa = Float64Array.from(perm, (i) => a[i]!);
        const pb = Float64Array.from(perm, (i) => b[i]!);
        probMaxBeta(pa, pb, n, permuted);
        for (let k = 0; k < n; k++) expect(Math.abs(permuted[k]! - out[perm[k]!]!)).toBeLessThan(1e-10);
      }),
      { numRuns: 200, seed: 13 },
    );
  });

  it('splits identical arms evenly', () => {
    const out = new Float64Array(32);
    fc.assert(
      fc.property(betaArm, fc.integer({ min: 2, max: 32 }), (arm, n) => {
        const { a, b } = toAB(Array.from({ length: n }, () => arm));
        probMaxBeta(a, b, n, out);
        for (let i = 0; i < n; i++) expect(out[i]).toBeCloseTo(1 / n, 9);
      }),
      { numRuns: 100, seed: 17 },
    );
  });
});

describe('probMaxNormal (property)', () => {
  it('matches the two-arm closed form within 2e-4', () => {
    const out = new Float64Array(2);
    const arm = fc.record({ mu: fc.double({ min: -3, max: 3, noNaN: true }), sd: fc.double({ min: 0.01, max: 3, noNaN: true }) });
    fc.assert(
      fc.property(arm, arm, (x, y) => {
        probMaxNormal(Float64Array.of(x.mu, y.mu), Float64Array.of(x.sd, y.sd), 2, out);
        expect(Math.abs(out[0]! - phi((x.mu - y.mu) / Math.hypot(x.sd, y.sd)))).toBeLessThan(2e-4);
        expect(out[0]! + out[1]!).toBeCloseTo(1, 12);
      }),
      { numRuns: 1000, seed: 19 },
    );
  });

  it('is permutation-equivariant and sums to 1', () => {
    const out = new Float64Array(16);
    const permuted = new Float64Array(16);
    const arm = fc.record({ mu: fc.double({ min: 0, max: 1, noNaN: true }), sd: fc.double({ min: 0, max: 0.3, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(arm, { minLength: 2, maxLength: 16 }).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs.map((_, i) => i), { minLength: xs.length, maxLength: xs.length }))), ([xs, perm]) => {
        const n = xs.length;
        probMaxNormal(Float64Array.from(xs, (x) => x.mu), Float64Array.from(xs, (x) => x.sd), n, out);
        probMaxNormal(Float64Array.from(perm, (i) => xs[i]!.mu), Float64Array.from(perm, (i) => xs[i]!.sd), n, permuted);
        let sum = 0;
        for (let k = 0; k < n; k++) {
          expect(Math.abs(permuted[k]! - out[perm[k]!]!)).toBeLessThan(1e-10);
          sum += out[k]!;
        }
        expect(sum).toBeCloseTo(1, 12);
      }),
      { numRuns: 200, seed: 23 },
    );
  });
});
