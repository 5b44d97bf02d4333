import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../policies/core/rng.ts';
import { createWorld, SCENARIO_NAMES } from '../../simulator/worlds/index.ts';

const worlds = SCENARIO_NAMES.map((s) => createWorld(s, { horizon: 1000 }));

describe('world properties', () => {
  it('probabilities are in [0, 1] and never above the issuer bound, for any context (also foreign values)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: worlds.length - 1 }),
        fc.record({
          merchantId: fc.oneof(fc.constantFrom('m-fashion-de', 'm-games-us', 'm-electronics-jp'), fc.string()),
          amountMinor: fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.constant(-5)),
          currency: fc.constantFrom('EUR', 'USD', 'JPY', 'XXX'),
          cardNetwork: fc.constantFrom('visa', 'mastercard', 'amex', 'jcb', 'unionpay', 'discover', 'other', 'weird'),
          cardType: fc.constantFrom('credit', 'debit', 'prepaid', 'gift'),
          issuerCountry: fc.constantFrom('DE', 'US', 'JP', 'MX', 'BR', ''),
          channel: fc.constantFrom('ecom', 'recurring', 'moto', 'pos', 'atm'),
          mcc: fc.constantFrom('5411', '7995', '0000'),
          threeDS: fc.boolean(),
        }),
        fc.integer({ min: 0, max: 2000 }),
        (w, ctx, t) => {
          const world = worlds[w]!;
          const q = world.issuerApprovalProbability(ctx);
          for (const route of world.routes) {
            const p = world.approvalProbability(ctx, route, t);
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThanOrEqual(q);
          }
          const cands = world.candidatesFor({ ...ctx, occurredAtMs: 0 }, t);
          expect(cands.length).toBeGreaterThan(0);
          const best = world.approvalProbability(ctx, world.oracleRoute(ctx, cands, t), t);
          for (const r of cands) expect(best).toBeGreaterThanOrEqual(world.approvalProbability(ctx, r, t));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a transaction and its outcome depend only on (seed, t, route)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: worlds.length - 1 }), fc.integer(), fc.integer({ min: 0, max: 999 }), (w, seed, t) => {
        const world = worlds[w]!;
        const r1 = new Rng(seed, `ctx:${t}`);
        const r2 = new Rng(seed + 1);
        r2.reseed(seed, `ctx:${t}`);
        const a = world.transactionAt(t, r1);
        const b = world.transactionAt(t, r2);
        expect(b).toEqual(a);
        const route = a.candidates[0]!;
        expect(world.sampleOutcome(a.context, route, t, r1.reseed(seed, 'o'))).toEqual(world.sampleOutcome(b.context, route, t, r2.reseed(seed, 'o')));
      }),
      { numRuns: 200 },
    );
  });
});
