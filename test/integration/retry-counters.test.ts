import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAttemptCounterStore, type AttemptCounterStore } from '../../src/retry/counter-store.ts';
import { RedisAttemptCounterStore } from '../../src/retry/redis-counter-store.ts';
import { DependencyUnavailableError } from '../../policies/errors.ts';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 10);
const LIMITS = [{ windowMs: 30 * DAY, max: 15 }];
const TTL = 31 * DAY;

const prefix = `test:retry-counters:${randomBytes(6).toString('hex')}:`;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  a = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  b = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await Promise.all([a.connect(), b.connect()]);
});

afterAll(async () => {
  const keys = await a.keys(`${prefix}*`);
  if (keys.length > 0) await a.del(...keys);
  await Promise.all([a.quit(), b.quit()]);
});

function stores(): [string, () => AttemptCounterStore, () => AttemptCounterStore][] {
  const memory = new MemoryAttemptCounterStore(() => NOW);
  return [
    ['redis', () => new RedisAttemptCounterStore(a, { prefix }), () => new RedisAttemptCounterStore(b, { prefix })],
    ['memory', () => memory, () => memory],
  ];
}

describe.each(stores())('attempt counters (%s)', (kind, replica1, replica2) => {
  const card = (name: string) => `${kind}:${name}:${randomBytes(4).toString('hex')}`;

  it('two replicas counting the same card never exceed the limit together', async () => {
    const key = card('race');
    const r1 = replica1();
    const r2 = replica2();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? r1 : r2).reserve(key, `tx-${i}:1`, NOW + i, NOW, LIMITS, NOW - 30 * DAY, TTL)),
    );
    expect(results.filter((r) => r.status === 'reserved')).toHaveLength(15);
    expect(results.filter((r) => r.status === 'refused')).toHaveLength(25);
    expect(await r2.history(key, NOW - 30 * DAY)).toHaveLength(15);
  });

  it('counts a repeated request once', async () => {
    const key = card('dup');
    expect(await replica1().reserve(key, 'tx-1:2', NOW, NOW, LIMITS, NOW - 30 * DAY, TTL)).toEqual({ status: 'reserved' });
    expect(await replica2().reserve(key, 'tx-1:2', NOW, NOW, LIMITS, NOW - 30 * DAY, TTL)).toEqual({ status: 'duplicate' });
    expect(await replica1().history(key, 0)).toEqual([NOW]);
  });

  it('rolls the window: entries older than 30 days neither count nor stay', async () => {
    const key = card('window');
    const s = replica1();
    for (let i = 0; i < 15; i++) expect((await s.reserve(key, `old-${i}:1`, NOW - 31 * DAY + i, NOW - 31 * DAY, LIMITS, NOW - 61 * DAY, TTL)).status).toBe('reserved');
    expect((await s.reserve(key, 'new:1', NOW, NOW, LIMITS, NOW - 30 * DAY, TTL)).status).toBe('reserved');
    expect(await s.history(key, 0)).toEqual([NOW]);
    // several limits: the tightest refuses, naming its index
    const two = [
      { windowMs: 30 * DAY, max: 35 },
      { windowMs: DAY, max: 2 },
    ];
    expect((await s.reserve(key, 'x:1', NOW + 1, NOW, two, NOW - 30 * DAY, TTL)).status).toBe('reserved');
    expect(await s.reserve(key, 'y:1', NOW + 2, NOW, two, NOW - 30 * DAY, TTL)).toEqual({ status: 'refused', limitIndex: 1, counted: 2 });
  });

  it('remembers the first answer for an idempotency key', async () => {
    const k = card('answer');
    expect(await replica1().rememberAnswer(k, '{"a":1}', 60_000)).toBe('{"a":1}');
    expect(await replica2().rememberAnswer(k, '{"a":2}', 60_000)).toBe('{"a":1}');
    expect(await replica2().recallAnswer(k)).toBe('{"a":1}');
    expect(await replica1().recallAnswer(`${k}-none`)).toBeNull();
  });
});

it('a Redis that is not connected fails as unavailable (the service then refuses to retry)', async () => {
  const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const s = new RedisAttemptCounterStore(down, { prefix });
  await expect(s.reserve('k', 'm', NOW, NOW, LIMITS, 0, TTL)).rejects.toBeInstanceOf(DependencyUnavailableError);
  await expect(s.history('k', 0)).rejects.toBeInstanceOf(DependencyUnavailableError);
  down.disconnect();
});
