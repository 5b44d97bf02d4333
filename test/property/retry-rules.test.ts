import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CARD_NETWORKS, type CardNetwork } from '../../policies/core/context.ts';
import { Rng } from '../../policies/core/rng.ts';
import { createRandomPolicy } from '../../policies/baselines/random.ts';
import { DEFAULT_DELAY_BUCKETS, parseActionId } from '../../policies/retry/actions.ts';
import type { RetryContext } from '../../policies/retry/context.ts';
import { createFixedSchedulePolicy } from '../../policies/retry/fixed.ts';
import { RetryPolicy } from '../../policies/retry/retry-policy.ts';
import { allowedActions, type DeclineContext } from '../../policies/retry/rules.ts';

// The network rules restated independently of policies/retry/rules-table.ts (from the issue and the sources
// in docs/retry.md), so a wrong table row fails here.
const VISA_CATEGORY_1 = ['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3'];
const HARD = ['04', '07', '14', '15', '33', '34', '41', '43', '46', '54'];
const MAC_NEVER = ['03', '21'];
const MAC_WAIT: Record<string, number> = { '24': 3600, '25': 86400, '26': 2 * 86400, '27': 4 * 86400, '28': 6 * 86400, '29': 8 * 86400, '30': 10 * 86400 };
const DAY_MS = 86_400_000;
/** [windowMs, max] per network; other networks: 15 in 30 days. */
const LIMITS: Record<string, [number, number][]> = {
  visa: [[30 * DAY_MS, 15]],
  mastercard: [
    [30 * DAY_MS, 35],
    [DAY_MS, 20],
  ],
};

const CODES = ['00', '01', '03', '04', '05', '07', '12', '13', '14', '15', '19', '33', '34', '41', '43', '46', '51', '54', '55', '57', '59', '61', '62', '65', '6P', '75', '78', '82', '91', '93', '96', '1A', 'N7', 'R0', 'R1', 'R3', 'Z9'];
const MACS = ['01', '02', '03', '04', '21', '22', '24', '25', '26', '27', '28', '29', '30', '40', '99'];
const NOW = Date.UTC(2026, 10, 22, 10);

const declineArb = fc.record({
  cardNetwork: fc.constantFrom<CardNetwork>(...CARD_NETWORKS),
  declineCode: fc.oneof(fc.constantFrom(...CODES), fc.stringMatching(/^[0-9A-Z]{2}$/)),
  merchantAdviceCode: fc.option(fc.constantFrom(...MACS), { nil: undefined }),
  attempt: fc.integer({ min: 1, max: 40 }),
  routes: fc.uniqueArray(fc.constantFrom('acq-a', 'acq-b', 'acq-c', 'acq-d', 'acq-e', 'acq-f', 'acq-g'), { minLength: 1, maxLength: 7 }),
  previousIndex: fc.nat(),
  firstAttemptAgoMs: fc.option(fc.integer({ min: 0, max: 40 * DAY_MS }), { nil: undefined }),
});
// Reattempts of the card: past ones (up to 40 days back) and scheduled ones (up to 10 days ahead).
// The dense variants put the count right at the limits (15 in 30 days, 20 in 24 hours, 35 in 30 days).
const historyArb = fc.oneof(
  fc.array(fc.integer({ min: -40 * DAY_MS, max: 10 * DAY_MS }), { maxLength: 50 }),
  fc.array(fc.integer({ min: -29 * DAY_MS, max: 3 * DAY_MS }), { minLength: 12, maxLength: 18 }),
  fc.array(fc.integer({ min: -DAY_MS + 1, max: DAY_MS }), { minLength: 17, maxLength: 22 }),
  fc.array(fc.integer({ min: -29 * DAY_MS, max: 3 * DAY_MS }), { minLength: 32, maxLength: 38 }),
);
const budgetArb = fc.integer({ min: 1, max: 15 });

type RawDecline = typeof declineArb extends fc.Arbitrary<infer T> ? T : never;

function toDecline(d: RawDecline): DeclineContext {
  return {
    cardNetwork: d.cardNetwork,
    declineCode: d.declineCode,
    merchantAdviceCode: d.merchantAdviceCode,
    attempt: d.attempt,
    routes: d.routes,
    previousRoute: d.routes[d.previousIndex % d.routes.length]!,
    firstAttemptAtMs: d.firstAttemptAgoMs === undefined ? undefined : NOW - d.firstAttemptAgoMs,
  };
}

