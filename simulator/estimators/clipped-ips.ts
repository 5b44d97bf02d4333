import { InvalidConfigError } from '../../policies/errors.ts';
import type { Estimator } from './estimator.ts';

export const DEFAULT_CLIP = 20;

/** IPS with weights clipped at `maxWeight`: V = (1/n) sum min(w, M) r. Biased down for r >= 0, bounded variance. */
export function clippedIps(maxWeight: number = DEFAULT_CLIP): Estimator {
  if (!(maxWeight > 0)) throw new InvalidConfigError('clip', `must be > 0, got ${maxWeight}`);
  return {
    name: 'clipped_ips',
    description: `IPS with weights clipped at ${maxWeight}`,
    moments: 1,
    momentNames: [`min(w,${maxWeight})*r`],
    usesRewardModel: false,
    rowMoments(b, i, out, o) {
      const w = b.weight[i]!;
      out[o] = (w > maxWeight ? maxWeight : w) * b.reward[i]!;
    },
    columnMoments(b, size, out, at, stride) {
      const weight = b.weight, r = b.reward;
      for (let i = 0, q = at[0]!; i < size; i++, q += stride) {
        const w = weight[i]!;
        out[q] = (w > maxWeight ? maxWeight : w) * r[i]!;
      }
    },
    value(s, o, n) {
      return n > 0 ? s[o]! / n : Number.NaN;
    },
  };
}
