import { describe, expect, it } from 'vitest';
import { createRewardFunction, REWARD_SYMBOLS } from '../../policies/reward/index.ts';
import { InvalidRewardExpressionError } from '../../policies/errors.ts';

const ctx = { amountMinor: 10_000, currency: 'EUR', cardNetwork: 'visa', cardType: 'credit', issuerCountry: 'DE', channel: 'ecom', mcc: '5411', threeDS: true };

describe('reward functions', () => {
  it('defaults to approval', () => {
    const r = createRewardFunction();
    expect(r.expression).toBeNull();
    expect(r.evaluate({ approved: true }, {})).toBe(1);
    expect(r.evaluate({ approved: false, responseCode: '05' }, {})).toBe(0);
  });

  it('evaluates a cost-sensitive expression and maps [min, max] onto [0, 1]', () => {
    const r = createRewardFunction({ expression: 'approved * (amountMinor - feeMinor) / max(amountMinor, 1)', min: 0, max: 1 });
    expect(r.evaluate({ approved: true, feeMinor: 250 }, ctx)).toBeCloseTo(0.975, 12);
    expect(r.evaluate({ approved: false, responseCode: '51' }, ctx)).toBe(0);
    const s = createRewardFunction({ expression: 'approved - latencyMs / 1000', min: -1, max: 1 });
    expect(s.evaluate({ approved: true, latencyMs: 500 }, ctx)).toBeCloseTo(0.75, 12);
  });

  it('exposes context text fields (compared with equalText) and blame indicators', () => {
    const r = createRewardFunction({ expression: 'approved + equalText(cardNetwork, "visa") - routeDecline', min: -1, max: 2 });
    expect(r.evaluate({ approved: true }, ctx)).toBeCloseTo(1, 12);
    expect(r.evaluate({ approved: false, responseCode: '91' }, { ...ctx, cardNetwork: 'amex' })).toBe(0);
    const i = createRewardFunction({ expression: 'issuerDecline', min: 0, max: 1 });
    expect(i.evaluate({ approved: false, responseCode: '51' }, ctx)).toBe(1);
    expect(i.evaluate({ approved: false, responseCode: '91' }, ctx)).toBe(0);
  });

  it('clips values outside the range and counts the clips', () => {
    const r = createRewardFunction({ expression: 'approved * 10 - 5', min: 0, max: 1 });
    expect(r.evaluate({ approved: true }, ctx)).toBe(1);
    expect(r.evaluate({ approved: false }, ctx)).toBe(0);
    expect(r.stats).toEqual({ evaluated: 2, clippedLow: 1, clippedHigh: 1 });
  });

  it.each([
    ['approved +', /parse error/],
    ['approvd', /unknown symbol "approvd"/],
    ['foo(approved)', /unknown or forbidden function "foo"/],
    ['evaluate("1")', /forbidden function "evaluate"/],
    ['x = approved', /assignments/],
    ['approved; 1', /assignments and multiple statements/],
    ['feeMinor / (approved - approved)', /not a finite number/],
    ['approved * (amountMinor - feeMinor) / amountMinor', /not a finite number/], // amountMinor = 0 probe
    ['cardNetwork == "visa"', /evaluation failed/],
    ['responseCode', /not a finite number|evaluation failed/],
  ])('rejects %s at load, naming the expression', (expression, message) => {
    let err: unknown;
    try {
      createRewardFunction({ expression, min: 0, max: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRewardExpressionError);
    expect((err as Error).message).toContain(`"${expression}"`);
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a missing or inverted range', () => {
    expect(() => createRewardFunction({ expression: 'approved', min: 1, max: 1 })).toThrow(InvalidRewardExpressionError);
    expect(() => createRewardFunction({ expression: 'approved', min: 0, max: NaN })).toThrow(/min < max/);
    expect(() => createRewardFunction({ expression: '  ', min: 0, max: 1 })).toThrow(/non-empty/);
  });

  it('documents every symbol it fills', () => {
    expect(Object.keys(REWARD_SYMBOLS)).toContain('feeMinor');
    const r = createRewardFunction({ expression: Object.keys(REWARD_SYMBOLS).filter((k) => !['responseCode', 'currency', 'cardNetwork', 'cardType', 'issuerCountry', 'channel', 'mcc'].includes(k)).join(' + '), min: 0, max: 1e6 });
    expect(r.evaluate({ approved: true, feeMinor: 1, latencyMs: 1 }, ctx)).toBeGreaterThan(0);
  });
});
