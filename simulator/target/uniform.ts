import type { TargetPolicy } from './target-policy.ts';

/** Every available action with equal probability. */
export function uniformTarget(): TargetPolicy {
  return {
    name: 'uniform',
    description: 'uniform: every available action with probability 1/n',
    learns: false,
    distribution(_row, candidates, out) {
      const p = 1 / candidates.length;
      for (let i = 0; i < candidates.length; i++) out[i] = p;
    },
    train() {},
    freeze() {},
  };
}
