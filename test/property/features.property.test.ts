import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FeatureEncoder, PAYMENT_FEATURES, parseEncoderSpec, type FeatureSpec } from '../../policies/features/index.ts';

const value = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(undefined),
  fc.constantFrom('visa', 'mastercard', 'DE', 'ecom', '5411'),
);
const fieldNames = ['merchantId', 'amountMinor', 'currency', 'cardNetwork', 'cardType', 'issuerCountry', 'channel', 'mcc', 'threeDS', 'binPrefix', 'occurredAtMs', 'other'];
const context = fc.dictionary(fc.constantFrom(...fieldNames), value);

const feature: fc.Arbitrary<FeatureSpec> = fc.oneof(
  fc.constant<FeatureSpec>({ kind: 'bias' }),
  fc.record({
    kind: fc.constant('numeric' as const),
    field: fc.constantFrom(...fieldNames),
    transform: fc.constantFrom('identity' as const, 'log1p' as const),
    scale: fc.double({ min: -10, max: 10, noNaN: true }),
    placement: fc.constantFrom('dense' as const, 'hashed' as const),
  }),
  fc.record({ kind: fc.constant('cyclic' as const), field: fc.constantFrom(...fieldNames), period: fc.double({ min: 1, max: 1e9, noNaN: true }) }),
  fc.record({ kind: fc.constant('categorical' as const), field: fc.constantFrom(...fieldNames) }),
  fc.record({ kind: fc.constant('cross' as const), fields: fc.array(fc.constantFrom(...fieldNames), { minLength: 2, maxLength: 3 }) }),
);

function checkEncoding(enc: FeatureEncoder, ctx: Record<string, unknown>): void {
  const sv = enc.createSparse();
  enc.encode(ctx as never, sv);
  expect(sv.nnz).toBeLessThanOrEqual(enc.maxNnz);
  const seen = new Set<number>();
  for (let k = 0; k < sv.nnz; k++) {
    const i = sv.indices[k]!;
    expect(Number.isInteger(i) && i >= 0 && i < enc.dimension).toBe(true);
    expect(seen.has(i)).toBe(false);
    seen.add(i);
    expect(Number.isFinite(sv.values[k]!)).toBe(true);
  }
  // dense agrees with sparse, and the encoding is a pure function of the context
  const dense = enc.encodeDense(ctx as never, new Float64Array(enc.dimension));
  expect(Array.from(sv.toDense(new Float64Array(enc.dimension)))).toEqual(Array.from(dense));
  const again = enc.createSparse();
  enc.encode({ ...ctx } as never, again);
  expect(Array.from(again.indices.subarray(0, again.nnz))).toEqual(Array.from(sv.indices.subarray(0, sv.nnz)));
  expect(Array.from(again.values.subarray(0, again.nnz))).toEqual(Array.from(sv.values.subarray(0, sv.nnz)));
}

describe('feature encoder properties', () => {
  it('payment spec: any context (unknown, missing, mistyped values) encodes within the dimension', () => {
    const encoders = [32, 64, 128].map((d) => new FeatureEncoder(parseEncoderSpec({ dimension: d, features: PAYMENT_FEATURES })));
    fc.assert(
      fc.property(context, fc.integer({ min: 0, max: 2 }), (ctx, e) => checkEncoding(encoders[e]!, ctx)),
      { numRuns: 500 },
    );
  });

  it('any valid spec at any dimension that fits encodes any context within the dimension', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(feature, { minLength: 1, maxLength: 10, selector: (f) => JSON.stringify(f.kind === 'bias' ? f : { k: f.kind, f: 'field' in f ? f.field : f.fields }) }),
        fc.integer({ min: 0, max: 100 }),
        fc.boolean(),
        context,
        (features, extra, signed, ctx) => {
          let spec;
          try {
            spec = parseEncoderSpec({ dimension: 1024, hashing: signed ? 'signed' : 'unsigned', features });
          } catch {
            return; // duplicate feature names: rejected by validation, covered by unit tests
          }
          const probe = new FeatureEncoder(spec);
          const d = Math.min(1024, Math.max(2, probe.denseCount + (probe.maxNnz > probe.denseCount ? 1 : 0) + extra));
          checkEncoding(new FeatureEncoder({ ...spec, dimension: d }), ctx);
        },
      ),
      { numRuns: 300 },
    );
  });
});
