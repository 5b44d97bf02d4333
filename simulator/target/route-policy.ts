/**
 * A route policy of the registry as an OPE target. Its probability vector for a row is what
 * `policy.decide` reports (exploration floor included), with the policy's Rng reseeded per row from
 * (seed, row key) as the service does per decision, so randomised policies (Thompson sampling) give the
 * same vector on every run with the same seed.
 *
 * A learning policy is evaluated as a FIXED policy: either restored from a snapshot (a state the service
 * saved), or trained with `update(context, loggedAction, reward, 1)` on the first rows of the log, then
 * frozen; the rows it trained on are not evaluated.
 */
import { DecisionBuffer, MAX_CANDIDATES } from '../../policies/core/decision-buffer.ts';
import type { PolicySnapshot } from '../../policies/core/policy.ts';
import { Rng } from '../../policies/core/rng.ts';
import { createPolicy } from '../../policies/registry.ts';
import type { TargetPolicy } from './target-policy.ts';

export interface RoutePolicyTargetOptions {
  readonly params?: { readonly [key: string]: unknown };
  readonly snapshot?: PolicySnapshot;
  readonly seed: number;
  /** Largest candidate count of the log (OBD has 34 items; the service allows 32). */
  readonly maxCandidates?: number;
}

export function routePolicyTarget(name: string, options: RoutePolicyTargetOptions): TargetPolicy {
  const policy = createPolicy(name, options.params ?? {});
  if (options.snapshot) policy.restore(options.snapshot);
  const rng = new Rng(options.seed);
  const out = new DecisionBuffer(Math.max(MAX_CANDIDATES, options.maxCandidates ?? 0));
  let description = options.snapshot
    ? `${name} (${policy.version}) restored from a snapshot with ${policy.observations} observations, frozen`
    : `${name} (${policy.version}) with its initial state, frozen`;
  return {
    name,
    get description() {
      return description;
    },
    learns: true,
    distribution(row, candidates, probs) {
      rng.reseed(options.seed, row.key);
      policy.decide(row.context, candidates, rng, out);
      for (let i = 0; i < candidates.length; i++) probs[i] = out.probabilities[i]!;
    },
    train(row) {
      policy.update(row.context, row.action, row.reward, 1);
    },
    freeze(trainedRows) {
      if (trainedRows > 0) {
        description = `${name} (${policy.version})${options.snapshot ? ' restored from a snapshot,' : ''} trained on the first ${trainedRows.toLocaleString('en-US')} rows of the log (not evaluated), then frozen`;
      }
    },
  };
}
