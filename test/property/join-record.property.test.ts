import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { recordJsonOf, decisionTextOf } from '../../src/decisions/decision-json.ts';
import { parseDecisionRecord, type DecisionRecord } from '../../src/decisions/decision-record.ts';
import { parseJoinedDecision } from '../../src/decisions/join-record.ts';

/** What the join reads of `parseDecisionRecord`'s answer. */
function joinFields(r: Pick<DecisionRecord, 'decisionId' | 'kind' | 'at' | 'chosen' | 'context'> | null): unknown {
  return r === null ? null : { decisionId: r.decisionId, kind: r.kind, at: r.at, chosen: r.chosen, context: r.context };
}

const plain = fc.stringMatching(/^[A-Za-z0-9:_@.-]{0,24}$/);
/** Texts that look like the layout's own separators, and strings that need escaping. */
const tricky = fc.oneof(
  fc.constantFrom('},"candidates":[', '"},"candidates":["x"],"probabilities":[],"scores":[],"chosen":"x","propensity":1}', ',"context":{', '\\', '"', '\u0000', '\u2028', 'é'),
  fc.string({ unit: fc.constantFrom('"', '\\', '}', ',', '{', '[', ']', ':', 'a', '\n'), maxLength: 30 }),
);
const text = fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: tricky });
const number = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, 1e21, 5e-324, 0.1 + 0.2, Number.NaN));
const extra = fc.oneof(fc.constant(undefined), fc.constant({ candidates: ['a'], nested: { x: 1 } }), fc.dictionary(text, fc.oneof(text, fc.double({ noNaN: true }), fc.constant(null)), { maxKeys: 3 }));

const record: fc.Arbitrary<DecisionRecord> = fc.array(text, { minLength: 0, maxLength: 5 }).chain((candidates) =>
  fc.record({
    type: fc.constant('decision' as const),
    decisionId: text,
    kind: fc.constantFrom('route' as const, 'retry' as const),
    at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    policy: text,
    policyVersion: text,
    seed: fc.integer(),
    key: text,
    observations: fc.nat(),
    context: fc.record({ transactionId: text, merchantId: text, amountMinor: fc.maxSafeNat(), currency: fc.constant('EUR'), threeDS: fc.boolean(), occurredAtMs: fc.maxSafeNat(), extra }, { requiredKeys: ['transactionId', 'merchantId', 'amountMinor'] }) as unknown as fc.Arbitrary<DecisionRecord['context']>,
    candidates: fc.constant(candidates),
    probabilities: fc.array(number, { minLength: candidates.length, maxLength: candidates.length }),
    scores: fc.array(number, { minLength: candidates.length, maxLength: candidates.length }),
    chosen: fc.oneof(text, ...(candidates.length > 0 ? [fc.constantFrom(...candidates)] : [])),
    propensity: number,
  }),
);

/** A stored text: a record as written, then perhaps damaged (a character dropped, changed or added, or cut short). */
const stored = fc.tuple(record, fc.nat(), fc.constantFrom('none', 'drop', 'replace', 'insert', 'cut'), fc.constantFrom('"', '\\', '}', ']', ',', '{', '0', 'x', ' ', '-', '.', 'e')).map(([r, at, how, ch]) => {
  const json = recordJsonOf(r, decisionTextOf(r));
  const i = at % (json.length + 1);
  switch (how) {
    case 'drop': return json.slice(0, i) + json.slice(i + 1);
    case 'replace': return json.slice(0, i) + ch + json.slice(i + 1);
    case 'insert': return json.slice(0, i) + ch + json.slice(i);
    case 'cut': return json.slice(0, i);
    default: return json;
  }
});

describe('the join record, read without the rest of the decision record', () => {
  it('answers what parseDecisionRecord answers, for written and for damaged records', () => {
    fc.assert(
      fc.property(stored, (json) => {
        expect(joinFields(parseJoinedDecision(json))).toEqual(joinFields(parseDecisionRecord(json)));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for a record this router writes with plain strings', () => {
    const r: DecisionRecord = {
      type: 'decision', decisionId: 'r-01KBD3X9Q2M8ZC4V7T6N5P1H0A-a', kind: 'route', at: '2026-12-01T14:58:40.123Z', policy: 'linucb', policyVersion: 'linucb@1', seed: 7, key: 'route',
      observations: 12, context: { transactionId: 't-1', merchantId: 'm-1', amountMinor: 1000, currency: 'EUR', cardNetwork: 'visa', cardType: 'credit', issuerCountry: 'FR', channel: 'ecom', mcc: '5411', threeDS: true, occurredAtMs: 1 },
      candidates: ['acq-a', 'acq-b'], probabilities: [0.75, 0.25], scores: [0.5, -1e-7], chosen: 'acq-a', propensity: 0.75,
    };
    const json = recordJsonOf(r, decisionTextOf(r));
    expect(json).toBe(JSON.stringify(r));
    const joined = parseJoinedDecision(json);
    expect(joined).not.toHaveProperty('candidates'); // not the full parse
    expect(joinFields(joined)).toEqual(joinFields(r));
    // escaped strings and foreign texts go to the full parse, with its answer
    expect(joinFields(parseJoinedDecision(JSON.stringify({ ...r, chosen: 'a"b' })))).toEqual(joinFields({ ...r, chosen: 'a"b' }));
    expect(parseJoinedDecision('not json')).toBeNull();
    expect(parseJoinedDecision(JSON.stringify({ ...r, type: 'other' }))).toBeNull();
  });
});
