/** The served reward: the policy core's reward functions and blame, configured by ROUTE_REWARD / ROUTE_BLAME. */
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../policies/errors.ts';
import { createRewardFunction, DEFAULT_BLAME, ISSUER_BLAME } from '../../policies/reward/index.ts';
import { loadConfig } from '../../src/config.ts';
import { approvalReward, createRewardOf, DEFAULT_REWARD_CONFIG, rewardOfConfig } from '../../src/learning/reward.ts';

const ctx = { merchantId: 'm-1', amountMinor: 10_000, currency: 'EUR', cardNetwork: 'visa', issuerCountry: 'DE' };
const outcome = (approved: boolean, responseCode?: string, feeMinor?: number) => ({
  decisionId: 'd-1',
  approved,
  ...(responseCode !== undefined ? { responseCode } : {}),
  ...(feeMinor !== undefined ? { feeMinor } : {}),
});

describe('served reward', () => {
  it('defaults to approval with weight 1 for every outcome (blame off)', () => {
    expect(approvalReward(outcome(true, '00'), ctx)).toEqual({ reward: 1, weight: 1 });
    expect(approvalReward(outcome(false, '51'), ctx)).toEqual({ reward: 0, weight: 1 });
    expect(approvalReward(outcome(false, '91'), ctx)).toEqual({ reward: 0, weight: 1 });
    expect(approvalReward(outcome(false), ctx)).toEqual({ reward: 0, weight: 1 });
    expect(loadConfig({}).reward).toEqual(DEFAULT_REWARD_CONFIG);
    expect(DEFAULT_REWARD_CONFIG.blame).toEqual(DEFAULT_BLAME);
    expect(rewardOfConfig(loadConfig({}).reward)(outcome(false, '05'), ctx)).toEqual({ reward: 0, weight: 1 });
  });

  it('applies blame weights from the blame table', () => {
    const r = createRewardOf(undefined, ISSUER_BLAME);
    expect(r(outcome(false, '51'), ctx)).toEqual({ reward: 0, weight: 0.5 }); // issuer: insufficient funds
    expect(r(outcome(false, '91'), ctx)).toEqual({ reward: 0, weight: 1 }); // route: issuer unavailable
    expect(r(outcome(true, '51'), ctx)).toEqual({ reward: 1, weight: 1 }); // approvals always weigh 1
  });

  it('evaluates a reward expression over the outcome and the decision context', () => {
    const r = createRewardOf(createRewardFunction({ expression: 'approved * (1 - 10 * feeMinor / max(amountMinor, 1))', min: 0, max: 1 }));
    expect(r(outcome(true, '00', 100), ctx).reward).toBeCloseTo(0.9, 12);
    expect(r(outcome(false, '05', 100), ctx).reward).toBe(0);
    expect(r(outcome(true, '00', 100), { ...ctx, amountMinor: 500 }).reward).toBe(0); // clipped at min
  });

  it('reads ROUTE_REWARD, ROUTE_REWARD_MIN, ROUTE_REWARD_MAX and ROUTE_BLAME', () => {
    const c = loadConfig({ ROUTE_REWARD: 'approved - feeMinor / 100', ROUTE_REWARD_MIN: '-1', ROUTE_REWARD_MAX: '1', ROUTE_BLAME: 'issuer' });
    expect(c.reward).toEqual({ expression: 'approved - feeMinor / 100', min: -1, max: 1, blame: ISSUER_BLAME });
    expect(rewardOfConfig(c.reward)(outcome(true, '00', 50), ctx)).toEqual({ reward: 0.75, weight: 1 });
    expect(rewardOfConfig(c.reward)(outcome(false, '51', 0), ctx)).toEqual({ reward: 0.5, weight: 0.5 });
    expect(loadConfig({ ROUTE_BLAME: '{"issuerWeight":0.25,"unknownWeight":0}' }).reward.blame).toEqual({ issuerWeight: 0.25, ambiguousWeight: 1, unknownWeight: 0 });
    expect(loadConfig({ ROUTE_BLAME: 'off' }).reward.blame).toEqual(DEFAULT_BLAME);
  });

  it('reads RETRY_REWARD (+ _MIN, _MAX) and RETRY_BLAME for the retry policy, independently of the route reward', () => {
    const c = loadConfig({ RETRY_REWARD: 'approved * amountMinor / 100 - feeMinor / 100', RETRY_REWARD_MIN: '-1', RETRY_REWARD_MAX: '100', RETRY_BLAME: 'issuer' });
    expect(c.reward).toEqual(DEFAULT_REWARD_CONFIG);
    expect(c.retryReward).toEqual({ expression: 'approved * amountMinor / 100 - feeMinor / 100', min: -1, max: 100, blame: ISSUER_BLAME });
    // recovered 100.00 EUR at a 0.50 EUR retry fee: (100 - 0.5 + 1) / 101
    expect(rewardOfConfig(c.retryReward)(outcome(true, '00', 50), ctx).reward).toBeCloseTo(100.5 / 101, 12);
    expect(loadConfig({}).retryReward).toEqual(DEFAULT_REWARD_CONFIG);
  });

  it.each([
    ['ROUTE_REWARD', { ROUTE_REWARD: 'approved +' }],
    ['ROUTE_REWARD', { ROUTE_REWARD: 'approved * unknownSymbol' }],
    ['ROUTE_REWARD', { ROUTE_REWARD_MAX: '2' }],
    ['ROUTE_REWARD_MAX', { ROUTE_REWARD: 'approved', ROUTE_REWARD_MIN: '1', ROUTE_REWARD_MAX: '1' }],
    ['ROUTE_REWARD_MIN', { ROUTE_REWARD: 'approved', ROUTE_REWARD_MIN: 'low' }],
    ['ROUTE_BLAME', { ROUTE_BLAME: 'sometimes' }],
    ['ROUTE_BLAME', { ROUTE_BLAME: '[0.5]' }],
    ['ROUTE_BLAME', { ROUTE_BLAME: '{"issuerWeight":2}' }],
    ['ROUTE_BLAME', { ROUTE_BLAME: '{"routeWeight":0.5}' }],
    ['RETRY_REWARD', { RETRY_REWARD: 'approved * nope' }],
    ['RETRY_REWARD', { RETRY_REWARD_MIN: '-1' }],
    ['RETRY_REWARD_MAX', { RETRY_REWARD: 'approved', RETRY_REWARD_MIN: '2', RETRY_REWARD_MAX: '1' }],
    ['RETRY_BLAME', { RETRY_BLAME: 'always' }],
  ])('%s is rejected naming the variable (%j)', (name, env) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as InvalidConfigError).field).toBe(name);
    expect((err as Error).message.startsWith(`${name}: `)).toBe(true);
  });
});
