import type { Estimator } from './estimator.ts';

/**
 * Doubly robust (Dudik, Langford and Li 2011): V = (1/n) sum_i [ q_pi(x_i) + w_i (r_i - q(x_i, a_i)) ].
 * Unbiased if either the propensities or the reward model are right.
 */
export const dr: Estimator = {
  name: 'dr',
  description: 'doubly robust: DM plus the IPS-weighted residual',
  moments: 1,
  momentNames: ['qTarget+w*(r-qLogged)'],
  usesRewardModel: true,
  rowMoments(b, i, out, o) {
    out[o] = b.qTarget[i]! + b.weight[i]! * (b.reward[i]! - b.qLogged[i]!);
  },
  columnMoments(b, size, out, at, stride) {
    const qt = b.qTarget, w = b.weight, r = b.reward, ql = b.qLogged;
    for (let i = 0, q = at[0]!; i < size; i++, q += stride) out[q] = qt[i]! + w[i]! * (r[i]! - ql[i]!);
  },
  value(s, o, n) {
    return n > 0 ? s[o]! / n : Number.NaN;
  },
};
