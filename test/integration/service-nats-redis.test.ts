/**
 * The router against the real NATS (JetStream) and Redis servers, in-process (app.inject): decisions,
 * outcomes over NATS, learning visible in the next decisions, duplicates applied once, restart with the
 * exact state, cross-replica idempotency; and with throwaway servers: Redis down and NATS down, decisions
 * keep flowing within the latency budget and learning resumes when they come back. No mocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JSONCodec } from 'nats';
import { Redis } from 'ioredis';
import { createLinUcbPolicy } from '../../policies/linear/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createRouter, type Router } from '../../src/router.ts';
import { routeBody } from '../unit/service-helpers.ts';
import { NATS_URL, REDIS_URL, cleanup, natsClient, natsRedisEnv, startNats, startRedis, uniqueNamespace, until, type Server } from './service-support.ts';

const jc = JSONCodec();
const routers: Router[] = [];
const namespaces: { ns: string; nats?: string; redis?: string }[] = [];
const servers: (Server & { dispose?: () => void })[] = [];

afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
  for (const s of servers.splice(0)) {
    await s.stop();
    s.dispose?.();
  }
  // throwaway servers take their data with them; the shared ones are cleaned per namespace
  for (const n of namespaces.splice(0)) if (!n.nats && !n.redis) await cleanup(n.ns);
});

function env(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return natsRedisEnv(ns, { ADMIN_TOKEN: 'secret', SNAPSHOT_INTERVAL_MS: '200', ...extra });
}

async function start(e: Record<string, string>, waitLoaded = true): Promise<Router> {
  const router = await createRouter(loadConfig(e), { policyFactory: (_n, p) => createLinUcbPolicy(p), drainTimeoutMs: 2000 });
  routers.push(router);
  await router.startLearning();
  if (waitLoaded) await until('policy loaded', () => (router.learner.loaded ? true : undefined));
  return router;
}

async function decide(r: Router, tx: string): Promise<{ decisionId: string; route: string; propensity: number }> {
  const res = await r.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody(tx) });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** `n` decisions, for transactions tx-0 .. tx-(n-1). */
async function decideAll(r: Router, n: number): Promise<Awaited<ReturnType<typeof decide>>[]> {
  const made = [];
  for (let i = 0; i < n; i++) made.push(await decide(r, `tx-${i}`));
  return made;
}

/** Publish an outcome for each decision (every third declined) and wait until the policy has `observations`. */
async function learnFrom(r: Router, made: readonly { decisionId: string }[], observations: number): Promise<void> {
  await publishOutcomes(r.config.outcomeSubject, made.map((d, i) => ({ decisionId: d.decisionId, approved: i % 3 !== 0 })));
  await until(`${observations} applied`, () => (r.state.policy.observations === observations ? true : undefined));
}

async function publishOutcomes(subject: string, outcomes: object[], url = NATS_URL): Promise<void> {
  const nc = await natsClient(url);
  const js = nc.jetstream();
  for (const o of outcomes) await js.publish(subject, jc.encode(o));
  await nc.close();
}

/** The records on the decision stream of `ns` (grouped a few to a message, one per line), once there are `n`. */
async function loggedRecords(ns: string, n: number): Promise<{ type: string; decisionId: string; candidates: string[] }[]> {
  const nc = await natsClient();
  const jsm = await nc.jetstreamManager();
  const stream = `${ns.toUpperCase()}_DECISIONS`;
  try {
    return await until('decision events', async () => {
      const { messages } = (await jsm.streams.info(stream)).state;
      const records: { type: string; decisionId: string; candidates: string[] }[] = [];
      for (let seq = 1; seq <= messages; seq++) for (const line of (await jsm.streams.getMessage(stream, { seq })).string().split('\n')) records.push(JSON.parse(line));
      return records.length >= n ? records : undefined;
    });
  } finally {
    await nc.close();
  }
}

