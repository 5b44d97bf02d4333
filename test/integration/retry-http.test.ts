import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../policies/core/policy.ts';
import { createRetryBasePolicy } from '../../policies/retry/factory.ts';
import { installErrorHandlers } from '../../src/http/errors.ts';
import { retryRoutes } from '../../src/retry/http.ts';
import { RedisAttemptCounterStore } from '../../src/retry/redis-counter-store.ts';
import { RetryService, type RetryDecisionRecord } from '../../src/retry/retry-service.ts';
import { parseTimestamp } from '../../src/time.ts';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `test:retry-http:${randomBytes(6).toString('hex')}:`;
const NOW = Date.UTC(2026, 10, 22, 10);
const connections: Redis[] = [];
const apps: FastifyInstance[] = [];

async function replica(policy: Policy, redis?: Redis): Promise<{ app: FastifyInstance; records: RetryDecisionRecord[] }> {
  const conn = redis ?? new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  if (!redis) {
    await conn.connect();
    connections.push(conn);
  }
  const records: RetryDecisionRecord[] = [];
  let n = 0;
  const tag = randomBytes(3).toString('hex');
  const service = new RetryService({
    policy: () => policy,
    counters: new RedisAttemptCounterStore(conn, { prefix }),
    seed: 7,
    now: () => NOW,
    newDecisionId: (at) => `d-${at.toString(36)}-${tag}-${(n++).toString(36)}`,
    onDecision: (r) => {
      records.push(r);
    },
    parseTimestamp,
  });
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  installErrorHandlers(app);
  await app.register(retryRoutes, { service });
  await app.ready();
  apps.push(app);
  return { app, records };
}

const body = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  transactionId: `tx-${randomBytes(5).toString('hex')}`,
  merchantId: 'm-1',
  amountMinor: 2599,
  currency: 'EUR',
  cardNetwork: 'visa',
  cardType: 'debit',
  issuerCountry: 'FR',
  channel: 'recurring',
  mcc: '4899',
  threeDS: false,
  candidates: ['acq-a', 'acq-b'],
  attempt: 1,
  declineCode: '51',
  previousRoute: 'acq-a',
  occurredAt: '2026-11-22T10:00:00Z',
  ...extra,
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  const [c] = connections;
  if (c) {
    const keys = await c.keys(`${prefix}*`);
    if (keys.length > 0) await c.del(...keys);
  }
  await Promise.all(connections.map((c) => c.quit()));
});

