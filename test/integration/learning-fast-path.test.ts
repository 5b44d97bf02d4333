/**
 * The learning path's per-outcome savings against real NATS and Redis: the read-ahead's one MGET per read
 * (`RedisStore.getDecisions`, `JoinPrefetch`), the publisher's `Nats-Msg-Id` header, the
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
import { RedisStore } from '../../src/store/redis-store.ts';
import type { DecisionWrite } from '../../src/store/store.ts';
import { NATS_URL, REDIS_URL, busWithStream, uniqueNamespace, until } from './service-support.ts';

const enc = new TextEncoder();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function redisStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: REDIS_URL, prefix: `${uniqueNamespace()}:` });
  await store.connect();
  await until('redis connected', () => (store.state() === 'connected' ? true : undefined));
  cleanups.push(async () => {
    await store.clear();
    await store.close();
  });
  return store;
}

function write(decisionId: string, recordJson: string): DecisionWrite {
  return { transactionKey: `route:${decisionId}`, decisionId, recordJson, ttlMs: 60_000 };
}

function message(decisionId: string): Pick<BusMessage, 'subject' | 'data'> {
  return { subject: 'outcomes', data: enc.encode(JSON.stringify({ decisionId, approved: true })) };
}

describe('read-ahead with one MGET per read (Redis)', () => {
  it('getDecisions answers every id in order, null where there is no record', async () => {
    const store = await redisStore();
    await store.putDecisions([write('d1', '{"n":1}'), write('d3', '{"n":3}')]);
    expect(await store.getDecisions(['d1', 'd2', 'd3', 'd1'])).toEqual(['{"n":1}', null, '{"n":3}', '{"n":1}']);
    expect(await store.getDecisions([])).toEqual([]);
  });

  it('the applier gets each record read ahead once; a record missing at read-ahead is asked again', async () => {
    const store = await redisStore();
    await store.putDecisions([write('a', '{"id":"a"}'), write('b', '{"id":"b"}')]);
    const joins = new JoinPrefetch(store, new CachedDecisions(100, 60_000), 'admin');
    // 'a' twice in one read: asked once
    joins.prefetch([message('a'), message('b'), message('a'), message('late')]);
    expect(joins.size).toBe(3);
    await store.putDecisions([write('late', '{"id":"late"}')]); // written after the read-ahead asked
    expect(await joins.store.getDecision('a')).toBe('{"id":"a"}');
    expect(await joins.store.getDecision('b')).toBe('{"id":"b"}');
    expect(await joins.store.getDecision('late')).toBe('{"id":"late"}');
    expect(joins.size).toBe(0);
    expect(await joins.store.getDecision('a')).toBe('{"id":"a"}'); // not ahead any more: from the store
  });

  it('a failed read-ahead is forgotten and the applier asks the store itself', async () => {
    const store = await redisStore();
    await store.putDecisions([write('x', '{"id":"x"}')]);
    const failing = Object.assign(Object.create(store) as RedisStore, {
      getDecisions: () => Promise.reject(new Error('read-ahead failed')),
      state: () => store.state(),
      kind: store.kind,
    });
    const joinsFailing = new JoinPrefetch(failing, new CachedDecisions(100, 60_000), 'admin');
    joinsFailing.prefetch([message('x')]);
    await until('forgotten', () => (joinsFailing.size === 0 ? true : undefined));
    expect(await joinsFailing.store.getDecision('x')).toBe('{"id":"x"}');
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
