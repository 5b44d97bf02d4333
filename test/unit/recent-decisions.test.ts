/**
 * The recent-decision cache and the in-memory store: memory follows the TTL, also when longer-lived (retry)
 * records are mixed in.
 */
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/decisions/decision-record.ts';
import { RecentDecisions } from '../../src/decisions/recent-decisions.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';

const record = (decisionId: string, kind: 'route' | 'retry' = 'route'): DecisionRecord => ({
  type: 'decision',
  decisionId,
  kind,
  at: new Date(0).toISOString(),
  policy: 'p',
  policyVersion: 'p/1',
  seed: 1,
  key: decisionId,
  observations: 0,
  context: { transactionId: decisionId, merchantId: 'm', amountMinor: 1, currency: 'EUR', cardNetwork: 'visa', cardType: 'debit', issuerCountry: 'DE', channel: 'ecom', mcc: '5411', threeDS: false, occurredAtMs: 0 },
  candidates: ['a'],
  probabilities: [1],
  scores: [0],
  chosen: 'a',
  propensity: 1,
});

describe('RecentDecisions', () => {
  it('drops expired entries as it goes, so it holds about one TTL of decisions', () => {
    let now = 0;
    const cache = new RecentDecisions(1_000_000, 1000, () => now);
    for (let i = 0; i < 10_000; i++) {
      now = i; // one decision per ms, TTL 1000 ms
      cache.add(`route:${i}`, record(`d-${i}`), now);
    }
    expect(cache.size).toBeLessThanOrEqual(1010);
    expect(cache.byDecisionId('d-9999')).toBeDefined();
    expect(cache.byDecisionId('d-100')).toBeUndefined();
  });

  it('a longer-lived retry record at the front does not hold up the expiry of the route records behind it, and lives its own TTL', () => {
    let now = 0;
    const cache = new RecentDecisions(1_000_000, 1000, () => now);
    cache.add('retry:x', record('r-long', 'retry'), 0, 60_000);
    for (let i = 1; i < 10_000; i++) {
      now = i;
      cache.add(`route:${i}`, record(`d-${i}`), now);
    }
    expect(cache.size).toBeLessThanOrEqual(1011);
    expect(cache.byDecisionId('r-long')).toBeDefined();
    now = 60_001;
    expect(cache.byDecisionId('r-long')).toBeUndefined();
  });
});

describe('MemoryStore expiry', () => {
  it('a longer-lived retry record written first does not hold up the expiry of the route records after it', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    await store.claimDecision({ transactionKey: 'retry:x', decisionId: 'r-long', recordJson: '{}', ttlMs: 60_000 });
    for (let i = 1; i < 10_000; i++) {
      now = i;
      await store.claimDecision({ transactionKey: `route:${i}`, decisionId: `d-${i}`, recordJson: '{}', ttlMs: 1000 });
    }
    expect(store.decisionCount).toBeLessThanOrEqual(1011);
    expect(await store.getDecision('r-long')).toBe('{}');
    expect(await store.getDecision('d-9999')).toBe('{}');
    now = 60_001;
    expect(await store.getDecision('r-long')).toBeNull();
  });
});
