/**
 * Redis reattempt counters: one sorted set per card (`<prefix>retry:card:<cardKey>`, member
 * `<transactionId>:<attempt>`, score = scheduled retry time in epoch ms) and one Lua script doing
 * ZREMRANGEBYSCORE + ZSCORE + ZCOUNT per limit + ZADD + PEXPIRE atomically, so concurrent replicas see one
 * order of reservations and never exceed a cap together. Answers for idempotency: `SET NX PX`.
 *
 * Every call fails with DependencyUnavailableError when Redis does not answer within `timeoutMs`; the retry
 * service then refuses to retry (fail closed: a payment system must never break network rules).
 */

import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../policies/errors.ts';
import type { AttemptCounterStore, CounterLimit, ReserveResult } from './counter-store.ts';

// KEYS[1] card set; ARGV: member, atMs, nowMs, forgetBeforeMs, ttlMs, n, then n pairs (windowMs, max).
// Returns {0} reserved, {1} duplicate, {2, limitIndex (0-based), counted} refused.
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {1} end
local now = tonumber(ARGV[3])
local n = tonumber(ARGV[6])
for i = 1, n do
  local window = tonumber(ARGV[5 + 2 * i])
  local max = tonumber(ARGV[6 + 2 * i])
  local counted = redis.call('ZCOUNT', KEYS[1], '(' .. tostring(now - window), '+inf')
  if counted + 1 > max then return {2, i - 1, counted} end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local ttl = tonumber(ARGV[5])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return {0}
`;

export interface RedisCounterStoreOptions {
  /** Key prefix (tests use a unique one per run). */
  readonly prefix: string;
  /** Budget per call; past it the call fails as unavailable. Default 250 ms. */
  readonly timeoutMs?: number;
}

type RedisWithReserve = Redis & {
  retryReserve(key: string, ...args: (string | number)[]): Promise<unknown>;
};

export class RedisAttemptCounterStore implements AttemptCounterStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithReserve;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(redis: Redis, options: RedisCounterStoreOptions) {
    if (typeof (redis as unknown as { retryReserve?: unknown }).retryReserve !== 'function') {
      redis.defineCommand('retryReserve', { numberOfKeys: 1, lua: RESERVE });
    }
    this.redis = redis as RedisWithReserve;
    this.prefix = options.prefix;
    this.timeoutMs = options.timeoutMs ?? 250;
  }

  private cardKey(cardKey: string): string {
    return `${this.prefix}retry:card:${cardKey}`;
  }

  private answerKey(key: string): string {
    return `${this.prefix}retry:answer:${key}`;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw new DependencyUnavailableError('store', `redis is ${this.redis.status}; cannot ${what}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DependencyUnavailableError('store', `redis did not answer ${what} within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof DependencyUnavailableError) throw err;
      throw new DependencyUnavailableError('store', `redis failed to ${what}: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async history(cardKey: string, sinceMs: number): Promise<number[]> {
    const flat = await this.call('read reattempts', () => this.redis.zrangebyscore(this.cardKey(cardKey), `(${sinceMs}`, '+inf', 'WITHSCORES'));
    const out: number[] = [];
    for (let i = 1; i < flat.length; i += 2) out.push(Number(flat[i]));
    return out;
  }

  async reserve(cardKey: string, member: string, atMs: number, nowMs: number, limits: readonly CounterLimit[], forgetBeforeMs: number, ttlMs: number): Promise<ReserveResult> {
    const args: (string | number)[] = [member, Math.round(atMs), Math.round(nowMs), Math.round(forgetBeforeMs), Math.max(1, Math.round(ttlMs)), limits.length];
    for (const l of limits) args.push(Math.round(l.windowMs), l.max);
    const raw = await this.call('reserve a reattempt', () => this.redis.retryReserve(this.cardKey(cardKey), ...args));
    if (!Array.isArray(raw)) throw new DependencyUnavailableError('store', `unexpected reply to reserve: ${JSON.stringify(raw)}`);
    const [status, index, counted] = raw as number[];
    if (status === 0) return { status: 'reserved' };
    if (status === 1) return { status: 'duplicate' };
    return { status: 'refused', limitIndex: Number(index), counted: Number(counted) };
  }

  async recallAnswer(key: string): Promise<string | null> {
    return this.call('read an answer', () => this.redis.get(this.answerKey(key)));
  }

  async rememberAnswer(key: string, json: string, ttlMs: number): Promise<string> {
    const k = this.answerKey(key);
    const set = await this.call('store an answer', () => this.redis.set(k, json, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'));
    if (set === 'OK') return json;
    return (await this.call('read an answer', () => this.redis.get(k))) ?? json;
  }
}
