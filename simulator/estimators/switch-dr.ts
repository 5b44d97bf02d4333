import { InvalidConfigError } from '../../policies/errors.ts';
import type { Estimator } from './estimator.ts';

export const DEFAULT_SWITCH_TAU = 20;

/**
 * Switch-DR (Wang, Agarwal and Dudik 2017), in the form of Open Bandit Pipeline:
 * V = (1/n) sum_i [ q_pi(x_i) + 1{w_i <= tau} w_i (r_i - q(x_i, a_i)) ]: rows with an importance weight
 * above tau rely on the reward model alone. tau = infinity is DR; tau = 0 is DM.
 */
export function switchDr(tau: number = DEFAULT_SWITCH_TAU): Estimator {
  if (!(tau >= 0)) throw new InvalidConfigError('switch-tau', `must be >= 0, got ${tau}`);
  return {
    name: 'switch_dr',
    description: `switch-DR: DR where w <= ${tau}, DM above`,
    moments: 1,
    momentNames: [`qTarget+(w<=${tau})*w*(r-qLogged)`],
    usesRewardModel: true,
    rowMoments(b, i, out, o) {
      const w = b.weight[i]!;
      out[o] = b.qTarget[i]! + (w <= tau ? w * (b.reward[i]! - b.qLogged[i]!) : 0);
    },
    columnMoments(b, size, out, at, stride) {
      const qt = b.qTarget, weight = b.weight, r = b.reward, ql = b.qLogged;
      for (let i = 0, q = at[0]!; i < size; i++, q += stride) {
        const w = weight[i]!;
        out[q] = qt[i]! + (w <= tau ? w * (r[i]! - ql[i]!) : 0);
      }
    },
    value(s, o, n) {
      return n > 0 ? s[o]! / n : Number.NaN;
    },
  };
}
