import type { Estimator } from './estimator.ts';

/** Direct method: V = (1/n) sum_i sum_a pi(a|x_i) q(x_i, a), with q the cross-fitted reward model. Low variance, biased by the model. */
export const dm: Estimator = {
  name: 'dm',
  description: 'direct method: mean of the reward model under the target',
  moments: 1,
  momentNames: ['qTarget'],
  usesRewardModel: true,
  rowMoments(b, i, out, o) {
    out[o] = b.qTarget[i]!;
  },
  columnMoments(b, size, out, at, stride) {
    const qt = b.qTarget;
    for (let i = 0, q = at[0]!; i < size; i++, q += stride) out[q] = qt[i]!;
  },
  value(s, o, n) {
    return n > 0 ? s[o]! / n : Number.NaN;
  },
};
