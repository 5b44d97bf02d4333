/**
 * Maps an outcome to the (reward, weight) the router applies with `policy.update`, through the policy core's
 * reward functions and blame (policies/reward/), the same ones the simulator's library API takes: the reward is
 * `RewardFunction.evaluate(outcome, decision context)` in [0, 1] (default: approval, 1 / 0), the weight is
 * `blameWeight(responseCode, approved, blame)` (default `DEFAULT_BLAME`: every outcome weighs 1). The outcome
 * applier records both in the decision log's outcome record, so a log says what the policy learned from.
 *
 * Configured by `ROUTE_REWARD` (+ `ROUTE_REWARD_MIN`, `ROUTE_REWARD_MAX`) and `ROUTE_BLAME` (src/config.ts).
 */
import type { Context } from '../../policies/core/context.ts';
import { approvalReward as approvalRewardFunction, blameWeight, createRewardFunction, DEFAULT_BLAME, type BlameOptions, type RewardFunction } from '../../policies/reward/index.ts';
import type { Outcome } from '../http/schemas.ts';

export interface AppliedReward {
  readonly reward: number;
  readonly weight: number;
}

/** (outcome, the decision's context) -> what the policy learns. */
export type RewardOf = (outcome: Outcome, context: Context) => AppliedReward;

/** How the served reward is configured: a reward expression (null: approval) and the blame weights. */
export interface RewardConfig {
  /** A mathjs expression over REWARD_SYMBOLS (policies/reward), or null for the approval reward. */
  readonly expression: string | null;
  /** Expression value mapped to reward 0, and to reward 1 (ignored for the approval reward). */
  readonly min: number;
  readonly max: number;
  readonly blame: BlameOptions;
}

export const DEFAULT_REWARD_CONFIG: RewardConfig = { expression: null, min: 0, max: 1, blame: DEFAULT_BLAME };

/** The RewardFunction of a config (throws InvalidRewardExpressionError for a bad expression). */
export function rewardFunctionOf(config: RewardConfig): RewardFunction {
  return config.expression === null ? approvalRewardFunction() : createRewardFunction({ expression: config.expression, min: config.min, max: config.max });
}

/** Build the applier's RewardOf from a reward function and blame options. */
export function createRewardOf(reward: RewardFunction = approvalRewardFunction(), blame: BlameOptions = DEFAULT_BLAME): RewardOf {
  return (outcome, context) => ({
    reward: reward.evaluate(outcome, context),
    weight: blameWeight(outcome.responseCode, outcome.approved, blame),
  });
}

/** The RewardOf of a config (what the router serves). */
export function rewardOfConfig(config: RewardConfig = DEFAULT_REWARD_CONFIG): RewardOf {
  return createRewardOf(rewardFunctionOf(config), config.blame);
}

/** The default: approved ? 1 : 0, weight 1. */
export const approvalReward: RewardOf = createRewardOf();
