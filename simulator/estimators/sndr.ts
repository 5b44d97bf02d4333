import type { Estimator } from './estimator.ts';

/**
 * Self-normalised doubly robust: V = (1/n) sum q_pi(x_i) + sum w_i (r_i - q(x_i, a_i)) / sum w_i.
 * The residual correction is normalised like SNIPS, which tames large weights.
 */
export const sndr: Estimator = {
  name: 'sndr',
  description: 'self-normalised DR: DM plus the self-normalised weighted residual',
  moments: 3,
  momentNames: ['qTarget', 'w*(r-qLogged)', 'w'],
  usesRewardModel: true,
  rowMoments(b, i, out, o) {
    const w = b.weight[i]!;
    out[o] = b.qTarget[i]!;
    out[o + 1] = w * (b.reward[i]! - b.qLogged[i]!);
    out[o + 2] = w;
  },
  columnMoments(b, size, out, at, stride) {
    const qt = b.qTarget, weight = b.weight, r = b.reward, ql = b.qLogged;
    for (let i = 0, q0 = at[0]!, q1 = at[1]!, q2 = at[2]!; i < size; i++, q0 += stride, q1 += stride, q2 += stride) {
      const w = weight[i]!;
      out[q0] = qt[i]!;
      out[q1] = w * (r[i]! - ql[i]!);
      out[q2] = w;
    }
  },
  value(s, o, n) {
    if (!(n > 0)) return Number.NaN;
    const sw = s[o + 2]!;
    return s[o]! / n + (sw > 0 ? s[o + 1]! / sw : 0);
  },
};
