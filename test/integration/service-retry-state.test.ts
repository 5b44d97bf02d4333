/**
 * The served retry policy against the real NATS (JetStream) and Redis servers: retry outcomes published on
 * NATS train the retry state; both states (route and retry) come back exactly after a restart, each from
 * its own snapshot; when one policy is changed, its new state is rebuilt from the stream while the other's
 * is not applied twice; two replicas share the card's attempt counters in Redis. No mocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JSONCodec } from 'nats';
import { loadConfig } from '../../src/config.ts';
import { createRouter, type Router } from '../../src/router.ts';
import { routeBody } from '../unit/service-helpers.ts';
import { cleanup, natsClient, natsRedisEnv, uniqueNamespace, until } from './service-support.ts';

const jc = JSONCodec();
const routers: Router[] = [];
const namespaces: string[] = [];

afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
  for (const ns of namespaces.splice(0)) await cleanup(ns);
});

function env(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return natsRedisEnv(ns, { SNAPSHOT_INTERVAL_MS: '3600000', ROUTE_POLICY: 'linucb', RETRY_POLICY: 'linucb', ...extra });
}

async function start(e: Record<string, string>): Promise<Router> {
  const router = await createRouter(loadConfig(e), { drainTimeoutMs: 2000 });
  routers.push(router);
  await router.startLearning();
  await until('policy loaded', () => (router.learner.loaded ? true : undefined));
  return router;
}

async function stop(r: Router): Promise<void> {
  await r.close();
  routers.splice(routers.indexOf(r), 1);
}

const retryBody = (tx: string, extra: Record<string, unknown> = {}) => ({ ...routeBody(tx), attempt: 1, declineCode: '51', previousRoute: 'acq-a', ...extra });

async function publish(subject: string, outcomes: object[]): Promise<void> {
  const nc = await natsClient();
  const js = nc.jetstream();
  for (const o of outcomes) await js.publish(subject, jc.encode(o));
  await nc.close();
}

async function decisions(r: Router, n: number, tag: string): Promise<{ routes: string[]; retries: string[] }> {
  const routes: string[] = [];
  const retries: string[] = [];
  for (let i = 0; i < n; i++) {
    routes.push((await r.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody(`${tag}-tx-${i}`) })).json().decisionId);
    const a = (await r.app.inject({ method: 'POST', url: '/v1/retry', payload: retryBody(`${tag}-rt-${i}`) })).json();
    expect(a.action).toBe('retry');
    retries.push(a.decisionId);
  }
  return { routes, retries };
}

describe('served retry policy with NATS and Redis', () => {
  it('learns retry outcomes from NATS; restarts with both states exact, each from its own snapshot', async () => {
    const ns = uniqueNamespace();
    namespaces.push(ns);
    const e = env(ns);
    const r1 = await start(e);
    const made = await decisions(r1, 20, 'a');
    // the retry decision's join record is in Redis, kept past the route TTL by the retry's delay
    await publish(r1.config.outcomeSubject, [...made.routes.slice(0, 10), ...made.retries.slice(0, 10)].map((id, i) => ({ decisionId: id, approved: i % 3 === 0 })));
    await until('10 + 10 applied', () => (r1.state.policy.observations === 10 && r1.policies.retry.policy.observations === 10 ? true : undefined));
    await r1.learner.snapshot(); // snapshots at this point; what follows is only in the stream
    await publish(r1.config.outcomeSubject, [...made.routes.slice(10), ...made.retries.slice(10)].map((id, i) => ({ decisionId: id, approved: i % 2 === 0 })));
    await until('20 + 20 applied', () => (r1.state.policy.observations === 20 && r1.policies.retry.policy.observations === 20 ? true : undefined));
    const route = JSON.stringify(r1.state.snapshot());
    const retry = JSON.stringify(r1.policies.retry.snapshot());
    await stop(r1);
    const r2 = await start(e);
    expect(JSON.stringify(r2.state.snapshot())).toBe(route);
    expect(JSON.stringify(r2.policies.retry.snapshot())).toBe(retry);
    // a duplicate of a retry outcome applied before the restart is still applied once
    await publish(r2.config.outcomeSubject, [{ decisionId: made.retries[4], approved: true }]);
    await until('duplicate seen', async () => ((await r2.metrics.outcomesDuplicate.get()).values[0]?.value === 1 ? true : undefined));
    expect(r2.policies.retry.policy.observations).toBe(20);
  });

  it('a changed retry policy is rebuilt from the stream; the route state is not applied twice', async () => {
    const ns = uniqueNamespace();
    namespaces.push(ns);
    const r1 = await start(env(ns));
    const made = await decisions(r1, 15, 'b');
    await publish(r1.config.outcomeSubject, [...made.routes, ...made.retries].map((id, i) => ({ decisionId: id, approved: i % 2 === 0 })));
    await until('15 + 15 applied', () => (r1.state.policy.observations === 15 && r1.policies.retry.policy.observations === 15 ? true : undefined));
    const route = JSON.stringify(r1.state.snapshot());
    await stop(r1);
    // the same replica, now serving another retry policy: no snapshot of it yet
    const r2 = await start(env(ns, { RETRY_POLICY: 'thompson' }));
    expect(r2.policies.retry.policy.name).toBe('thompson');
    expect(r2.policies.retry.policy.observations).toBe(15);
    expect(JSON.stringify(r2.state.snapshot())).toBe(route);
    const rejected = (await r2.metrics.outcomesRejected.get()).values.reduce((s, v) => s + v.value, 0);
    expect(rejected).toBe(0);
    // the route outcomes were not even offered to the route state again (its snapshot included them)
    expect((await r2.metrics.outcomesDuplicate.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('two replicas share the card attempt counters in Redis: together they never exceed the network cap', async () => {
    const ns = uniqueNamespace();
    namespaces.push(ns);
    const a = await start(env(ns, { RETRY_POLICY: 'fixed', ROUTER_REPLICA_ID: 'ra' }));
    const b = await start(env(ns, { RETRY_POLICY: 'fixed', ROUTER_REPLICA_ID: 'rb' }));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).app.inject({ method: 'POST', url: '/v1/retry', payload: retryBody(`c-tx-${i}`, { cardFingerprint: 'card-shared' }) })),
    );
    const bodies = answers.map((x) => x.json() as { action: string; reason: string });
    expect(bodies.filter((x) => x.action === 'retry')).toHaveLength(15);
    expect(bodies.filter((x) => x.action === 'stop').every((x) => /visa/.test(x.reason))).toBe(true);
  });
});
