import { InvalidStateError } from '../errors.ts';
import type { Context } from '../core/context.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';
import type { Policy, PolicyParams, PolicySnapshot } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { rejectUnknownParams } from '../core/params.ts';

const VERSION = 'random/1';

/** Uniform random routing: every candidate with probability 1/n. The baseline every comparison needs. */
export function createRandomPolicy(params: { readonly [key: string]: unknown } = {}): Policy {
  rejectUnknownParams('random', params, []);
  let observations = 0;
  return {
    name: 'random',
    version: VERSION,
    get observations() {
      return observations;
    },
    params(): PolicyParams {
      return {};
    },
    tune(patch) {
      rejectUnknownParams('random', patch, []);
    },
    decide(_context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer) {
      const n = candidates.length;
      out.count = n;
      for (let i = 0; i < n; i++) {
        out.probabilities[i] = 1 / n;
        out.scores[i] = 0;
      }
      out.chosen = rng.int(n);
    },
    update() {
      observations++;
    },
    predict() {
      return 0.5;
    },
    snapshot(): PolicySnapshot {
      return { policy: 'random', version: VERSION, params: {}, observations, state: null };
    },
    restore(snapshot) {
      if (snapshot.policy !== 'random' || snapshot.version !== VERSION) {
        throw new InvalidStateError('random', `expected ${VERSION}, got ${snapshot.policy} ${snapshot.version}`);
      }
      observations = snapshot.observations;
    },
  };
}
