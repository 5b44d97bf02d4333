import type { Estimator } from './estimator.ts';

/** Self-normalised IPS: V = sum w r / sum w. Slightly biased, bounded by the reward range, lower variance. */
export const snips: Estimator = {
  name: 'snips',
  description: 'self-normalised IPS: sum(w*r) / sum(w)',
  moments: 2,
  momentNames: ['w*r', 'w'],
  usesRewardModel: false,
  rowMoments(b, i, out, o) {
    const w = b.weight[i]!;
    out[o] = w * b.reward[i]!;
    out[o + 1] = w;
  },
  columnMoments(b, size, out, at, stride) {
    const weight = b.weight, r = b.reward;
    for (let i = 0, q0 = at[0]!, q1 = at[1]!; i < size; i++, q0 += stride, q1 += stride) {
      const w = weight[i]!;
      out[q0] = w * r[i]!;
      out[q1] = w;
    }
  },
  value(s, o) {
    return s[o + 1]! > 0 ? s[o]! / s[o + 1]! : Number.NaN;
  },
};