describe('with NATS and Redis', () => {
  it('decides, learns from outcomes published on NATS, and applies duplicates once', async () => {
    const ns = uniqueNamespace();
    namespaces.push({ ns });
    const r = await start(env(ns));
    const made = [];
    for (let i = 0; i < 60; i++) made.push(await decide(r, `tx-${i}`));
    // the join record is in Redis, the decision event on the decision stream
    const redis = new Redis(REDIS_URL);
    const stored = JSON.parse((await redis.get(`${ns}:d:${made[0]!.decisionId}`)) ?? 'null');
    await redis.quit();
    expect(stored).toMatchObject({ type: 'decision', decisionId: made[0]!.decisionId, policy: 'linucb', key: 'tx-0', chosen: made[0]!.route });
    const logged = await loggedRecords(ns, 60);
    expect(logged.map((d) => d.decisionId)).toEqual(made.map((d) => d.decisionId));
    expect(logged[0]).toMatchObject({ type: 'decision', candidates: ['acq-a', 'acq-b', 'acq-c'] });

    const outcomes = made.map((d) => ({ decisionId: d.decisionId, approved: d.route === 'acq-b' }));
    await publishOutcomes(r.config.outcomeSubject, outcomes);
    await until('60 applied', () => (r.state.policy.observations === 60 ? true : undefined));
    await publishOutcomes(r.config.outcomeSubject, [...outcomes.slice(0, 5), ...outcomes.slice(0, 5)]);
    await until('duplicates counted', async () => ((await r.metrics.outcomesDuplicate.get()).values[0]?.value === 10 ? true : undefined));
    expect(r.state.policy.observations).toBe(60);
    let b = 0;
    for (let i = 0; i < 40; i++) if ((await decide(r, `tx-next-${i}`)).route === 'acq-b') b++;
    expect(b).toBeGreaterThanOrEqual(36);
  });

  it('STORE_BUDGET_MS=0: answers without a claim, the records written behind to Redis and logged, outcomes joined', async () => {
    const ns = uniqueNamespace();
    namespaces.push({ ns });
    const r = await start(env(ns, { STORE_BUDGET_MS: '0' }));
    const made: Awaited<ReturnType<typeof decide>>[] = [];
    for (let i = 0; i < 30; i++) made.push(await decide(r, `tx-${i}`));
    expect(await decide(r, 'tx-3')).toEqual(made[3]); // a replayed transactionId: the same decision
    const redis = new Redis(REDIS_URL);
    await until('records written behind', async () => ((await redis.exists(...made.map((d) => `${ns}:d:${d.decisionId}`))) === 30 ? true : undefined));
    expect(await redis.get(`${ns}:tx:route:tx-7`)).toBe(made[7]!.decisionId);
    await redis.quit();
    // and on the decision stream, each once (the replay of tx-3 answered from memory is not a decision)
    const logged = await loggedRecords(ns, 30);
    expect(logged.map((d) => d.decisionId)).toEqual(made.map((d) => d.decisionId));
    await publishOutcomes(r.config.outcomeSubject, made.map((d) => ({ decisionId: d.decisionId, approved: true })));
    await until('30 applied', () => (r.state.policy.observations === 30 ? true : undefined));
    const metrics = (await r.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toMatch(/router_degraded_operations_total\{dependency="store",operation="claim-decision"\} [1-9]/);
  });

  it('restarts with the exact state after a graceful stop; duplicates of earlier outcomes stay applied once', async () => {
    const ns = uniqueNamespace();
    namespaces.push({ ns });
    const e = env(ns, { SNAPSHOT_INTERVAL_MS: '3600000' });
    const r1 = await start(e);
    const made = await decideAll(r1, 40);
    await learnFrom(r1, made.slice(0, 20), 20);
    await r1.learner.snapshot(); // a snapshot at 20; the next 20 exist only in the stream
    await publishOutcomes(r1.config.outcomeSubject, made.slice(20).map((d, i) => ({ decisionId: d.decisionId, approved: i % 2 === 0 })));
    await until('40 applied', () => (r1.state.policy.observations === 40 ? true : undefined));
    const before = JSON.stringify(r1.state.snapshot());
    await r1.close(); // graceful: final snapshot at 40
    routers.splice(routers.indexOf(r1), 1);
    const r2 = await start(e);
    expect(JSON.stringify(r2.state.snapshot())).toBe(before);
    // duplicates of outcomes applied before the restart are still applied once
    await publishOutcomes(r2.config.outcomeSubject, [{ decisionId: made[3]!.decisionId, approved: true }]);
    await until('duplicate seen', async () => ((await r2.metrics.outcomesDuplicate.get()).values[0]?.value === 1 ? true : undefined));
    expect(r2.state.policy.observations).toBe(40);
  });

  it('upgrading from a router-state/1 snapshot: its applied decisions are marked in the store, so their duplicates stay duplicates', async () => {
    const ns = uniqueNamespace();
    namespaces.push({ ns });
    const e = env(ns, { SNAPSHOT_INTERVAL_MS: '3600000' });
    const r1 = await start(e);
    const made = await decideAll(r1, 20);
    await learnFrom(r1, made, 20);
    await r1.close(); // final snapshot at 20
    routers.splice(routers.indexOf(r1), 1);
    // what a router before the marks left: the snapshot in the earlier format with its applied set, no marks
    const redis = new Redis(REDIS_URL);
    try {
      const key = `${ns}:snapshot:route:linucb`;
      const snap = JSON.parse((await redis.hget(key, 'json'))!) as Record<string, unknown>;
      await redis.hset(key, 'json', JSON.stringify({ ...snap, format: 'router-state/1', applied: made.map((d) => [d.decisionId, Date.now()]) }));
      expect(await redis.del(...made.map((d) => `${ns}:o:${d.decisionId}`))).toBe(20);
      const r2 = await start(e);
      expect(r2.state.policy.observations).toBe(20);
      expect(await redis.mget(...made.map((d) => `${ns}:o:${d.decisionId}`))).toEqual(made.map(() => '-1'));
      await publishOutcomes(r2.config.outcomeSubject, made.slice(0, 5).map((d) => ({ decisionId: d.decisionId, approved: true })));
      await until('duplicates seen', async () => ((await r2.metrics.outcomesDuplicate.get()).values[0]?.value === 5 ? true : undefined));
      expect(r2.state.policy.observations).toBe(20);
      // a decision after the upgrade learns as usual, and the next snapshot is in the current format
      const next = await decide(r2, 'tx-after');
      await publishOutcomes(r2.config.outcomeSubject, [{ decisionId: next.decisionId, approved: true }]);
      await until('21 applied', () => (r2.state.policy.observations === 21 ? true : undefined));
      await r2.learner.snapshot();
      expect(JSON.parse((await redis.hget(key, 'json'))!)).toMatchObject({ format: 'router-state/2' });
      expect(JSON.parse((await redis.hget(key, 'json'))!)).not.toHaveProperty('applied');
    } finally {
      await redis.quit();
    }
  });

  it('answers the same decision for the same transactionId on two replicas', async () => {
    const ns = uniqueNamespace();
    namespaces.push({ ns });
    // a generous store budget: on a loaded test machine the default (tens of ms) may fail open, by design
    const a = await start(env(ns, { ROUTER_REPLICA_ID: 'a', STORE_BUDGET_MS: '1000' }));
    const b = await start(env(ns, { ROUTER_REPLICA_ID: 'b', STORE_BUDGET_MS: '1000' }));
    for (let i = 0; i < 20; i++) {
      const x = await decide(a, `tx-${i}`);
      const y = await decide(b, `tx-${i}`);
      expect(y).toEqual(x);
    }
    expect((await b.metrics.idempotentReplays.get()).values.find((v) => v.labels.source === 'store')?.value).toBe(20);
    expect((await a.metrics.idempotencyConflicts.get()).values[0]?.value ?? 0).toBe(0);
  });
});

describe('fail open', () => {
  it('Redis down: decisions continue within the budget, readyz and metrics say so, learning resumes after', async () => {
    const ns = uniqueNamespace();
    const redis = await startRedis();
    servers.push(redis);
    namespaces.push({ ns, redis: redis.url });
    namespaces.push({ ns }); // its streams live on the shared NATS
    const r = await start(env(ns, { REDIS_URL: redis.url }));
    const early = await decide(r, 'tx-before');
    await redis.stop();
    await until('store down', () => (r.store.state() === 'down' ? true : undefined));
    const during: { decisionId: string; route: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      during.push(await decide(r, `tx-down-${i}`));
      expect(performance.now() - t0).toBeLessThan(50);
    }
    const ready = await r.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    const body = ready.json();
    expect(body.store.ok).toBe(false);
    expect(body.bus.ok).toBe(true);
    expect(body.degraded.join(' ')).toMatch(/store/);
    const metrics = (await r.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('router_dependency_up{dependency="store"} 0');
    expect(metrics).toMatch(/router_degraded_operations_total\{dependency="store",operation="claim-decision"\} [1-9]/);
    // outcomes arrive while Redis is down: they wait in the stream, nothing is lost
    await publishOutcomes(r.config.outcomeSubject, during.map((d) => ({ decisionId: d.decisionId, approved: true })));
    await new Promise((res) => setTimeout(res, 300));
    expect(r.state.policy.observations).toBe(0);
    await redis.restart(); // empty: the buffered decision records are written again, then the outcomes join
    await until('learned after recovery', () => (r.state.policy.observations === 50 ? true : undefined), 20_000);
    expect((await r.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(early.decisionId).toBeTruthy();
  });

  it('NATS down: decisions continue, outcomes are buffered and learned once NATS is back', async () => {
    const ns = uniqueNamespace();
    const nats = await startNats();
    servers.push(nats);
    namespaces.push({ ns, nats: nats.url });
    namespaces.push({ ns }); // its keys live on the shared Redis
    const r = await start(env(ns, { NATS_URL: nats.url }));
    const made = [];
    for (let i = 0; i < 20; i++) made.push(await decide(r, `tx-${i}`));
    await nats.stop();
    await until('bus down', () => (r.bus.state() !== 'connected' ? true : undefined));
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      made.push(await decide(r, `tx-down-${i}`));
      expect(performance.now() - t0).toBeLessThan(50);
    }
    const res = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: made.map((d) => ({ decisionId: d.decisionId, approved: d.route === 'acq-a' })) } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 40 });
    const ready = (await r.app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready.bus.ok).toBe(false);
    expect(ready.degraded.join(' ')).toMatch(/bus/);
    await nats.restart();
    await until('learned after NATS is back', () => (r.state.policy.observations === 40 ? true : undefined), 25_000);
    expect((await r.metrics.bufferPending.get()).values.find((v) => v.labels.buffer === 'outcomes')?.value).toBe(0);
  });

  it('NATS and Redis down at start: decisions flow at once; ready when both come up, then it learns', async () => {
    const ns = uniqueNamespace();
    const nats = await startNats();
    const redis = await startRedis();
    servers.push(nats, redis);
    namespaces.push({ ns, nats: nats.url, redis: redis.url });
    await nats.stop();
    await redis.stop();
    const r = await start(env(ns, { NATS_URL: nats.url, REDIS_URL: redis.url }), false);
    const made = [await decide(r, 'tx-warm-up')]; // the first request of a process pays for lazy compilation
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      made.push(await decide(r, `tx-${i}`));
      expect(performance.now() - t0).toBeLessThan(50);
    }
    const starting = await r.app.inject({ method: 'GET', url: '/readyz' });
    expect(starting.statusCode).toBe(503);
    expect(starting.json()).toMatchObject({ status: 'starting', bus: { ok: false }, store: { ok: false }, policy: { loaded: false } });
    await nats.restart();
    await redis.restart();
    await until('ready', async () => ((await r.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200 ? true : undefined), 20_000);
    await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: made.map((d) => ({ decisionId: d.decisionId, approved: true })) } });
    await until('learned', () => (r.state.policy.observations === 11 ? true : undefined), 20_000);
  });
});
