/**
 * Properties of the router's edge, for every input: any JSON body gets a 200 that keeps the contract or a
 * 400 in the error format naming a field, never a 500; timestamps round-trip; rankings are permutations
 * sorted best first.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rankingOf } from '../../src/decisions/decision-record.ts';
import { createRouter, type Router } from '../../src/router.ts';
import { parseTimestamp } from '../../src/time.ts';
import { routeBody, testConfig, until } from './service-helpers.ts';

let router: Router;
beforeAll(async () => {
  router = await createRouter(testConfig({ ROUTE_POLICY: 'linucb' }));
  await router.startLearning();
  await until('loaded', () => router.learner.loaded || undefined);
});
afterAll(async () => {
  await router.close();
});

const FIELDS = ['transactionId', 'merchantId', 'amountMinor', 'currency', 'cardNetwork', 'cardType', 'issuerCountry', 'channel', 'mcc', 'threeDS', 'candidates', 'binPrefix', 'occurredAt'];

it('any body: 200 keeping the contract, or 400 {"error":{code,message}} naming a field; never 5xx', async () => {
  let tx = 0;
  const mutated = fc.record({
    field: fc.constantFrom(...FIELDS),
    value: fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 40 })),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(mutated, { maxLength: 3 }), fc.option(fc.jsonValue(), { nil: undefined }), async (mutations, raw) => {
      let payload: unknown = routeBody(`p-${tx++}`);
      if (raw !== undefined && mutations.length === 0) payload = raw;
      else for (const m of mutations) (payload as Record<string, unknown>)[m.field] = m.value;
      const res = await router.app.inject({ method: 'POST', url: '/v1/route', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) ?? '' });
      expect([200, 400]).toContain(res.statusCode);
      const body = res.json();
      if (res.statusCode === 400) {
        expect(Object.keys(body)).toEqual(['error']);
        expect(body.error.code).toBe('VALIDATION_FAILED');
        expect(body.error.message).toMatch(/^[A-Za-z][\w.[\]]*: /);
      } else {
        const sum = body.ranking.reduce((s: number, r: { probability: number }) => s + r.probability, 0);
        expect(sum).toBeCloseTo(1, 9);
        expect(body.propensity).toBeGreaterThan(0);
      }
    }),
    { numRuns: 300, seed: 20261122 },
  );
});

it('ISO timestamps from toISOString parse back to the same millisecond; offsets shift them', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ms, offsetMin) => {
      const iso = new Date(ms).toISOString();
      expect(parseTimestamp(iso)).toBe(ms);
      const sign = offsetMin < 0 ? '-' : '+';
      const abs = Math.abs(offsetMin);
      const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, -1) + `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      expect(parseTimestamp(local)).toBe(ms);
    }),
    { seed: 7 },
  );
  expect(parseTimestamp('2026-02-29T00:00:00Z')).toBeUndefined();
  expect(parseTimestamp('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
});

it('ranking is a permutation of the candidates, best first', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 32 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 32, maxLength: 32 }), (candidates, raw) => {
      const probabilities = candidates.map((_, i) => raw[i]!);
      const scores = candidates.map((_, i) => raw[31 - i]!);
      const ranking = rankingOf({ candidates, probabilities, scores });
      expect(ranking.map((r) => r.route).sort()).toEqual([...candidates].sort());
      for (let i = 1; i < ranking.length; i++) expect(ranking[i - 1]!.probability).toBeGreaterThanOrEqual(ranking[i]!.probability);
    }),
    { seed: 3 },
  );
});
