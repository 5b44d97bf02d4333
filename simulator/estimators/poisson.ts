import type { Rng } from '../../policies/core/rng.ts';

/** P(K <= k) for K ~ Poisson(1), k = 0..11, scaled to 2^32 (the 32-bit draw is compared as an integer). */
const THRESHOLDS = (() => {
  const t = new Float64Array(12);
  let p = Math.exp(-1);
  let c = 0;
  for (let k = 0; k < 12; k++) {
    c += p;
    t[k] = c * 4294967296;
    p /= k + 1;
  }
  return t;
})();

/** One Poisson(1) draw from one 32-bit uniform (inverse CDF; truncated at 12, probability < 1e-9). */
export function poisson1(rng: Rng): number {
  const u = rng.nextU32();
  let k = 0;
  while (k < 11 && u >= THRESHOLDS[k]!) k++;
  return k;
}
