/**
 * `POST /v1/retry` as served by the router (embedded bus and store, app.inject()): the contract's answer,
 * stops naming the rule, and learning: a retry decision's outcome trains the retry policy's state and
 * only it, even when it comes later than a route decision's TTL (a retry scheduled in an hour reports in an
 * hour); the attempt counters cap the card's reattempts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, type Router } from '../../src/router.ts';
import { routeBody, testConfig, until } from './service-helpers.ts';

const routers: Router[] = [];
afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
});

async function start(env: Record<string, string> = {}): Promise<Router> {
  const router = await createRouter(testConfig(env));
  routers.push(router);
  await router.startLearning();
  await until('policy loaded', () => router.learner.loaded || undefined);
  return router;
}

function retryBody(transactionId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...routeBody(transactionId), attempt: 1, declineCode: '51', previousRoute: 'acq-a', ...extra };
}

async function retry(r: Router, body: Record<string, unknown>) {
  return r.app.inject({ method: 'POST', url: '/v1/retry', payload: body });
}

async function report(r: Router, outcomes: object[]): Promise<void> {
  const res = await r.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes } });
  expect(res.statusCode).toBe(202);
}

describe('POST /v1/retry in the served router', () => {
  it('answers retry with every contract field, from the configured RETRY_POLICY', async () => {
    const r = await start({ RETRY_POLICY: 'fixed' });
    const res = await retry(r, retryBody('tx-r1'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ action: 'retry', delaySeconds: 3600, route: 'acq-a', propensity: 1, policy: 'fixed' });
    expect(typeof body.decisionId).toBe('string');
    expect(typeof body.reason).toBe('string');
    // the same request again: the same answer
    expect((await retry(r, retryBody('tx-r1'))).json()).toEqual(body);
  });

  it('answers stop without delaySeconds and route, naming the rule, for a hard decline', async () => {
    const r = await start();
    const res = await retry(r, retryBody('tx-r2', { declineCode: '54' }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.action).toBe('stop');
    expect(body).not.toHaveProperty('delaySeconds');
    expect(body).not.toHaveProperty('route');
    expect(body.reason).toBe('hard-decline-expired-card');
    expect(body.policy).toBe(r.config.retryPolicy);
  });

  it('400 naming the field for a bad retry body', async () => {
    const r = await start();
    const res = await retry(r, retryBody('tx-r3', { attempt: 0 }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^attempt:/);
    const missing = await retry(r, { ...retryBody('tx-r4'), declineCode: undefined });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/declineCode/);
  });

  it('learns from retry outcomes in the retry state only; route outcomes in the route state only', async () => {
    const r = await start({ RETRY_POLICY: 'linucb', ROUTE_POLICY: 'linucb' });
    const retries = [];
    for (let i = 0; i < 12; i++) {
      const a = (await retry(r, retryBody(`tx-l-${i}`))).json();
      expect(a.action).toBe('retry');
      retries.push(a);
    }
    const routes = [];
    for (let i = 0; i < 5; i++) routes.push((await r.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody(`tx-route-${i}`) })).json());
    await report(r, [...retries.map((a, i) => ({ decisionId: a.decisionId, approved: i % 2 === 0 })), ...routes.map((d) => ({ decisionId: d.decisionId, approved: true }))]);
    await until('applied', () => (r.policies.retry.policy.observations === 12 && r.state.policy.observations === 5 ? true : undefined));
    // duplicates of retry outcomes are applied once
    await report(r, retries.slice(0, 3).map((a) => ({ decisionId: a.decisionId, approved: true })));
    await until('duplicates seen', async () => ((await r.metrics.outcomesDuplicate.get()).values[0]?.value === 3 ? true : undefined));
    expect(r.policies.retry.policy.observations).toBe(12);
    const text = (await r.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('router_outcomes_applied_total{kind="retry"} 12');
    expect(text).toContain('router_outcomes_applied_total{kind="route"} 5');
    expect(text).toMatch(/router_decisions_total\{kind="retry",policy="linucb",route="[^"]+"\} \d+/);
    expect(text).toMatch(/router_decision_duration_seconds_count\{kind="retry"\} 12/);
    const list = (await r.app.inject({ method: 'GET', url: '/v1/policies', headers: { authorization: 'Bearer secret' } })).json();
    expect(list.policies.map((p: { kind: string; observations: number }) => [p.kind, p.observations])).toEqual([
      ['route', 5],
      ['retry', 12],
    ]);
  });

  it('learns retry outcomes with RETRY_REWARD, route outcomes with ROUTE_REWARD; the decision log records each', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'retry-reward-')), 'decisions.jsonl');
    const r = await start({ RETRY_POLICY: 'fixed', RETRY_REWARD: 'approved * 0.5', ROUTE_REWARD: 'approved * 0.25', DECISION_LOG_FILE: file });
    const a = (await retry(r, retryBody('tx-rew'))).json();
    const d = (await r.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody('tx-rew-route') })).json();
    await report(r, [
      { decisionId: a.decisionId, approved: true },
      { decisionId: d.decisionId, approved: true },
    ]);
    await until('both applied', () => (r.policies.retry.policy.observations === 1 && r.state.policy.observations === 1 ? true : undefined));
    await r.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string; decisionId: string; reward?: number });
    expect(lines.find((x) => x.type === 'decision' && x.decisionId === a.decisionId)?.kind).toBe('retry');
    expect(lines.find((x) => x.type === 'outcome' && x.decisionId === a.decisionId)?.reward).toBe(0.5);
    expect(lines.find((x) => x.type === 'outcome' && x.decisionId === d.decisionId)?.reward).toBe(0.25);
  });

  it("applies a retry's outcome that comes after the decision TTL but within TTL + the retry's delay; a route outcome that late is expired", async () => {
    const r = await start({ RETRY_POLICY: 'fixed', DECISION_TTL_SECONDS: '1' });
    const a = (await retry(r, retryBody('tx-late'))).json();
    expect(a.delaySeconds).toBe(3600);
    const d = (await r.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody('tx-late-route') })).json();
    await new Promise((res) => setTimeout(res, 1200));
    await report(r, [
      { decisionId: a.decisionId, approved: true },
      { decisionId: d.decisionId, approved: true },
    ]);
    await until('retry applied and route rejected', async () => {
      const rejected = (await r.metrics.outcomesRejected.get()).values;
      return r.policies.retry.policy.observations === 1 && rejected.some((v) => v.labels.reason === 'expired_decision' && v.value === 1) ? true : undefined;
    });
    expect(r.state.policy.observations).toBe(0);
  });

  it('an outcome for a stop answer is an unknown decision (stops are the rules, nothing to learn)', async () => {
    const r = await start();
    const stop = (await retry(r, retryBody('tx-stop', { declineCode: '14' }))).json();
    expect(stop.action).toBe('stop');
    await report(r, [{ decisionId: stop.decisionId, approved: false }]);
    await until('rejected', async () => ((await r.metrics.outcomesRejected.get()).values.find((v) => v.labels.reason === 'unknown_decision')?.value === 1 ? true : undefined));
  });

  it('caps the reattempts of one card across payments (cardFingerprint) at the network limit', async () => {
    const r = await start({ RETRY_POLICY: 'fixed' });
    const answers = [];
    // Visa category 2 (51): at most 15 reattempts in 30 days for the same card
    for (let i = 0; i < 17; i++) answers.push((await retry(r, retryBody(`tx-cap-${i}`, { cardFingerprint: 'card-1' }))).json());
    expect(answers.filter((a) => a.action === 'retry')).toHaveLength(15);
    const last = answers[16]!;
    expect(last.action).toBe('stop');
    expect(last.reason).toMatch(/visa/);
  });
});
