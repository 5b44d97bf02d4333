import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { answerJsonOf, decisionTextOf, recordJsonOf } from '../../src/decisions/decision-json.ts';
import { answerOf, rankOrder, rankOrderFinite, type DecisionRecord } from '../../src/decisions/decision-record.ts';
import { RouteResponse } from '../../src/http/schemas.ts';

/** Strings that need escaping: quotes, backslashes, control characters, lone and paired surrogates, long runs. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udc00', '\ud83d\ude00', 'é', 'a'), maxLength: 50 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 40, maxLength: 120 }),
);
const special = fc.constantFrom(1e-7, -0, 0, 0.1 + 0.2, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1e21, 123456789012345680000, 0.000001, 1 / 3);
const finiteNumber = fc.oneof(special, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, max: 1, noNaN: true }));
const anyNumber = fc.oneof({ weight: 8, arbitrary: finiteNumber }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) });

function recordOf(number: fc.Arbitrary<number>): fc.Arbitrary<DecisionRecord> {
  return fc.uniqueArray(oddString, { minLength: 1, maxLength: 8 }).chain((candidates) =>
    fc.record({
      type: fc.constant('decision' as const),
      decisionId: oddString,
      kind: fc.constantFrom('route' as const, 'retry' as const),
      at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      policy: oddString,
      policyVersion: oddString,
      seed: fc.integer(),
      key: oddString,
      observations: fc.nat(),
      context: fc.record(
        {
          transactionId: oddString,
          merchantId: oddString,
          amountMinor: fc.maxSafeNat(),
          currency: fc.constant('EUR'),
          cardNetwork: fc.constant('visa' as const),
          cardType: fc.constant('credit' as const),
          issuerCountry: fc.constant('FR'),
          channel: fc.constant('ecom' as const),
          mcc: fc.constant('5411'),
          threeDS: fc.boolean(),
          binPrefix: fc.constant('424242'),
          occurredAtMs: fc.maxSafeNat(),
        },
        { requiredKeys: ['transactionId', 'merchantId', 'amountMinor', 'currency', 'cardNetwork', 'cardType', 'issuerCountry', 'channel', 'mcc', 'threeDS', 'occurredAtMs'] },
      ),
      candidates: fc.constant(candidates),
      probabilities: fc.array(number, { minLength: candidates.length, maxLength: candidates.length }),
      scores: fc.array(number, { minLength: candidates.length, maxLength: candidates.length }),
      chosen: fc.oneof(fc.constantFrom(...candidates), oddString),
      propensity: number,
    }),
  );
}

describe('decision JSON, serialised once', () => {
  let app: FastifyInstance;
  let current: unknown;
  beforeAll(async () => {
    // the route's response schema compiled by fastify, as buildApp compiles it
    app = Fastify({ logger: false });
    app.post('/serialize', { schema: { response: { 200: RouteResponse } } }, async () => current);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('the record is exactly JSON.stringify(record)', () => {
    fc.assert(
      fc.property(recordOf(anyNumber), (record) => {
        expect(recordJsonOf(record, decisionTextOf(record))).toBe(JSON.stringify(record));
      }),
      { numRuns: 2000 },
    );
  });

  it("the answer is byte for byte the response serializer's output for answerOf(record), and parses to the same value", async () => {
    await fc.assert(
      fc.asyncProperty(recordOf(finiteNumber), async (record) => {
        const json = answerJsonOf(record, decisionTextOf(record));
        current = answerOf(record);
        const res = await app.inject({ method: 'POST', url: '/serialize' });
        expect(res.statusCode).toBe(200);
        expect(json).toBe(res.payload);
        expect(JSON.parse(json!)).toEqual(JSON.parse(res.payload));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves an answer with a non-finite number to the serializer', () => {
    fc.assert(
      fc.property(recordOf(anyNumber), (record) => {
        const finite = [...record.probabilities, ...record.scores, record.propensity].every(Number.isFinite);
        expect(answerJsonOf(record, decisionTextOf(record)) === undefined).toBe(!finite);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves a record that is not one this router wrote (a field missing or of another type) to the serializer', () => {
    fc.assert(
      fc.property(
        recordOf(finiteNumber),
        fc.constantFrom('decisionId', 'policy', 'chosen', 'propensity', 'probabilities', 'scores', 'candidates'),
        fc.constantFrom(undefined, null, 7, 'x', [1, 'a']),
        (record, field, value) => {
          const broken = { ...record, [field]: field === 'candidates' ? [...record.candidates.slice(1), 42] : value } as unknown as typeof record;
          if (field === 'candidates' && record.candidates.length === 0) return;
          if (typeof value === typeof (record as unknown as Record<string, unknown>)[field] && !Array.isArray(value)) return; // same type: still a record this router could write
          expect(answerJsonOf(broken, decisionTextOf(broken))).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('ranks as rankOrder for every finite record, ties included (few distinct values, -0 and 0)', () => {
    const tied = fc.constantFrom(0, -0, 0.25, 0.5, 1, -1, Number.MAX_VALUE, 5e-324);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }).chain((n) =>
          fc.record({
            candidates: fc.constant(Array.from({ length: n }, (_, i) => `r${i}`)),
            probabilities: fc.array(fc.oneof(tied, finiteNumber), { minLength: n, maxLength: n }),
            scores: fc.array(fc.oneof(tied, finiteNumber), { minLength: n, maxLength: n }),
          }),
        ),
        fc.array(fc.nat(), { maxLength: 40 }),
        (record, stale) => {
          const order = [...stale]; // a reused order array holds the last call's indices (or more)
          rankOrderFinite(record, order);
          expect(order.slice(0, record.candidates.length)).toEqual(rankOrder(record));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
