/**
 * The recent-decision cache and the in-memory store: memory follows the TTL, also when longer-lived (retry)
 * records are mixed in.
 */
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/decisions/decision-record.ts';
import { CachedDecisions, StoreDecisions } from '../../src/decisions/recent-decisions.ts';
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
    const cache = new CachedDecisions(1_000_000, 1000, () => now);
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
    const cache = new CachedDecisions(1_000_000, 1000, () => now);
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

/** A write for `MemoryStore.claimDecision` (as the decision service writes it). */
const write = (txKey: string, decisionId: string, ttlMs = 1000) => {
  const recordJson = JSON.stringify(record(decisionId));
  return { transactionKey: txKey, decisionId, recordJson, ttlMs };
};

describe('RecentDecisions sharing the in-memory store entries (embedded mode)', () => {
  it('holds no entries of its own: what the store claimed is found by transaction and by id, persisted, until its TTL', () => {
    let now = 1000;
    const store = new MemoryStore({ now: () => now });
    const cache = new StoreDecisions(store);
    expect(cache.byTransactionId('route:t1')).toBeUndefined();
    cache.add('route:t1', record('d-1'), now, 1000, '{}'); // the store's claim keeps it, not the cache
    expect(cache.byTransactionId('route:t1')).toBeUndefined();
    expect(store.claimDecisionNow(write('route:t1', 'd-1'))).toBeNull();
    expect(cache.byTransactionId('route:t1')).toEqual(record('d-1'));
    expect(cache.byDecisionId('d-1')).toEqual(record('d-1'));
    expect(cache.isPersisted('d-1')).toBe(true);
    expect(cache.persistedByDecisionId('d-1')).toEqual(record('d-1'));
    expect(cache.size).toBe(1);
    // a second claim of the transaction within the TTL answers the first decision and writes nothing
    expect(store.claimDecisionNow(write('route:t1', 'd-2'))).toBe(JSON.stringify(record('d-1')));
    expect(cache.byDecisionId('d-2')).toBeUndefined();
    now = 1999;
    expect(cache.byTransactionId('route:t1')?.decisionId).toBe('d-1');
    now = 2000; // the TTL is over: gone from the cache and the store alike
    expect(cache.byTransactionId('route:t1')).toBeUndefined();
    expect(cache.byDecisionId('d-1')).toBeUndefined();
    expect(cache.isPersisted('d-1')).toBe(false);
    expect(store.claimDecisionNow(write('route:t1', 'd-3'))).toBeNull();
    expect(cache.byTransactionId('route:t1')?.decisionId).toBe('d-3');
  });

  it('a claim after a cache miss still answers a decision written in between (the miss is not trusted past a write)', async () => {
    const store = new MemoryStore();
    const cache = new StoreDecisions(store);
    expect(cache.byTransactionId('route:t1')).toBeUndefined();
    await store.putDecisions([write('route:t1', 'd-behind', 60_000)]);
    expect(store.claimDecisionNow(write('route:t1', 'd-mine', 60_000))).toBe(JSON.stringify(record('d-behind')));
    expect(cache.byTransactionId('route:t1')).toHaveProperty('decisionId', 'd-behind');
    expect(cache.byTransactionId('route:t2')).toBeUndefined();
    expect(await store.claimDecision(write('route:t2', 'd-first', 60_000))).toBeNull();
    expect(await store.claimDecision(write('route:t2', 'd-second', 60_000))).toBe(JSON.stringify(record('d-first')));
    expect(cache.byTransactionId('route:t3')).toBeUndefined();
    await store.clear();
    expect(store.claimDecisionNow(write('route:t3', 'd-t3', 60_000))).toBeNull();
    expect(store.claimDecisionNow(write('route:t3', 'd-t3b', 60_000))).toBe(JSON.stringify(record('d-t3')));
  });
});
