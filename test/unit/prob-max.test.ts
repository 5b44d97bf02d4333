import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { probMaxBeta, probMaxNormal, trigamma } from '../../policies/core/prob-max.ts';
import { applyFloor } from '../../policies/core/sampling.ts';
import { Rng } from '../../policies/core/rng.ts';
import { NumericalError } from '../../policies/errors.ts';
import { betaWinCounts } from '../support/beta-wins.ts';

/** Standard normal CDF via a high-accuracy erfc (W. J. Cody-style rational approximation, |err| < 1.2e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

describe('probMaxNormal', () => {
  it('matches the closed form P(X1 > X2) = Φ((μ1 - μ2) / sqrt(σ1² + σ2²)) for two arms', () => {
    const out = new Float64Array(2);
    const cases: [number, number, number, number][] = [
      [0, 1, 0, 1],
      [0.5, 1, 0, 1],
      [0, 0.1, 0.3, 2],
      [10, 3, 9, 0.01],
      [-2, 0.5, -1.5, 0.7],
    ];
    for (const [m1, s1, m2, s2] of cases) {
      probMaxNormal(f64([m1, m2]), f64([s1, s2]), 2, out);
      expect(out[0]).toBeCloseTo(phi((m1 - m2) / Math.hypot(s1, s2)), 3);
      expect(out[0]! + out[1]!).toBeCloseTo(1, 12);
    }
  });

  it('handles point masses (sd = 0), identical arms and n = 1', () => {
    const out = new Float64Array(3);
    probMaxNormal(f64([1, 2, 0]), f64([0, 0, 0]), 3, out);
    expect(Array.from(out)).toEqual([0, 1, 0].map((v) => expect.closeTo(v, 9) as unknown as number));
    probMaxNormal(f64([1, 1, 1]), f64([0, 0, 0]), 3, out);
    for (const p of out) expect(p).toBeCloseTo(1 / 3, 9);
    probMaxNormal(f64([0.3, 0.3]), f64([0.2, 0.2]), 2, out);
    expect(out[0]).toBeCloseTo(0.5, 12);
    // point mass at 1 against N(0, 1): the normal wins with probability 1 - Φ(1)
    probMaxNormal(f64([0, 1]), f64([1, 0]), 2, out);
    expect(out[0]).toBeCloseTo(1 - phi(1), 3);
    probMaxNormal(f64([5]), f64([1]), 1, out);
    expect(out[0]).toBe(1);
  });

  it('rejects non-finite input and negative sd', () => {
    const out = new Float64Array(2);
    expect(() => probMaxNormal(f64([0, NaN]), f64([1, 1]), 2, out)).toThrow(NumericalError);
    expect(() => probMaxNormal(f64([0, 0]), f64([1, -1]), 2, out)).toThrow(NumericalError);
  });
});

describe('probMaxBeta', () => {
  it('is exact for symmetric and closed-form cases', () => {
    const out = new Float64Array(4);
    probMaxBeta(f64([3, 3, 3, 3]), f64([7, 7, 7, 7]), 4, out);
    for (let i = 0; i < 4; i++) expect(out[i]).toBeCloseTo(0.25, 10);
    // P(U1 > U2) for two uniforms, and Beta(2,1) (density 2x) against a uniform: 2/3
    probMaxBeta(f64([2, 1]), f64([1, 1]), 2, out);
    expect(out[0]).toBeCloseTo(2 / 3, 3);
    // Beta(a,1) vs Beta(b,1): P = a / (a + b)
    probMaxBeta(f64([0.3, 5]), f64([1, 1]), 2, out);
    expect(out[0]).toBeCloseTo(0.3 / 5.3, 3);
    probMaxBeta(f64([4]), f64([1]), 1, out);
    expect(out[0]).toBe(1);
  });

  it('rejects invalid parameters', () => {
    const out = new Float64Array(2);
    expect(() => probMaxBeta(f64([1, 0]), f64([1, 1]), 2, out)).toThrow(NumericalError);
    expect(() => probMaxBeta(f64([1, Infinity]), f64([1, 1]), 2, out)).toThrow(NumericalError);
  });

  it('agrees with 10^6-draw seeded Monte Carlo on random posteriors', () => {
    // Realistic posteriors of a router: approval rates 0.5..0.99, 2..5000 pseudo-counts, 2..5 routes.
    const gen = new Rng(2024);
    const out = new Float64Array(8);
    let worst = 0;
    const draws = 1_000_000;
    for (let t = 0; t < 6; t++) {
      const n = 2 + gen.int(4);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      const base = 0.5 + 0.49 * gen.next();
      for (let j = 0; j < n; j++) {
        const m = Math.min(0.995, Math.max(0.01, base + 0.08 * (gen.next() - 0.5)));
        const s = Math.exp(Math.log(2) + gen.next() * Math.log(2500));
        a[j] = m * s;
        b[j] = (1 - m) * s;
      }
      probMaxBeta(a, b, n, out);
      const r = new Rng(7, `mc-${t}`);
      const mc = betaWinCounts(a, b, n, draws, r);
      for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(out[j]! - mc[j]! / draws));
    }
    // Monte Carlo standard error is at most 5e-4 at 10^6 draws; quadrature error adds < 1e-3 (docs).
    expect(worst).toBeLessThan(2.5e-3);
  }, 60_000);

  it('property: probabilities sum to 1 and stay in (0, 1] after the floor', () => {
    const out = new Float64Array(32);
    const arm = fc.record({ a: fc.double({ min: 0.05, max: 1e5, noNaN: true }), b: fc.double({ min: 0.05, max: 1e5, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(arm, { minLength: 1, maxLength: 32 }), fc.double({ min: 1e-4, max: 0.03, noNaN: true }), (arms, floor) => {
        const n = arms.length;
        probMaxBeta(f64(arms.map((x) => x.a)), f64(arms.map((x) => x.b)), n, out);
        let raw = 0;
        for (let i = 0; i < n; i++) {
          expect(out[i]).toBeGreaterThanOrEqual(0);
          raw += out[i]!;
        }
        expect(raw).toBeCloseTo(1, 9);
        applyFloor(out, n, floor);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          expect(out[i]).toBeGreaterThan(0);
          expect(out[i]).toBeLessThanOrEqual(1);
          expect(out[i]).toBeGreaterThanOrEqual(Math.min(floor, 1 / n) * (1 - 1e-12));
          sum += out[i]!;
        }
        expect(sum).toBeCloseTo(1, 12);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('trigamma', () => {
  it('matches known values', () => {
    expect(trigamma(1)).toBeCloseTo((Math.PI * Math.PI) / 6, 9);
    expect(trigamma(0.5)).toBeCloseTo((Math.PI * Math.PI) / 2, 9);
    expect(trigamma(100)).toBeCloseTo(0.010050166663333571, 12);
  });
});
