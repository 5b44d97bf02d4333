/**
 * The public contract, checked the way an outside client would: start the service as `npm start` does
 * (`tsx src/main.ts`, embedded bus and store, nothing else to run), then drive it over HTTP using only
 * what shared/contract.md says. Every field of every answer is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRouterProcess, until, type RouterProcess } from '../integration/service-support.ts';

let router: RouterProcess;
const TOKEN = 'contract-token';

beforeAll(async () => {
  router = await startRouterProcess({ PORT: String(await freePort()), ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
  await until('ready', async () => ((await fetch(`${router.url}/readyz`)).status === 200 ? true : undefined));
}, 60_000);

afterAll(async () => {
  expect(await router.stop()).toBe(0);
});

interface RankEntry {
  route: string;
  probability: number;
  score: number;
}
interface Decision {
  decisionId: string;
  route: string;
  propensity: number;
  policy: string;
  ranking: RankEntry[];
}
interface PolicyEntry {
  name: string;
  kind: string;
  active: boolean;
  params: object;
  observations: number;
}
/** JSON as received: checked field by field below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const payment = (transactionId: string, extra: Record<string, unknown> = {}) => ({
  transactionId,
  merchantId: 'merchant-42',
  amountMinor: 4999,
  currency: 'USD',
  cardNetwork: 'mastercard',
  cardType: 'debit',
  issuerCountry: 'US',
  channel: 'recurring',
  mcc: '4899',
  threeDS: false,
  candidates: ['acq-a', 'acq-b'],
  ...extra,
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; contentType: string | null }> {
  const res = await fetch(`${router.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, contentType: res.headers.get('content-type') };
}

function expectError(r: { status: number; body: Json }, status: number, field?: string): void {
  expect(r.status).toBe(status);
  expect(Object.keys(r.body)).toEqual(['error']);
  expect(Object.keys(r.body.error).sort()).toEqual(['code', 'message']);
  expect(typeof r.body.error.code).toBe('string');
  expect(r.body.error.code).toMatch(/^[A-Z_]+$/);
  expect(typeof r.body.error.message).toBe('string');
  if (field) expect(r.body.error.message).toContain(field);
}

describe('contract', () => {
  it('GET /healthz is 200 and GET /readyz is 200 once bus, store and policy state are ready', async () => {
    expect((await fetch(`${router.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${router.url}/readyz`)).status).toBe(200);
  });

  it('POST /v1/route answers decisionId, route, propensity, policy and the full ranking', async () => {
    const r = await post('/v1/route', payment('c-1', { binPrefix: '55555555', occurredAt: '2026-11-22T10:00:00Z', unknownExtra: true }));
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    const d = r.body as Decision;
    expect(typeof d.decisionId).toBe('string');
    expect(d.decisionId.length).toBeGreaterThan(0);
    expect(['acq-a', 'acq-b']).toContain(d.route);
    expect(d.propensity).toBeGreaterThan(0);
    expect(d.propensity).toBeLessThanOrEqual(1);
    expect(typeof d.policy).toBe('string');
    expect(d.ranking).toHaveLength(2);
    expect(new Set(d.ranking.map((x) => x.route))).toEqual(new Set(['acq-a', 'acq-b']));
    let sum = 0;
    for (const x of d.ranking) {
      expect(typeof x.route).toBe('string');
      expect(typeof x.probability).toBe('number');
      expect(typeof x.score).toBe('number');
      sum += x.probability;
    }
    expect(sum).toBeCloseTo(1, 9);
    expect(d.ranking[0]!.probability).toBeGreaterThanOrEqual(d.ranking[1]!.probability);
    expect(d.ranking.find((x) => x.route === d.route)!.probability).toBeCloseTo(d.propensity, 12);
    const again = await post('/v1/route', payment('c-1'));
    expect(again.body).toEqual(d);
    const other = await post('/v1/route', payment('c-2'));
    expect(other.body.decisionId).not.toBe(d.decisionId);
  });

  it('bad requests get 4xx with {"error": {"code", "message"}} naming the field', async () => {
    expectError(await post('/v1/route', payment('c-3', { currency: 'usd' })), 400, 'currency');
    expectError(await post('/v1/route', payment('c-3', { candidates: [] })), 400, 'candidates');
    expectError(await post('/v1/route', payment('c-3', { amountMinor: -5 })), 400, 'amountMinor');
    const noMcc: Record<string, unknown> = payment('c-3');
    delete noMcc['mcc'];
    expectError(await post('/v1/route', noMcc), 400, 'mcc');
    expectError(await post('/v1/route', '{not json'), 400);
    expectError(await post('/v1/outcomes', { outcomes: [{ decisionId: 'x' }] }), 400, 'approved');
    const nf = await fetch(`${router.url}/v1/nope`);
    expectError({ status: nf.status, body: await nf.json() }, 404);
  });

  it('POST /v1/outcomes answers 202 with the count accepted; the outcome is learned once', async () => {
    const d = (await post('/v1/route', payment('c-4'))).body;
    const r = await post('/v1/outcomes', { outcomes: [{ decisionId: d.decisionId, approved: true, responseCode: '00', feeMinor: 12, latencyMs: 240, occurredAt: '2026-11-22T10:00:00Z' }, { decisionId: d.decisionId, approved: true }] });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 2 });
    const metrics = await until('applied and duplicate counted', async () => {
      const text = await (await fetch(`${router.url}/metrics`)).text();
      return /router_outcomes_applied_total\{kind="route"\} 1\b/.test(text) && /router_outcomes_duplicate_total 1\b/.test(text) ? text : undefined;
    });
    expect(metrics).toContain('router_approval_rate{route=');
  });

  it('GET /metrics has every contract series in Prometheus text format', async () => {
    await post('/v1/outcomes', { outcomes: [{ decisionId: 'never-made', approved: false }] });
    const text = await until('rejected counted', async () => {
      const t = await (await fetch(`${router.url}/metrics`)).text();
      return t.includes('router_outcomes_rejected_total{reason="unknown_decision"} 1') ? t : undefined;
    });
    for (const series of ['router_decisions_total{kind="route",policy=', 'router_decision_duration_seconds_bucket', 'router_decision_duration_seconds_count', 'router_outcomes_applied_total{kind="route"}', 'router_outcomes_duplicate_total', 'router_outcomes_rejected_total{reason=', 'router_approval_rate{route=']) {
      expect(text).toContain(series);
    }
  });

  it('admin: 401 without a token, 403 with a wrong one; GET /v1/policies shape; PATCH changes a tunable', async () => {
    expect((await fetch(`${router.url}/v1/policies`)).status).toBe(401);
    expect((await fetch(`${router.url}/v1/policies`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    const res = await fetch(`${router.url}/v1/policies`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { policies: PolicyEntry[] };
    expect(body.policies.length).toBeGreaterThanOrEqual(1);
    const active = body.policies.find((p) => p.kind === 'route' && p.active);
    expect(active).toBeDefined();
    if (!active) return;
    expect(typeof active.name).toBe('string');
    expect(typeof active.params).toBe('object');
    expect(Number.isInteger(active.observations)).toBe(true);
    expect(active.observations).toBeGreaterThanOrEqual(1);
    const noPatch = await fetch(`${router.url}/v1/policies/${active.name}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noPatch.status).toBe(401);
  });
});
