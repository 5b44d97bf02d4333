/**
 * Reference "policies" that read the world's ground truth, so that they run through exactly the same loop
 * as learning policies and appear as lines in every table and plot:
 *
 * - `oracle`: the candidate with the highest true approval probability at that moment (regret 0 by
 *   definition); its `predict` is the truth, so its calibration is perfect up to sampling noise.
 * - `best-static`: the best single priority order over routes for the whole scenario (computed from the
 *   ground truth, see `World.bestStaticRoute`), i.e. the best a hand-written routing table could do without
 *   reacting to anything; its `predict` is that rule's mean expected approval (a static rule has no
 *   per-payment model).
 *
 * Both ignore updates (they count them, to keep `observations` comparable).
 */
import type { Context } from '../../policies/core/context.ts';
import type { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import type { Policy, PolicySnapshot } from '../../policies/core/policy.ts';
import { rejectUnknownParams } from '../../policies/core/params.ts';
import { InvalidStateError } from '../../policies/errors.ts';
import type { World } from '../worlds/index.ts';

export const REFERENCE_POLICY_NAMES = ['oracle', 'best-static'] as const;
export type ReferencePolicyName = (typeof REFERENCE_POLICY_NAMES)[number];

export function isReferencePolicyName(name: string): name is ReferencePolicyName {
  return (REFERENCE_POLICY_NAMES as readonly string[]).includes(name);
}

export function createReferencePolicy(name: ReferencePolicyName, world: World, params: { readonly [key: string]: unknown } = {}): Policy {
  rejectUnknownParams(name, params, []);
  const version = `${name}/1`;
  let observations = 0;
  const rule = name === 'best-static' ? world.bestStaticRoute() : undefined;
  const choose = (context: Context, candidates: readonly string[]): string =>
    rule ? world.staticRoute(rule.priority, candidates) : world.oracleRoute(context, candidates, world.timeOf(context));
  return {
    name,
    version,
    get observations() {
      return observations;
    },
    params() {
      return rule ? { priority: [...rule.priority] } : {};
    },
    tune(patch) {
      rejectUnknownParams(name, patch, []);
    },
    decide(context: Context, candidates: readonly string[], _rng, out: DecisionBuffer) {
      const route = choose(context, candidates);
      const t = world.timeOf(context);
      out.count = candidates.length;
      for (let i = 0; i < candidates.length; i++) {
        out.probabilities[i] = candidates[i] === route ? 1 : 0;
        out.scores[i] = world.approvalProbability(context, candidates[i]!, t);
        if (candidates[i] === route) out.chosen = i;
      }
    },
    update() {
      observations++;
    },
    predict(context: Context, route: string) {
      return rule ? rule.expectedApproval : world.approvalProbability(context, route, world.timeOf(context));
    },
    snapshot(): PolicySnapshot {
      return { policy: name, version, params: this.params(), observations, state: null };
    },
    restore(snapshot) {
      if (snapshot.policy !== name || snapshot.version !== version) throw new InvalidStateError(name, `expected ${version}, got ${snapshot.policy} ${snapshot.version}`);
      observations = snapshot.observations;
    },
  };
}
