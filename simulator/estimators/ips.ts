import type { Estimator } from './estimator.ts';

/** Inverse propensity scoring (Horvitz-Thompson): V = (1/n) sum_i w_i r_i. Unbiased when the logger covers the target's support. */
export const ips: Estimator = {
  name: 'ips',
  description: 'inverse propensity scoring: mean of w*r',
  moments: 1,
  momentNames: ['w*r'],
  usesRewardModel: false,
  rowMoments(b, i, out, o) {
    out[o] = b.weight[i]! * b.reward[i]!;
  },
  columnMoments(b, size, out, at, stride) {
    const w = b.weight, r = b.reward;
    for (let i = 0, q = at[0]!; i < size; i++, q += stride) out[q] = w[i]! * r[i]!;
  },
  value(s, o, n) {
    return n > 0 ? s[o]! / n : Number.NaN;
  },
};
