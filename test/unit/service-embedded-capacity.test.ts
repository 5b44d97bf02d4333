/**
 * `RouterOptions.embeddedCapacity` sizes the embedded tables: the in-memory store keeps at most that many
 * decisions (the oldest go first) and each embedded stream about that many messages, so a router whose
 * tables are full can be measured (test/bench/service/in-process.ts); without it the defaults hold.
 */
import { afterEach, expect, it } from 'vitest';
import type { EmbeddedBus } from '../../src/bus/embedded-bus.ts';
import { createRouter, type Router } from '../../src/router.ts';
import type { MemoryStore } from '../../src/store/memory-store.ts';
import { routeBody, testConfig, until } from './service-helpers.ts';

const routers: Router[] = [];
afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
});

async function started(options: Parameters<typeof createRouter>[1] = {}): Promise<Router> {
  const router = await createRouter(testConfig({ ROUTE_POLICY: 'linucb' }), options);
  routers.push(router);
  await router.startLearning();
  await until('loaded', () => router.learner.loaded || undefined);
  return router;
}

async function decide(router: Router, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await router.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody(`cap-${i}`) });
    expect(res.statusCode).toBe(200);
    ids.push(res.json<{ decisionId: string }>().decisionId);
  }
  // the decision log publishes after the answers (a turn later), each record a message of the stream
  await until('decision log published', async () => (await router.bus.lastSeq(router.names.decisionStream)) >= n || undefined);
  return ids;
}

it('bounds the store and the streams of an embedded router by embeddedCapacity, the oldest going first', async () => {
  const router = await started({ embeddedCapacity: { decisions: 50, messagesPerStream: 40 } });
  const ids = await decide(router, 300);
  const store = router.store as MemoryStore;
  expect(store.decisionCount).toBe(50);
  expect(await store.getDecision(ids[0]!)).toBeNull();
  expect(await store.getDecision(ids[249]!)).toBeNull();
  expect(JSON.parse((await store.getDecision(ids[250]!))!)).toMatchObject({ decisionId: ids[250] });
  expect(JSON.parse((await store.getDecision(ids[299]!))!)).toMatchObject({ decisionId: ids[299] });
  // 300 records of about 600 bytes fill 3 slabs of 64 KB; the 40 to 50 kept (trimmed a quarter at a time)
  // are in the last one or two
  expect((router.bus as EmbeddedBus).slabCountForTests(router.names.decisionStream)).toBeLessThanOrEqual(2);
});

it('keeps the defaults without it', async () => {
  const router = await started();
  const ids = await decide(router, 300);
  const store = router.store as MemoryStore;
  expect(store.decisionCount).toBe(300);
  expect(JSON.parse((await store.getDecision(ids[0]!))!)).toMatchObject({ decisionId: ids[0] });
  expect((router.bus as EmbeddedBus).slabCountForTests(router.names.decisionStream)).toBeGreaterThanOrEqual(3);
});
