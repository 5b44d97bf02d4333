/**
 * The learning path against real NATS and Redis: the join with the first-outcome mark, one script call for
 * a read-ahead's batch (`RedisStore.markOutcomes`, the same semantics as `MemoryStore`'s, `JoinPrefetch`),
 * the publisher's `Nats-Msg-Id` header, the
 * consumer's callback delivery (a deleted consumer ends the subscription and the consumer re-attaches),
 * and the applier's metric cells (what a scrape reads).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import type { BusMessage } from '../../src/bus/bus.ts';
import { NatsBus } from '../../src/bus/nats-bus.ts';
import { CachedDecisions } from '../../src/decisions/recent-decisions.ts';
import { JoinPrefetch } from '../../src/learning/join-prefetch.ts';
import { ApprovalWindow } from '../../src/metrics/approval-window.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import type { RedisStore } from '../../src/store/redis-store.ts';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { DecisionWrite, OutcomeMark, Store } from '../../src/store/store.ts';
import { NATS_URL, REDIS_URL, busWithStream, connectedRedisStore, uniqueNamespace, until } from './service-support.ts';

const enc = new TextEncoder();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const redisStore = (prefix?: string): Promise<RedisStore> => connectedRedisStore((fn) => cleanups.push(fn), prefix);

function write(decisionId: string, recordJson: string): DecisionWrite {
  return { transactionKey: `route:${decisionId}`, decisionId, recordJson, ttlMs: 60_000 };
}

function message(seq: number, decisionId: string): Pick<BusMessage, 'subject' | 'data' | 'seq' | 'timestampMs'> {
  return { seq, subject: 'outcomes', data: enc.encode(JSON.stringify({ decisionId, approved: true })), timestampMs: Date.now() };
}

const mark = (decisionId: string, seq: number, withRecord = true): OutcomeMark => ({ decisionId, seq, withRecord });

const stores: [string, () => Promise<Store>][] = [
  ['Redis', () => redisStore()],
  ['memory', async () => new MemoryStore()],
];

describe.each(stores)('the first-outcome mark (%s store)', (_name, makeStore) => {
  it('marks the first outcome asked for a decision with a record, in order within a call, and answers it to every later one', async () => {
    const store = await makeStore();
    await store.putDecisions([write('d1', '{"n":1}'), write('d3', '{"n":3}')]);
    expect(await store.markOutcomes([])).toEqual([]);
    expect(await store.markOutcomes([mark('d1', 7), mark('d2', 8), mark('d1', 9, false), mark('d3', 10, false)])).toEqual([
      { firstSeq: 7, record: '{"n":1}' },
      { firstSeq: 0, record: null }, // no record: nothing marked
      { firstSeq: 7, record: null },
      { firstSeq: 10, record: null },
    ]);
    // a replay, or another replica, asking again for the same messages: the same answers
    expect(await store.markOutcomes([mark('d1', 7, true)])).toEqual([{ firstSeq: 7, record: '{"n":1}' }]);
    expect(await store.markOutcomes([mark('d3', 10)])).toEqual([{ firstSeq: 10, record: '{"n":3}' }]);
    expect(await store.markOutcomes([mark('d1', 3)])).toEqual([{ firstSeq: 7, record: '{"n":1}' }]);
    // the decision with no record then gets one: its next outcome is the first
    await store.putDecisions([write('d2', '{"n":2}')]);
    expect(await store.markOutcomes([mark('d2', 11, true)])).toEqual([{ firstSeq: 11, record: '{"n":2}' }]);
  });
});

describe('the first-outcome mark on Redis', () => {
  it('lives exactly as long as its record: it expires with it, so nothing is kept per decision past its TTL', async () => {
    const prefix = `${uniqueNamespace()}:`;
    const store = await redisStore(prefix);
    await store.putDecisions([{ ...write('short', '{"n":1}'), ttlMs: 400 }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.markOutcomes([mark('short', 1)])).toEqual([{ firstSeq: 1, record: '{"n":1}' }]);
    const redis = new Redis(REDIS_URL);
    try {
      const [recordTtl, markTtl] = await Promise.all([redis.pttl(`${prefix}d:short`), redis.pttl(`${prefix}o:short`)]);
      expect(markTtl).toBeGreaterThan(0);
      expect(markTtl).toBeLessThanOrEqual(recordTtl);
      expect(recordTtl - markTtl).toBeLessThan(50);
      await new Promise((r) => setTimeout(r, 400));
      expect(await redis.exists(`${prefix}d:short`, `${prefix}o:short`)).toBe(0);
    } finally {
      await redis.quit();
    }
    expect(await store.markOutcomes([mark('short', 2)])).toEqual([{ firstSeq: 0, record: null }]);
  });
});

describe('read-ahead with one script call per batch (Redis)', () => {
  it('the applier gets each join read ahead once; a decision with no record at read-ahead is asked again', async () => {
    const store = await redisStore();
    await store.putDecisions([write('a', '{"id":"a"}'), write('b', '{"id":"b"}')]);
    const joins = new JoinPrefetch({ store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: () => false, ttlMs: 60_000 });
    // 'a' twice in one batch: the second is told the first came first
    joins.prefetch([message(1, 'a'), message(2, 'b'), message(3, 'a'), message(4, 'late')]);
    expect(joins.size).toBe(4);
    await store.putDecisions([write('late', '{"id":"late"}')]); // written after the read-ahead asked
    expect(await joins.store.markOutcomes([mark('a', 1)])).toEqual([{ firstSeq: 1, record: '{"id":"a"}' }]);
    expect(await joins.store.markOutcomes([mark('b', 2)])).toEqual([{ firstSeq: 2, record: '{"id":"b"}' }]);
    expect(await joins.store.markOutcomes([mark('a', 3)])).toEqual([{ firstSeq: 1, record: '{"id":"a"}' }]);
    expect(await joins.store.markOutcomes([mark('late', 4)])).toEqual([{ firstSeq: 4, record: '{"id":"late"}' }]);
    expect(joins.size).toBe(0);
  });

  it('a failed read-ahead is forgotten and the applier asks the store itself', async () => {
    const store = await redisStore();
    await store.putDecisions([write('x', '{"id":"x"}')]);
    let calls = 0;
    // the first call (the read-ahead's) fails, the next ones reach Redis
    const failingOnce = Object.assign(Object.create(store) as RedisStore, {
      markOutcomes: (marks: readonly OutcomeMark[]) => (++calls === 1 ? Promise.reject(new Error('read-ahead failed')) : store.markOutcomes(marks)),
      state: () => store.state(),
      kind: store.kind,
    });
    const joins = new JoinPrefetch({ store: failingOnce, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: () => false, ttlMs: 60_000 });
    joins.prefetch([message(1, 'x')]);
    await until('forgotten', () => (joins.size === 0 ? true : undefined));
    expect(await joins.store.markOutcomes([mark('x', 1)])).toEqual([{ firstSeq: 1, record: '{"id":"x"}' }]);
    expect(calls).toBe(2); // the applier's own call, not a cached failure
  });
});

describe('NATS publisher and consumer', () => {
  const setup = () => busWithStream(new NatsBus({ servers: NATS_URL, name: 'fast-path-test' }), (fn) => cleanups.push(fn));

  it('the message id travels as the Nats-Msg-Id header, trimmed, and deduplicates', async () => {
    const { bus, subject } = await setup();
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    const seen: (string | undefined)[] = [];
    nc.subscribe(subject, { callback: (_err, m) => seen.push(m.headers?.get('Nats-Msg-Id')) });
    await nc.flush();
    expect(await bus.publish(subject, 'one', { msgId: ' id-1 ' })).toBe(1);
    expect(await bus.publish(subject, 'two', { msgId: 'id-1' })).toBe(1); // same id after trimming: stored once
    expect(await bus.publish(subject, 'three')).toBe(2);
    await until('three seen', () => (seen.length >= 3 ? true : undefined));
    expect(seen).toEqual(['id-1', 'id-1', undefined]);
  });

  it('a consumer deleted on the server ends the subscription; the consumer re-attaches where it was', async () => {
    const { bus, stream, subject } = await setup();
    for (const s of ['1', '2', '3']) await bus.publish(subject, enc.encode(s));
    const got: number[] = [];
    let handled = 0;
    const c = await bus.consume({ stream, durable: 'fp', startSeq: 1, ackWaitMs: 5000, maxAckPending: 100, resumeFrom: () => handled + 1 }, async (m) => {
      got.push(m.seq);
      handled = m.seq;
      m.ack();
    });
    cleanups.push(() => c.stop());
    await until('first three', () => (got.length >= 3 ? true : undefined));
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    await (await nc.jetstreamManager()).consumers.delete(stream, 'fp');
    for (const s of ['4', '5']) await bus.publish(subject, enc.encode(s));
    await until('after re-attaching', () => (got.length >= 5 ? true : undefined), 15_000);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("the applier's metric cells", () => {
  it('applied, received and observations counted in cells are what a scrape reads; a later value replaces an earlier one', async () => {
    const metrics = createMetrics(new ApprovalWindow());
    metrics.policyObservations.set({ kind: 'route', policy: 'linucb' }, 0);
    const applied = metrics.appliedCells.cell({ kind: 'route' });
    const received = metrics.receivedCells.cell({ source: 'stream' });
    const observations = metrics.observationCells.cell({ kind: 'route', policy: 'linucb' });
    metrics.outcomesReceived.inc({ source: 'http' }, 2);
    for (let i = 1; i <= 3; i++) {
      received.inc();
      applied.inc();
      observations.set(i);
    }
    let text = await metrics.registry.metrics();
    expect(text).toContain('router_outcomes_applied_total{kind="route"} 3');
    expect(text).toContain('router_outcomes_received_total{source="stream"} 3');
    expect(text).toContain('router_outcomes_received_total{source="http"} 2');
    expect(text).toContain('router_policy_observations{kind="route",policy="linucb"} 3');
    applied.inc();
    observations.set(4);
    text = await metrics.registry.metrics();
    expect(text).toContain('router_outcomes_applied_total{kind="route"} 4');
    expect(text).toContain('router_policy_observations{kind="route",policy="linucb"} 4');
  });
});
