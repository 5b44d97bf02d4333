/**
 * The router's HTTP surface in embedded mode (in-process bus and store), through app.inject(): every
 * contract field of every endpoint, validation errors naming the field, learning from outcomes,
 * exactly-once application, dead letters, admin auth and live tuning, metrics, OpenAPI.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLinUcbPolicy } from '../../policies/linear/index.ts';
import { createRouter, type Router } from '../../src/router.ts';
import { routeBody, testConfig, until } from './service-helpers.ts';

const routers: Router[] = [];
afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
});

async function start(env: Record<string, string> = {}, linucb = true): Promise<Router> {
  const router = await createRouter(testConfig(env), linucb ? { policyFactory: (_name, params) => createLinUcbPolicy(params) } : {});
  routers.push(router);
  await router.startLearning();
  await until('policy loaded', () => router.learner.loaded || undefined);
  return router;
}

async function route(r: Router, body: Record<string, unknown>) {
  return r.app.inject({ method: 'POST', url: '/v1/route', payload: body });
}

const admin = { authorization: 'Bearer secret' };

describe('POST /v1/route', () => {
  it('answers every contract field: decisionId, route among candidates, propensity, policy, full ranking summing to 1', async () => {
    const r = await start();
    const res = await route(r, routeBody('tx-1'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['decisionId', 'policy', 'propensity', 'ranking', 'route']);
    expect(typeof body.decisionId).toBe('string');
    expect(['acq-a', 'acq-b', 'acq-c']).toContain(body.route);
    expect(body.policy).toBe('linucb');
    expect(body.propensity).toBeGreaterThan(0);
    expect(body.propensity).toBeLessThanOrEqual(1);
    expect(body.ranking.map((x: { route: string }) => x.route).sort()).toEqual(['acq-a', 'acq-b', 'acq-c']);
    const sum = body.ranking.reduce((s: number, x: { probability: number }) => s + x.probability, 0);
    expect(sum).toBeCloseTo(1, 12);
    for (let i = 1; i < body.ranking.length; i++) expect(body.ranking[i - 1].probability).toBeGreaterThanOrEqual(body.ranking[i].probability);
    expect(body.ranking.find((x: { route: string }) => x.route === body.route).probability).toBe(body.propensity);
    for (const x of body.ranking) expect(Object.keys(x).sort()).toEqual(['probability', 'route', 'score']);
  });

  it('returns the same decision for the same transactionId, a new one for another', async () => {
    const r = await start();
    const a = (await route(r, routeBody('tx-same'))).json();
    const b = (await route(r, routeBody('tx-same', { candidates: ['acq-x'] }))).json();
    const c = (await route(r, routeBody('tx-other'))).json();
    expect(b).toEqual(a);
    expect(c.decisionId).not.toBe(a.decisionId);
  });

  it('embedded: the same transactionId within the TTL answers the same bytes (from the store entries the cache shares); after the TTL a new decision', async () => {
    const r = await start({ DECISION_TTL_SECONDS: '1' });
    const first = await route(r, routeBody('tx-ttl'));
    const again = await route(r, routeBody('tx-ttl', { candidates: ['acq-x'] }));
    expect(again.body).toBe(first.body);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    const replays = async (source: string) => (await r.metrics.idempotentReplays.get()).values.find((v) => v.labels.source === source)?.value ?? 0;
    expect(await replays('memory')).toBe(1);
    expect(await replays('store')).toBe(0);
    await new Promise((res) => setTimeout(res, 1100));
    const later = (await route(r, routeBody('tx-ttl'))).json();
    expect(later.decisionId).not.toBe(first.json().decisionId);
    expect((await route(r, routeBody('tx-ttl'))).json()).toEqual(later);
    expect(await replays('memory')).toBe(2);
  });

  it('ignores unknown extra fields and accepts the optional ones', async () => {
    const r = await start();
    const res = await route(r, routeBody('tx-extra', { somethingElse: { deep: 1 }, binPrefix: '41111111', occurredAt: '2026-11-22T10:00:00Z' }));
    expect(res.statusCode).toBe(200);
    expect((await route(r, routeBody('tx-6', { binPrefix: '411111', occurredAt: '2026-11-22T10:00:00.123+01:00' }))).statusCode).toBe(200);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['missing transactionId', { transactionId: undefined }, 'transactionId'],
    ['empty transactionId', { transactionId: '' }, 'transactionId'],
    ['transactionId of 129 chars', { transactionId: 'x'.repeat(129) }, 'transactionId'],
    ['missing merchantId', { merchantId: undefined }, 'merchantId'],
    ['amount as a string', { amountMinor: '1250' }, 'amountMinor'],
    ['fractional amount', { amountMinor: 12.5 }, 'amountMinor'],
    ['negative amount', { amountMinor: -1 }, 'amountMinor'],
    ['lower-case currency', { currency: 'eur' }, 'currency'],
    ['unknown card network', { cardNetwork: 'visax' }, 'cardNetwork'],
    ['unknown card type', { cardType: 'charge' }, 'cardType'],
    ['three-letter country', { issuerCountry: 'DEU' }, 'issuerCountry'],
    ['unknown channel', { channel: 'web' }, 'channel'],
    ['three-digit mcc', { mcc: '541' }, 'mcc'],
    ['threeDS as a string', { threeDS: 'true' }, 'threeDS'],
    ['no candidates', { candidates: [] }, 'candidates'],
    ['33 candidates', { candidates: Array.from({ length: 33 }, (_, i) => `r${i}`) }, 'candidates'],
    ['duplicate candidates', { candidates: ['a', 'a'] }, 'candidates'],
    ['a non-string candidate', { candidates: ['a', 7] }, 'candidates[1]'],
    ['candidates not an array', { candidates: 'acq-a' }, 'candidates'],
    ['seven-digit binPrefix', { binPrefix: '4111111' }, 'binPrefix'],
    ['occurredAt not a timestamp', { occurredAt: 'yesterday' }, 'occurredAt'],
    ['occurredAt on 31 February', { occurredAt: '2026-02-31T10:00:00Z' }, 'occurredAt'],
  ];
  it.each(bad)('400 naming the field: %s', async (_what, patch, field) => {
    const r = await start();
    const body = routeBody('tx-bad', patch);
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete body[k];
    const res = await route(r, body);
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });

  it('400 for bad JSON, a non-object body and an empty body; 415 for a non-JSON content type; 404 as JSON', async () => {
    const r = await start();
    const badJson = await r.app.inject({ method: 'POST', url: '/v1/route', headers: { 'content-type': 'application/json' }, payload: '{"transactionId":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('VALIDATION_FAILED');
    expect(badJson.json().error.message).toMatch(/^body:/);
    const arr = await r.app.inject({ method: 'POST', url: '/v1/route', payload: [1, 2] });
    expect(arr.statusCode).toBe(400);
    expect(arr.json().error.message).toMatch(/^body:/);
    const empty = await r.app.inject({ method: 'POST', url: '/v1/route', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/^body:/);
    const form = await r.app.inject({ method: 'POST', url: '/v1/route', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const nf = await r.app.inject({ method: 'GET', url: '/v1/nothing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'path: no endpoint GET /v1/nothing' } });
  });
});

describe('outcomes and learning', () => {
  it('202 with the count accepted; learning shows in the next decisions; duplicates applied once', async () => {
    const r = await start();
    const decisions: { decisionId: string; route: string }[] = [];
    for (let i = 0; i < 60; i++) decisions.push((await route(r, routeBody(`tx-l-${i}`))).json());
    // acq-b always approves, the others always decline
    const outcomes = decisions.map((d) => ({ decisionId: d.decisionId, approved: d.route === 'acq-b', responseCode: d.route === 'acq-b' ? '00' : '05' }));
    const res = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 60 });
    await until('outcomes applied', () => (r.state.policy.observations === 60 ? true : undefined));
    // the same outcomes again: counted as duplicates, not learned twice
    await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: outcomes.slice(0, 10) } });
    await until('duplicates seen', async () => ((await r.metrics.outcomesDuplicate.get()).values[0]?.value === 10 ? true : undefined));
    expect(r.state.policy.observations).toBe(60);
    let b = 0;
    for (let i = 0; i < 50; i++) if ((await route(r, routeBody(`tx-after-${i}`))).json().route === 'acq-b') b++;
    expect(b).toBeGreaterThanOrEqual(45);
    const policies = (await r.app.inject({ method: 'GET', url: '/v1/policies', headers: admin })).json();
    expect(policies.policies[0].observations).toBe(60);
  });

  it('counts and dead-letters unknown, expired and malformed outcomes', async () => {
    const r = await start({ DECISION_TTL_SECONDS: '1' });
    const unknown = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: [{ decisionId: 'no-such-decision', approved: true }] } });
    expect(unknown.statusCode).toBe(202);
    // a malformed message straight on the stream (as another publisher could send)
    await r.bus.publish(r.config.outcomeSubject, new TextEncoder().encode('{"decisionId": 5}'));
    await r.bus.publish(r.config.outcomeSubject, new TextEncoder().encode('not json'));
    // expired: decided more than the TTL (1 s) before its outcome
    const d = (await route(r, routeBody('tx-exp'))).json();
    await new Promise((res) => setTimeout(res, 1100));
    await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: [{ decisionId: d.decisionId, approved: true }] } });
    await until('four rejected', async () => {
      const v = (await r.metrics.outcomesRejected.get()).values;
      const total = v.reduce((s, x) => s + x.value, 0);
      return total === 4 ? v : undefined;
    });
    const byReason = Object.fromEntries((await r.metrics.outcomesRejected.get()).values.map((x) => [x.labels.reason, x.value]));
    expect(byReason).toEqual({ unknown_decision: 1, malformed: 2, expired_decision: 1 });
    const dead = await until('dead letters stored', async () => {
      const res = await r.app.inject({ method: 'GET', url: '/v1/dead-letters', headers: admin });
      const list = res.json().deadLetters as { reason: string; payload: string }[];
      return list.length === 4 ? list : undefined;
    });
    expect(dead.map((x) => x.reason).sort()).toEqual(['expired_decision', 'malformed', 'malformed', 'unknown_decision']);
    expect(dead.some((x) => x.payload === 'not json')).toBe(true);
    expect(r.state.policy.observations).toBe(0);
  });

  it('400 naming the field for a malformed outcome in a batch, accepting none of it', async () => {
    const r = await start();
    const res = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: [{ decisionId: 'a', approved: true }, { decisionId: 'b', approved: 'yes' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^outcomes\[1\]\.approved:/);
    const missing = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: [{ approved: true }] } });
    expect(missing.json().error.message).toMatch(/^outcomes\[0\]\.decisionId:/);
    const none = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: {} });
    expect(none.json().error.message).toMatch(/^outcomes:/);
  });
});

describe('admin', () => {
  it('401 without a token, 403 with a wrong one, 403 when ADMIN_TOKEN is unset', async () => {
    const r = await start();
    expect((await r.app.inject({ method: 'GET', url: '/v1/policies' })).statusCode).toBe(401);
    const wrong = await r.app.inject({ method: 'GET', url: '/v1/policies', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('FORBIDDEN');
    expect((await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb', payload: { alpha: 1 } })).statusCode).toBe(401);
    const unset = await start({ ADMIN_TOKEN: '' });
    const res = await unset.app.inject({ method: 'GET', url: '/v1/policies', headers: admin });
    expect(res.statusCode).toBe(403);
  });

  it('GET lists the served policies (route, then retry); PATCH tunes one (validated, naming the field), through the stream', async () => {
    const r = await start({ RETRY_POLICY: 'linucb' });
    const list = (await r.app.inject({ method: 'GET', url: '/v1/policies', headers: admin })).json();
    expect(list.policies).toHaveLength(2);
    const p = list.policies[0];
    expect(p).toMatchObject({ name: 'linucb', kind: 'route', active: true, observations: 0 });
    expect(p.params.alpha).toBe(0.3);
    expect(list.policies[1]).toMatchObject({ name: 'linucb', kind: 'retry', active: true, observations: 0 });
    const retryAlpha = list.policies[1].params.alpha;
    const ok = await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb', headers: admin, payload: { alpha: 1.5 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().params.alpha).toBe(1.5);
    const wrapped = await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb', headers: admin, payload: { params: { alpha: 0.25 } } });
    expect(wrapped.json().params.alpha).toBe(0.25);
    const bad = await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb', headers: admin, payload: { alpha: -1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/alpha/);
    const unknownKey = await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb', headers: admin, payload: { nope: 1 } });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().error.message).toMatch(/nope/);
    const other = await r.app.inject({ method: 'PATCH', url: '/v1/policies/thompson', headers: admin, payload: { alpha: 1 } });
    expect(other.statusCode).toBe(404);
    expect(r.state.policy.params()['alpha']).toBe(0.25);
    // the plain name meant the route policy; the retry policy of the same name is untouched until asked for
    expect(r.policies.retry.policy.params()['alpha']).toBe(retryAlpha);
    const retryPatch = await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb?kind=retry', headers: admin, payload: { alpha: 0.75 } });
    expect(retryPatch.statusCode).toBe(200);
    expect(retryPatch.json()).toMatchObject({ name: 'linucb', kind: 'retry' });
    expect(r.policies.retry.policy.params()['alpha']).toBe(0.75);
    expect(r.state.policy.params()['alpha']).toBe(0.25);
    const badKind = await r.app.inject({ method: 'PATCH', url: '/v1/policies/linucb?kind=both', headers: admin, payload: { alpha: 1 } });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().error.message).toMatch(/kind/);
    const notRetry = await r.app.inject({ method: 'GET', url: '/v1/policies/thompson/state?kind=retry', headers: admin });
    expect(notRetry.statusCode).toBe(404);
  });
});

describe('health, readiness, metrics, OpenAPI', () => {
  it('healthz 200; readyz 200 with every check ok in embedded mode', async () => {
    const r = await start();
    expect((await r.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await r.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', bus: { ok: true }, store: { ok: true }, policy: { ok: true, loaded: true }, degraded: [] });
  });

  it('serves every contract series in Prometheus text format', async () => {
    const r = await start();
    const d = (await route(r, routeBody('tx-m'))).json();
    await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes: [{ decisionId: d.decisionId, approved: true }, { decisionId: d.decisionId, approved: true }, { decisionId: 'x', approved: false }] } });
    await until('applied', async () => ((await r.metrics.outcomesRejected.get()).values.length > 0 ? true : undefined));
    const res = await r.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain(`router_decisions_total{kind="route",policy="linucb",route="${d.route}"} 1`);
    expect(text).toMatch(/router_decision_duration_seconds_bucket\{le="0.005",kind="route"\} 1/);
    expect(text).toContain('router_outcomes_applied_total{kind="route"} 1');
    expect(text).toContain('router_outcomes_duplicate_total 1');
    expect(text).toContain('router_outcomes_rejected_total{reason="unknown_decision"} 1');
    expect(text).toContain(`router_approval_rate{route="${d.route}"} 1`);
    // the slab arena: a first chunk for the decision's bytes (store and embedded bus), nothing emptied yet
    const reserved = Number(/router_slab_bytes\{state="reserved"\} (\d+)/.exec(text)?.[1]);
    expect(reserved).toBeGreaterThanOrEqual(1 << 20);
    expect(text).toContain('router_slab_bytes{state="spare"} 0');
  });

  it('serves the OpenAPI document with every endpoint', async () => {
    const r = await start();
    const doc = (await r.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    for (const path of ['/v1/route', '/v1/retry', '/v1/outcomes', '/healthz', '/readyz', '/metrics', '/v1/policies', '/v1/policies/{name}']) expect(doc.paths).toHaveProperty([path]);
    expect(doc.paths['/v1/route'].post.requestBody.content['application/json'].schema.required).toContain('candidates');
  });
});
