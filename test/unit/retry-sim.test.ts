import { describe, expect, it } from 'vitest';
import { Rng } from '../../policies/core/rng.ts';
import { runRetrySimulation } from '../../simulator/online/retry-runner.ts';
import { auditRetry } from '../../simulator/worlds/retry/compliance.ts';
import { recoveryProbability, type RetryTruth } from '../../simulator/worlds/retry/truth.ts';
import { createRetryWorld } from '../../simulator/worlds/retry/world.ts';

const T0 = Date.UTC(2026, 10, 1);
const H = 3_600_000;
const truth = (t: Partial<RetryTruth>): RetryTruth => ({
  kind: 'insufficient-funds',
  never: false,
  readyAtMs: T0 + 30 * H,
  presentUntilMs: T0 + 600_000,
  firstRoute: 'acq-a',
  firstDeclineAtMs: T0,
  ...t,
});

describe('retry world ground truth', () => {
  it('insufficient funds recover after the money arrives, not before', () => {
    expect(recoveryProbability(truth({}), 'acq-a', T0 + H)).toBeLessThan(0.05);
    expect(recoveryProbability(truth({}), 'acq-a', T0 + 31 * H)).toBeGreaterThan(0.8);
  });
  it('an unavailable issuer recovers at once on another acquirer, later on the same', () => {
    const t = truth({ kind: 'issuer-unavailable', readyAtMs: T0 + 900_000 });
    expect(recoveryProbability(t, 'acq-b', T0)).toBeGreaterThan(0.8);
    expect(recoveryProbability(t, 'acq-a', T0)).toBeLessThan(0.05);
    expect(recoveryProbability(t, 'acq-a', T0 + H)).toBeGreaterThan(0.8);
  });
  it('hard declines and MAC 03 never recover', () => {
    expect(recoveryProbability(truth({ kind: 'hard', readyAtMs: Infinity }), 'acq-b', T0 + 1000 * H)).toBe(0);
    expect(recoveryProbability(truth({ never: true }), 'acq-b', T0 + 1000 * H)).toBe(0);
  });
  it('draws reproducible payments with aligned pass-through', () => {
    const world = createRetryWorld('mixed', { payments: 100 });
    const a = world.paymentAt(7, new Rng(3, 'pay:7'));
    const b = world.paymentAt(7, new Rng(3, 'pay:7'));
    expect(a).toEqual(b);
    expect(a.passThrough.length).toBe(a.candidates.length);
    expect(a.candidates).toContain(a.firstRoute);
    expect(() => createRetryWorld('nope')).toThrow(/scenario/);
  });
});

describe('retry compliance auditor', () => {
  const base = { cardNetwork: 'visa', declineCode: '51', declinedAtMs: T0, retryAtMs: T0 + H, earlierRetriesAtMs: [] as number[] };
  it('flags forbidden retries', () => {
    expect(auditRetry(base)).toBeUndefined();
    expect(auditRetry({ ...base, declineCode: '43' })).toMatch(/hard/);
    expect(auditRetry({ ...base, declineCode: '57' })).toMatch(/category 1/);
    expect(auditRetry({ ...base, cardNetwork: 'mastercard', merchantAdviceCode: '21' })).toMatch(/MAC 21/);
    expect(auditRetry({ ...base, cardNetwork: 'mastercard', merchantAdviceCode: '25' })).toMatch(/window/);
    const fifteen = Array.from({ length: 15 }, (_, i) => T0 - i * H);
    expect(auditRetry({ ...base, earlierRetriesAtMs: fifteen.slice(1) })).toBeUndefined();
    expect(auditRetry({ ...base, earlierRetriesAtMs: fifteen })).toMatch(/15 reattempts/);
  });
});

describe('retry simulation', () => {
  const world = createRetryWorld('mixed', { payments: 1500 });
  it('never breaks a rule, is reproducible, and the oracle bounds the fixed schedule', () => {
    const fixed = runRetrySimulation({ world, policy: 'fixed', seed: 5 });
    const again = runRetrySimulation({ world, policy: 'fixed', seed: 5 });
    const oracle = runRetrySimulation({ world, policy: 'oracle', seed: 5 });
    const linucb = runRetrySimulation({ world, policy: 'linucb', seed: 5 });
    expect(again).toEqual(fixed);
    for (const r of [fixed, oracle, linucb]) {
      expect(r.violations).toBe(0);
      expect(r.hardRetries).toBe(0);
      expect(r.softDeclines).toBe(fixed.softDeclines);
      expect(r.recovered).toBeLessThanOrEqual(r.softDeclines);
      expect(r.retries).toBeLessThanOrEqual(3 * r.softDeclines);
    }
    expect(oracle.recoveredShare).toBeGreaterThan(fixed.recoveredShare);
    expect(fixed.recoveredShare).toBeGreaterThan(0.3);
    expect(fixed.stops['hard-decline-lost-card']).toBeGreaterThan(0);
  });
});
