/**
 * Linear Thompson sampling (Agrawal and Goyal 2013) on the same disjoint per-route ridge models as LinUCB.
 * With disjoint models the sampled score of route i, x . theta~_i with theta~_i ~ N(theta_i, v^2 A_i^-1), is
 * a scalar normal N(theta_i . x, v^2 x^T A_i^-1 x), independent across routes. So instead of sampling
 * matrices, the policy computes the exact probability that each route's draw is the largest
 * (`probMaxNormal`, 1-D quadrature), mixes in the exploration floor, and samples the choice from that
 * vector (probability matching: same distribution of choices as Thompson sampling, and the logged
 * propensity is exactly the probability used). Scores are the posterior means theta . x.
 *
 * Params: v (posterior scale, default 0.3, live; v = 0 is greedy with ties split), lambda, discount, floor,
 * refactorEvery, dimension, hashing, features (as LinUCB).
 */
import { argmaxDistribution } from '../core/sampling.ts';
import { probMaxNormal } from '../core/prob-max.ts';
import { type LinearPolicy, type LinearRule, createLinearPolicy } from './linear-policy.ts';

export const LINTS_NAME = 'lints';
export const LINTS_VERSION = 'lints/1';
export const LINTS_DEFAULT_V = 0.3;

const rule: LinearRule = {
  name: LINTS_NAME,
  version: LINTS_VERSION,
  explore: { key: 'v', fallback: LINTS_DEFAULT_V },
  distribution(means, variances, n, v, probs, scores, sd) {
    for (let i = 0; i < n; i++) scores[i] = means[i]!;
    if (v === 0) {
      argmaxDistribution(means, n, probs);
      return;
    }
    for (let i = 0; i < n; i++) sd[i] = v * Math.sqrt(variances[i]!);
    probMaxNormal(means, sd, n, probs);
  },
};

export function createLinTsPolicy(params: { readonly [key: string]: unknown } = {}): LinearPolicy {
  return createLinearPolicy(rule, params);
}
