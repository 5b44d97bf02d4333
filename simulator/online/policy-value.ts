/**
 * The ground-truth value of a fixed (non-learning) policy in a world: the exact expected approval of its
 * decision distribution, averaged over the world's traffic, with no sampling of outcomes and no updates:
 *
 *   V(pi) = (1 / n) sum_t sum_i pi(candidate_i | x_t) p(x_t, candidate_i, t)
 *
 * This is what an off-policy estimate of pi from a log of the same world should recover, so it is the
 * yardstick for `router-sim ope` on a world log (`simulate --log-out`): decide with the logging policy,
 * estimate the target offline, compare with `groundTruthValue(world, target, ...)`.
 */
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import type { Policy } from '../../policies/core/policy.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidConfigError } from '../../policies/errors.ts';
import type { World } from '../worlds/index.ts';

export interface PolicyValue {
  readonly n: number;
  /** Expected approval of the policy's decision distribution. */
  readonly value: number;
  /** Expected approval of the oracle on the same payments. */
  readonly oracleValue: number;
  /** Standard error of `value` over payments (the spread of per-payment expectations / sqrt n). */
  readonly standardError: number;
}

/**
 * Evaluate `policy` as it is (its current state; it is never updated) on payments t = from .. from+n-1 of
 * the seed's stream (the same payments `simulate` draws with that seed).
 */
export function groundTruthValue(world: World, policy: Policy, options: { readonly n: number; readonly seed: number; readonly from?: number }): PolicyValue {
  const { n, seed } = options;
  const from = options.from ?? 0;
  if (!Number.isInteger(n) || n < 1) throw new InvalidConfigError('n', `must be a positive integer, got ${n}`);
  if (!Number.isInteger(from) || from < 0) throw new InvalidConfigError('from', `must be an integer >= 0, got ${from}`);
  const worldRng = new Rng(seed);
  const policyRng = new Rng(seed);
  const out = new DecisionBuffer();
  let sum = 0, sumSq = 0, oracle = 0;
  for (let t = from; t < from + n; t++) {
    worldRng.reseed(seed, `ctx:${t}`);
    const { context, candidates } = world.transactionAt(t, worldRng);
    policyRng.reseed(seed, String(t));
    policy.decide(context, candidates, policyRng, out);
    let v = 0, best = 0;
    for (let i = 0; i < candidates.length; i++) {
      const p = world.approvalProbability(context, candidates[i]!, t);
      v += out.probabilities[i]! * p;
      if (p > best) best = p;
    }
    sum += v;
    sumSq += v * v;
    oracle += best;
  }
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSq - n * mean * mean) / (n - 1)) : 0;
  return { n, value: mean, oracleValue: oracle / n, standardError: Math.sqrt(variance / n) };
}
