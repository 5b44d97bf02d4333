import { describe, expect, it } from 'vitest';
import { Rng } from '../../policies/core/rng.ts';
import { DEFAULT_DELAY_BUCKETS, parseActionId } from '../../policies/retry/actions.ts';
import type { RetryContext } from '../../policies/retry/context.ts';
import { createFixedSchedulePolicy } from '../../policies/retry/fixed.ts';
import { RetryPolicy } from '../../policies/retry/retry-policy.ts';
import { allowedActions, classifyDecline, type DeclineContext } from '../../policies/retry/rules.ts';
import { RESPONSE_CODES, RETRY_RULES } from '../../policies/retry/rules-table.ts';

const NOW = Date.UTC(2026, 10, 22, 10);
const SPACE = { delays: DEFAULT_DELAY_BUCKETS, maxActions: 32, maxRetriesPerPayment: 3 };
const base: DeclineContext = { cardNetwork: 'visa', declineCode: '51', attempt: 1, previousRoute: 'acq-a', routes: ['acq-a', 'acq-b', 'acq-c'] };
const noHistory = { reattemptsAtMs: [] };

function verdict(d: Partial<DeclineContext>, history: readonly number[] = []) {
  return allowedActions({ ...base, ...d }, { reattemptsAtMs: history }, SPACE, NOW);
}

describe('rules table', () => {
  it('has unique codes and rule names that are stable slugs', () => {
    expect(new Set(RESPONSE_CODES.map((r) => r.code)).size).toBe(RESPONSE_CODES.length);
    for (const r of RETRY_RULES) expect(r.name).toMatch(/^[a-z0-9-]+$/);
    for (const r of RESPONSE_CODES) expect(r.code).toMatch(/^[0-9A-Z]{2}$/);
  });

  it('classifies codes: Visa categories, kinds, unknown codes as Category 4', () => {
    expect(classifyDecline('visa', '51')).toMatchObject({ category: 2, kind: 'insufficient-funds', known: true });
    expect(classifyDecline('visa', '05')).toMatchObject({ category: 4, kind: 'do-not-honor' });
    expect(classifyDecline('visa', 'Q7')).toMatchObject({ category: 4, kind: 'generic', known: false });
    expect(classifyDecline('mastercard', '65')).toMatchObject({ kind: 'authentication-required' });
    expect(classifyDecline('visa', '65')).toMatchObject({ kind: 'limit-exceeded', category: 2 });
  });
});

