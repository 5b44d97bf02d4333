/** Rewards (outcome -> [0, 1]) and blame (response code -> weight against the route). */
export { approvalReward, createRewardFunction, REWARD_SYMBOLS, type RewardExpressionConfig, type RewardFunction, type RewardOutcome, type RewardStats } from './reward-function.ts';
export { blameWeight, classifyResponseCode, DEFAULT_BLAME, ISSUER_BLAME, NO_BLAME, parseBlameOptions, RESPONSE_CODES, type BlameClass, type BlameOptions } from './blame.ts';