/** Every rule a retry must respect; returns the broken one or undefined. */
function brokenRule(d: DeclineContext, history: readonly number[], delaySeconds: number, route: string, requires3DS: boolean): string | undefined {
  if (HARD.includes(d.declineCode)) return 'hard decline retried';
  if (d.cardNetwork === 'visa' && VISA_CATEGORY_1.includes(d.declineCode)) return 'Visa category 1 retried';
  if (d.cardNetwork === 'mastercard' && d.merchantAdviceCode && MAC_NEVER.includes(d.merchantAdviceCode)) return 'MAC 03/21 retried';
  const wait = d.cardNetwork === 'mastercard' && d.merchantAdviceCode ? MAC_WAIT[d.merchantAdviceCode] : undefined;
  if (wait !== undefined && delaySeconds < wait) return `MAC ${d.merchantAdviceCode} window ${wait}s not respected (${delaySeconds}s)`;
  const at = NOW + delaySeconds * 1000;
  for (const [windowMs, max] of LIMITS[d.cardNetwork] ?? [[30 * DAY_MS, 15]]) {
    // every window containing the new reattempt
    const inWindow = history.filter((t) => t > at - windowMs && t <= at + windowMs).length;
    const paymentOwn = d.firstAttemptAtMs === undefined || d.firstAttemptAtMs > at - windowMs ? d.attempt - 1 : 0;
    if (Math.max(inWindow, paymentOwn) + 1 > max) return `limit ${max} in ${windowMs / DAY_MS} days exceeded`;
  }
  if (!d.routes.includes(route)) return 'route not among the candidates';
  const threeDS = (d.cardNetwork === 'visa' && d.declineCode === '1A') || (d.cardNetwork === 'mastercard' && d.declineCode === '65');
  if (threeDS && !requires3DS) return '3-D Secure soft decline answered without authentication';
  if (delaySeconds === 0 && route === d.previousRoute && !threeDS) return 'immediate retry on the declining route';
  return undefined;
}

describe('retry rules: no answer breaks a network rule', () => {
  it('allowedActions only offers actions every rule allows', () => {
    fc.assert(
      fc.property(declineArb, historyArb, budgetArb, (raw, offsets, budget) => {
        const d = toDecline(raw);
        const history = offsets.map((o) => NOW + o);
        const verdict = allowedActions(d, { reattemptsAtMs: history }, { delays: DEFAULT_DELAY_BUCKETS, maxActions: 32, maxRetriesPerPayment: budget }, NOW);
        if (verdict.action === 'stop') {
          expect(verdict.reason).toMatch(/^[a-z0-9-]+$/);
          return;
        }
        expect(verdict.actions.length).toBeGreaterThan(0);
        expect(verdict.actions.length).toBeLessThanOrEqual(32);
        expect(d.attempt - 1).toBeLessThan(budget);
        for (const a of verdict.actions) {
          expect(brokenRule(d, history, a.delaySeconds, a.route, verdict.requires3DS)).toBeUndefined();
          expect(parseActionId(a.id)).toEqual({ delaySeconds: a.delaySeconds, route: a.route });
        }
      }),
      { numRuns: 3000, seed: 20261122 },
    );
  });

  it('never-retry declines always stop, naming the rule', () => {
    fc.assert(
      fc.property(declineArb, historyArb, (raw, offsets) => {
        const d = toDecline(raw);
        const verdict = allowedActions(d, { reattemptsAtMs: offsets.map((o) => NOW + o) }, { delays: DEFAULT_DELAY_BUCKETS, maxActions: 32, maxRetriesPerPayment: 15 }, NOW);
        const hard = HARD.includes(d.declineCode);
        const cat1 = d.cardNetwork === 'visa' && VISA_CATEGORY_1.includes(d.declineCode);
        const macNever = d.cardNetwork === 'mastercard' && d.merchantAdviceCode !== undefined && MAC_NEVER.includes(d.merchantAdviceCode);
        if (hard) expect(verdict).toMatchObject({ action: 'stop', reason: expect.stringMatching(/^hard-decline-/) as unknown });
        else if (macNever) expect(verdict).toMatchObject({ action: 'stop', reason: expect.stringMatching(/^mastercard-mac-(03|21)-/) as unknown });
        else if (cat1) expect(verdict).toMatchObject({ action: 'stop', reason: 'visa-category-1-never-approve' });
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it.each([
    ['random', () => createRandomPolicy()],
    ['fixed', () => createFixedSchedulePolicy()],
  ])('the retry policy (%s inside) only answers allowed actions', (_name, make) => {
    const policy = new RetryPolicy(make());
    const rng = new Rng(1);
    fc.assert(
      fc.property(declineArb, historyArb, fc.string({ minLength: 1, maxLength: 12 }), (raw, offsets, tx) => {
        const d = toDecline(raw);
        const history = offsets.map((o) => NOW + o);
        const req: RetryContext = {
          transactionId: tx,
          merchantId: 'm-1',
          amountMinor: 1000,
          currency: 'EUR',
          cardNetwork: d.cardNetwork,
          cardType: 'credit',
          issuerCountry: 'DE',
          channel: 'ecom',
          mcc: '5411',
          threeDS: false,
          occurredAtMs: NOW,
          attempt: d.attempt,
          declineCode: d.declineCode,
          previousRoute: d.previousRoute,
          ...(d.merchantAdviceCode === undefined ? {} : { merchantAdviceCode: d.merchantAdviceCode }),
          ...(d.firstAttemptAtMs === undefined ? {} : { firstAttemptAtMs: d.firstAttemptAtMs }),
        };
        rng.reseed(42, tx);
        const decision = policy.decide(req, d.routes, { reattemptsAtMs: history }, rng);
        if (decision.action === 'stop') return;
        expect(brokenRule(d, history, decision.delaySeconds, decision.route, decision.requires3DS)).toBeUndefined();
        expect(decision.propensity).toBeGreaterThan(0);
        expect(decision.propensity).toBeLessThanOrEqual(1);
        expect(d.attempt - 1).toBeLessThan(policy.space.maxRetriesPerPayment);
      }),
      { numRuns: 1500, seed: 99 },
    );
  });
});