describe('allowedActions', () => {
  it('stops hard declines on every network with the card state as reason', () => {
    expect(verdict({ declineCode: '43', cardNetwork: 'amex' })).toMatchObject({ action: 'stop', reason: 'hard-decline-stolen-card' });
    expect(verdict({ declineCode: '54', cardNetwork: 'visa' })).toMatchObject({ action: 'stop', reason: 'hard-decline-expired-card' });
    expect(verdict({ declineCode: '41', cardNetwork: 'visa' })).toMatchObject({ action: 'stop', reason: 'hard-decline-lost-card' });
  });

  it('stops Visa category 1 and Mastercard MAC 03 / 21', () => {
    expect(verdict({ declineCode: '57' })).toMatchObject({ action: 'stop', reason: 'visa-category-1-never-approve' });
    expect(verdict({ declineCode: '57', cardNetwork: 'mastercard' })).toMatchObject({ action: 'retry' });
    expect(verdict({ cardNetwork: 'mastercard', merchantAdviceCode: '03' })).toMatchObject({ action: 'stop', reason: 'mastercard-mac-03-do-not-try-again' });
    expect(verdict({ cardNetwork: 'mastercard', merchantAdviceCode: '21' })).toMatchObject({ action: 'stop', reason: 'mastercard-mac-21-payment-cancelled' });
    // the MAC is Mastercard's: ignored on Visa
    expect(verdict({ cardNetwork: 'visa', merchantAdviceCode: '03' })).toMatchObject({ action: 'retry' });
  });

  it('respects Mastercard MAC windows, adding the window itself when no bucket matches', () => {
    const v25 = verdict({ cardNetwork: 'mastercard', merchantAdviceCode: '25' });
    expect(v25.action).toBe('retry');
    if (v25.action !== 'retry') return;
    expect(new Set(v25.actions.map((a) => a.delaySeconds))).toEqual(new Set([86400, 259200]));
    const v27 = verdict({ cardNetwork: 'mastercard', merchantAdviceCode: '27' });
    if (v27.action !== 'retry') throw new Error('expected retry');
    expect(v27.actions.map((a) => a.delaySeconds)).toEqual([345600, 345600, 345600]);
    const v02 = verdict({ cardNetwork: 'mastercard', merchantAdviceCode: '02' });
    if (v02.action !== 'retry') throw new Error('expected retry');
    expect(Math.min(...v02.actions.map((a) => a.delaySeconds))).toBe(3600);
  });

  it('answers 3-D Secure soft declines with authentication only, soon, any route', () => {
    for (const [cardNetwork, declineCode] of [
      ['visa', '1A'],
      ['mastercard', '65'],
    ] as const) {
      const v = verdict({ cardNetwork, declineCode });
      if (v.action !== 'retry') throw new Error('expected retry');
      expect(v.requires3DS).toBe(true);
      expect(v.requiresCardUpdate).toBe(false);
      expect(Math.max(...v.actions.map((a) => a.delaySeconds))).toBeLessThanOrEqual(300);
      expect(v.actions.map((a) => a.id)).toContain('0@acq-a');
    }
  });

  it('never retries at once on the route that declined (unless authenticated)', () => {
    const v = verdict({ declineCode: '91' });
    if (v.action !== 'retry') throw new Error('expected retry');
    expect(v.actions.map((a) => a.id)).not.toContain('0@acq-a');
    expect(v.actions.map((a) => a.id)).toContain('0@acq-b');
    expect(verdict({ declineCode: '91', routes: ['acq-a'] })).toMatchObject({ action: 'retry' });
  });

  it('counts reattempts over rolling windows and the payment’s own attempts', () => {
    const day = 86_400_000;
    const fourteen = Array.from({ length: 14 }, (_, i) => NOW - i * day);
    expect(verdict({}, fourteen)).toMatchObject({ action: 'retry', counted: 14 });
    expect(verdict({}, [...fourteen, NOW - 29 * day])).toMatchObject({ action: 'stop', reason: 'visa-excessive-reattempts-15-in-30-days' });
    expect(verdict({}, [...fourteen, NOW - 31 * day])).toMatchObject({ action: 'retry' });
    // scheduled (future) reattempts count too
    expect(verdict({}, [...fourteen, NOW + 2 * day])).toMatchObject({ action: 'stop' });
    // 20 in 24 h for Mastercard
    const twenty = Array.from({ length: 20 }, (_, i) => NOW - i * 60_000);
    expect(verdict({ cardNetwork: 'mastercard' }, twenty)).toMatchObject({ action: 'stop', reason: 'mastercard-excessive-attempts-20-in-24-hours' });
    // the per-payment budget
    expect(verdict({ attempt: 4 })).toMatchObject({ action: 'stop', reason: 'retry-budget-per-payment-exhausted' });
    expect(allowedActions({ ...base, attempt: 16 }, noHistory, { ...SPACE, maxRetriesPerPayment: 15 }, NOW)).toMatchObject({
      action: 'stop',
      reason: 'visa-excessive-reattempts-15-in-30-days',
    });
  });

  it('caps the action count at maxActions', () => {
    const routes = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const v = allowedActions({ ...base, routes, previousRoute: 'r0' }, noHistory, SPACE, NOW);
    if (v.action !== 'retry') throw new Error('expected retry');
    expect(v.actions.length).toBeLessThanOrEqual(32);
    expect(new Set(v.actions.map((a) => a.id)).size).toBe(v.actions.length);
  });
});

