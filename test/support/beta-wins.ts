import type { Rng } from '../../policies/core/rng.ts';

/**
 * Monte Carlo reference for the propensity quadrature: how often each of the first `n` Beta(a[j], b[j])
 * arms has the highest of one draw per arm, over `draws` rounds (counts; divide by `draws` for shares).
 */
export function betaWinCounts(a: Float64Array, b: Float64Array, n: number, draws: number, rng: Rng): Float64Array {
  const wins = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bv = -1;
    for (let j = 0; j < n; j++) {
      const x = rng.beta(a[j]!, b[j]!);
      if (x > bv) {
        bv = x;
        best = j;
      }
    }
    wins[best]!++;
  }
  return wins;
}
