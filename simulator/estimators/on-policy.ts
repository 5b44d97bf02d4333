import type { Estimator } from './estimator.ts';

/** The logging policy's own mean reward (no reweighting): the on-policy value of whoever wrote the log. */
export const onPolicyMean: Estimator = {
  name: 'logged',
  description: 'mean logged reward (the logging policy, on-policy)',
  moments: 1,
  momentNames: ['r'],
  usesRewardModel: false,
  rowMoments(b, i, out, o) {
    out[o] = b.reward[i]!;
  },
  columnMoments(b, size, out, at, stride) {
    const r = b.reward;
    for (let i = 0, q = at[0]!; i < size; i++, q += stride) out[q] = r[i]!;
  },
  value(s, o, n) {
    return n > 0 ? s[o]! / n : Number.NaN;
  },
};