describe('retry policy with the fixed schedule', () => {
  const req = (attempt: number, extra: Partial<RetryContext> = {}): RetryContext => ({
    transactionId: 'tx-1',
    merchantId: 'm-1',
    amountMinor: 2500,
    currency: 'EUR',
    cardNetwork: 'visa',
    cardType: 'debit',
    issuerCountry: 'FR',
    channel: 'recurring',
    mcc: '4899',
    threeDS: false,
    occurredAtMs: NOW,
    attempt,
    declineCode: '51',
    previousRoute: 'acq-b',
    ...extra,
  });
  const policy = new RetryPolicy(createFixedSchedulePolicy());
  const rng = new Rng(1);

  it('retries the same route after 1 h, 24 h, 72 h, then stops', () => {
    const routes = ['acq-a', 'acq-b'];
    expect(policy.decide(req(1), routes, noHistory, rng)).toMatchObject({ action: 'retry', delaySeconds: 3600, route: 'acq-b', propensity: 1 });
    expect(policy.decide(req(2), routes, noHistory, rng)).toMatchObject({ action: 'retry', delaySeconds: 86400, route: 'acq-b' });
    expect(policy.decide(req(3), routes, noHistory, rng)).toMatchObject({ action: 'retry', delaySeconds: 259200, route: 'acq-b' });
    expect(policy.decide(req(4), routes, noHistory, rng)).toMatchObject({ action: 'stop', reason: 'retry-budget-per-payment-exhausted' });
  });

  it('moves to the nearest allowed delay when a rule forbids the scheduled one', () => {
    const d = policy.decide(req(1, { cardNetwork: 'mastercard', merchantAdviceCode: '26' }), ['acq-a', 'acq-b'], noHistory, rng);
    expect(d).toMatchObject({ action: 'retry', delaySeconds: 172800, route: 'acq-b' }); // MAC 26: the 2-day window itself
    const auth = policy.decide(req(1, { declineCode: '1A' }), ['acq-a', 'acq-b'], noHistory, rng);
    expect(auth).toMatchObject({ action: 'retry', delaySeconds: 300, route: 'acq-b', requires3DS: true });
    if (auth.action === 'retry') expect(auth.reason).toMatch(/3-D Secure/);
  });

  it('stratifies arm ids for non-contextual policies and parses them back', () => {
    const d = policy.decide(req(2, { declineCode: '91' }), ['acq-a', 'acq-b'], noHistory, rng);
    if (d.action !== 'retry') throw new Error('expected retry');
    expect(d.chosen).toBe('issuer-unavailable#2|86400@acq-b');
    expect(parseActionId(d.chosen)).toEqual({ delaySeconds: 86400, route: 'acq-b' });
    expect(d.candidates.every((c) => c.startsWith('issuer-unavailable#2|'))).toBe(true);
  });

  it('rejects bad fixed-schedule params naming the field', () => {
    expect(() => createFixedSchedulePolicy({ schedule: [3600, 60] })).toThrow(/fixed\.schedule/);
    expect(() => createFixedSchedulePolicy({ nope: 1 })).toThrow(/fixed\.nope/);
    const p = createFixedSchedulePolicy({ schedule: [60] });
    const snap = p.snapshot();
    const q = createFixedSchedulePolicy();
    q.restore(snap);
    expect(q.params()).toEqual({ schedule: [60], floor: 0 });
    expect(() => createFixedSchedulePolicy({ floor: -0.1 })).toThrow(/fixed\.floor/);
    expect(() => createFixedSchedulePolicy({ floor: 0.9 })).toThrow(/fixed\.floor/);
  });

  it('with a floor, keeps every allowed action evaluable: probabilities >= floor summing to 1, the schedule most likely', () => {
    const floored = new RetryPolicy(createFixedSchedulePolicy({ floor: 0.02 }));
    const routes = ['acq-a', 'acq-b'];
    const counts = new Map<string, number>();
    const r = new Rng(5);
    for (let i = 0; i < 2000; i++) {
      const d = floored.decide(req(1), routes, noHistory, r);
      if (d.action !== 'retry') throw new Error('expected retry');
      const sum = d.probabilities.reduce((s, x) => s + x, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
      for (const x of d.probabilities) expect(x).toBeGreaterThanOrEqual(0.02 - 1e-12);
      expect(d.propensity).toBe(d.probabilities[d.candidates.indexOf(d.chosen)]);
      const key = `${d.delaySeconds}@${d.route}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const scheduled = counts.get('3600@acq-b') ?? 0;
    // the scheduled action has probability 1 - (n - 1) * 0.02; every other allowed action is drawn too
    expect(scheduled / 2000).toBeGreaterThan(0.6);
    expect(counts.size).toBeGreaterThan(5);
  });
});
