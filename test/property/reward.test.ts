import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blameWeight, createRewardFunction, ISSUER_BLAME, RESPONSE_CODES } from '../../policies/reward/index.ts';

const outcome = fc.record({
  approved: fc.boolean(),
  responseCode: fc.option(fc.oneof(fc.constantFrom(...Object.keys(RESPONSE_CODES)), fc.string({ minLength: 2, maxLength: 2 })), { nil: undefined }),
  feeMinor: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  latencyMs: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
});
const context = fc.record({
  amountMinor: fc.integer({ min: 0, max: 10_000_000 }),
  cardNetwork: fc.constantFrom('visa', 'mastercard', 'amex'),
  threeDS: fc.boolean(),
});

describe('reward and blame properties', () => {
  it('every reward is in [0, 1] and clips are counted', () => {
    const r = createRewardFunction({ expression: 'approved * (1 - feeMinor / max(amountMinor, 1)) - latencyMs / 10000 + equalText(cardNetwork, "visa") * 0.1', min: -1, max: 1 });
    fc.assert(
      fc.property(outcome, context, (o, c) => {
        const v = r.evaluate(o, c);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500, seed: 11 },
    );
    expect(r.stats.evaluated).toBeGreaterThanOrEqual(500);
    expect(r.stats.clippedLow + r.stats.clippedHigh).toBeLessThanOrEqual(r.stats.evaluated);
  });

  it('blame weights are in [0, 1] and approvals always weigh 1', () => {
    fc.assert(
      fc.property(outcome, fc.record({ issuerWeight: fc.double({ min: 0, max: 1, noNaN: true }), ambiguousWeight: fc.double({ min: 0, max: 1, noNaN: true }), unknownWeight: fc.double({ min: 0, max: 1, noNaN: true }) }), (o, opts) => {
        const w = blameWeight(o.responseCode, o.approved, opts);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThanOrEqual(1);
        if (o.approved) expect(w).toBe(1);
        expect(blameWeight(o.responseCode, o.approved, ISSUER_BLAME)).toBeGreaterThanOrEqual(0.5);
      }),
      { numRuns: 500, seed: 12 },
    );
  });
});