describe('POST /v1/retry', () => {
  let fixed: { app: FastifyInstance; records: RetryDecisionRecord[] };
  beforeAll(async () => {
    fixed = await replica(createRetryBasePolicy('fixed'));
  });

  it('answers a soft decline with the contract fields and records the decision', async () => {
    const res = await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: body() });
    expect(res.statusCode).toBe(200);
    const a = res.json<Record<string, unknown>>();
    expect(Object.keys(a).sort()).toEqual(['action', 'decisionId', 'delaySeconds', 'policy', 'propensity', 'reason', 'route']);
    expect(a).toMatchObject({ action: 'retry', delaySeconds: 3600, route: 'acq-a', propensity: 1, policy: 'fixed' });
    const record = fixed.records.find((r) => r.decisionId === a['decisionId']);
    expect(record).toMatchObject({ kind: 'retry', chosen: 'insufficient-funds#1|3600@acq-a', key: expect.stringMatching(/:1$/) as unknown });
    expect(record?.context).toMatchObject({ declineCode: '51', attempt: 1, declineKind: 'insufficient-funds' });
  });

  it('stops where the network rules forbid a retry, naming the rule, without delay or route', async () => {
    for (const [extra, reason] of [
      [{ declineCode: '43' }, 'hard-decline-stolen-card'],
      [{ declineCode: '57' }, 'visa-category-1-never-approve'],
      [{ cardNetwork: 'mastercard', merchantAdviceCode: '03' }, 'mastercard-mac-03-do-not-try-again'],
      [{ cardNetwork: 'mastercard', merchantAdviceCode: '21' }, 'mastercard-mac-21-payment-cancelled'],
      [{ attempt: 4 }, 'retry-budget-per-payment-exhausted'],
    ] as const) {
      const res = await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: body(extra) });
      expect(res.statusCode).toBe(200);
      const a = res.json<Record<string, unknown>>();
      expect(a).toMatchObject({ action: 'stop', reason, propensity: 1 });
      expect(a).not.toHaveProperty('delaySeconds');
      expect(a).not.toHaveProperty('route');
    }
  });

  it('answers 3-D Secure soft declines with authentication only, and waits out MAC windows', async () => {
    const auth = (await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: body({ declineCode: '1A', channel: 'ecom' }) })).json<Record<string, unknown>>();
    expect(auth).toMatchObject({ action: 'retry', requires3DS: true });
    expect(auth['reason']).toMatch(/3-D Secure/);
    expect(auth['delaySeconds']).toBeLessThanOrEqual(300);
    const mac = (await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: body({ cardNetwork: 'mastercard', merchantAdviceCode: '27' }) })).json<Record<string, unknown>>();
    expect(mac).toMatchObject({ action: 'retry', delaySeconds: 4 * 86400 });
  });

  it('replays the same answer for the same request', async () => {
    const b = body();
    const first = (await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: b })).json<Record<string, unknown>>();
    const second = (await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: b })).json<Record<string, unknown>>();
    expect(second).toEqual(first);
  });

  it('rejects bad input with 400 naming the field', async () => {
    for (const [payload, field] of [
      [body({ declineCode: undefined }), 'declineCode'],
      [body({ declineCode: '5' }), 'declineCode'],
      [body({ merchantAdviceCode: 'AB' }), 'merchantAdviceCode'],
      [body({ attempt: 0 }), 'attempt'],
      [body({ previousRoute: '' }), 'previousRoute'],
      [body({ firstAttemptAt: 'yesterday' }), 'firstAttemptAt'],
      [body({ firstAttemptAt: '2026-11-23T00:00:00Z' }), 'firstAttemptAt'],
    ] as const) {
      const res = await fixed.app.inject({ method: 'POST', url: '/v1/retry', payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown> });
      expect(res.statusCode).toBe(400);
      const err = res.json<{ error: { code: string; message: string } }>().error;
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.message.startsWith(field)).toBe(true);
    }
  });

  it('two replicas retrying the same card never exceed Visa’s 15 reattempts in 30 days', async () => {
    const other = await replica(createRetryBasePolicy('fixed'));
    const cardFingerprint = `card-${randomBytes(4).toString('hex')}`;
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? fixed.app : other.app).inject({ method: 'POST', url: '/v1/retry', payload: body({ cardFingerprint }) })),
    );
    const answers = responses.map((r) => r.json<{ action: string; reason: string }>());
    expect(answers.filter((a) => a.action === 'retry')).toHaveLength(15);
    expect(answers.filter((a) => a.action === 'stop').every((a) => a.reason === 'visa-excessive-reattempts-15-in-30-days')).toBe(true);
  });

  it('refuses retries when the counters are unavailable (fail closed), still stopping by rule', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const { app } = await replica(createRetryBasePolicy('fixed'), down);
    expect((await app.inject({ method: 'POST', url: '/v1/retry', payload: body() })).json()).toMatchObject({ action: 'stop', reason: 'attempt-counter-unavailable' });
    expect((await app.inject({ method: 'POST', url: '/v1/retry', payload: body({ declineCode: '41' }) })).json()).toMatchObject({ action: 'stop', reason: 'hard-decline-lost-card' });
    down.disconnect();
  });

  it('a learning policy learns from the recorded decision when its outcome arrives', async () => {
    const policy = createRetryBasePolicy('linucb');
    const { app, records } = await replica(policy);
    const a = (await app.inject({ method: 'POST', url: '/v1/retry', payload: body({ declineCode: '91' }) })).json<{ action: string; decisionId: string }>();
    expect(a.action).toBe('retry');
    const rec = records.find((r) => r.decisionId === a.decisionId)!;
    expect(rec.candidates).toContain(rec.chosen);
    const before = policy.predict(rec.context, rec.chosen);
    for (let i = 0; i < 5; i++) policy.update(rec.context, rec.chosen, 1, 1);
    expect(policy.predict(rec.context, rec.chosen)).toBeGreaterThan(before);
    expect(policy.observations).toBe(5);
  });
});
