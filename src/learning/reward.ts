/**
 * Maps an outcome to the (reward, weight) the router applies with `policy.update`. The policy core's
 * reward function and blame (policies/reward/) replace this when they land; until then: approved ? 1 : 0,
 * full weight. One function, so the switch is one line and the decision log records what was applied.
 */
import type { Outcome } from '../http/schemas.ts';

export interface AppliedReward {
  readonly reward: number;
  readonly weight: number;
}

export type RewardOf = (outcome: Outcome) => AppliedReward;

export const approvalReward: RewardOf = (outcome) => ({ reward: outcome.approved ? 1 : 0, weight: 1 });
