/**
 * LinUCB with disjoint per-route linear models (Li, Chu, Langford and Schapire 2010, Algorithm 1), with
 * weighted updates, optional forgetting and an exploration floor. For each candidate route:
 *
 *   score = theta . x + alpha sqrt(x^T A^-1 x)
 *
 * The base distribution puts all mass on the highest scores (ties split evenly); the floor then gives every
 * candidate at least `floor`, and the choice is sampled from that distribution with the Rng, so the logged
 * propensity is exactly the probability used (> 0). `predict` is theta . x clipped to [0, 1].
 *
 * Params: alpha (exploration width, default 0.3, live), lambda (ridge, 1), discount (forgetting gamma in
 * (0, 1], 1), floor (> 0, 0.01), refactorEvery (1000), dimension (128), hashing, features (the encoder spec;
 * default: the route policies' `ROUTE_FEATURES`, see policies/features/spec.ts).
 *
 * alpha 0.3: on the payments world (20,000 payments, batches of 50, 5 seeds, stable / outage / drift) 0.25-0.35
 * lose the fewest approvals; 0.5 explores too long (about 15% more regret), 0.15 locks in early on some seeds.
 */
import { argmaxDistribution } from '../core/sampling.ts';
import { type LinearPolicy, type LinearRule, createLinearPolicy } from './linear-policy.ts';

export const LINUCB_NAME = 'linucb';
export const LINUCB_VERSION = 'linucb/1';
export const LINUCB_DEFAULT_ALPHA = 0.3;

const rule: LinearRule = {
  name: LINUCB_NAME,
  version: LINUCB_VERSION,
  explore: { key: 'alpha', fallback: LINUCB_DEFAULT_ALPHA },
  distribution(means, variances, n, alpha, probs, scores) {
    for (let i = 0; i < n; i++) scores[i] = means[i]! + alpha * Math.sqrt(variances[i]!);
    argmaxDistribution(scores, n, probs);
  },
};

export function createLinUcbPolicy(params: { readonly [key: string]: unknown } = {}): LinearPolicy {
  return createLinearPolicy(rule, params);
}
