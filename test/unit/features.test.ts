import { describe, expect, it } from 'vitest';
import { FeatureEncoder, PAYMENT_FEATURES, paymentEncoderSpec, parseEncoderSpec, tabularEncoderSpec } from '../../policies/features/index.ts';
import { hashValue, FNV_OFFSET } from '../../policies/features/hash.ts';
import { InvalidConfigError } from '../../policies/errors.ts';

const ctx = {
  transactionId: 'tx-1',
  merchantId: 'merchant-42',
  amountMinor: 12_999,
  currency: 'EUR',
  cardNetwork: 'visa',
  cardType: 'debit',
  issuerCountry: 'DE',
  channel: 'ecom',
  mcc: '5411',
  threeDS: true,
  binPrefix: '411111',
  occurredAtMs: Date.UTC(2026, 10, 22, 6, 0, 0), // 06:00 UTC: a quarter of the day
};

describe('FeatureEncoder (payment spec)', () => {
  const enc = new FeatureEncoder(paymentEncoderSpec(64));

  it('lays out 5 dense slots then the hashed region', () => {
    expect(enc.dimension).toBe(64);
    expect(enc.denseCount).toBe(5);
    expect(enc.hashedSlots).toBe(59);
    expect(enc.maxNnz).toBe(5 + 12);
    expect(enc.describe().slice(0, 5).map((r) => r.feature)).toEqual([
      'bias',
      'num:amountMinor',
      'num:threeDS',
      'cyc:occurredAtMs/86400000:sin',
      'cyc:occurredAtMs/86400000:cos',
    ]);
  });

  it('encodes bias, log amount, 3-D Secure and hour of day (sin, cos) in the dense slots', () => {
    const x = new Float64Array(64);
    enc.encodeDense(ctx, x);
    expect(x[0]).toBe(1);
    expect(x[1]).toBeCloseTo(Math.log1p(12_999) / 10, 12);
    expect(x[2]).toBe(1);
    expect(x[3]).toBeCloseTo(1, 12); // sin(2 pi * 0.25)
    expect(x[4]).toBeCloseTo(0, 12);
    enc.encodeDense({ ...ctx, threeDS: false, occurredAtMs: Date.UTC(2026, 0, 1, 18) }, x);
    expect(x[2]).toBe(0);
    expect(x[3]).toBeCloseTo(-1, 12);
    // negative timestamps (before 1970) wrap into [0, period)
    enc.encodeDense({ ...ctx, occurredAtMs: -6 * 3_600_000 }, x);
    expect(x[3]).toBeCloseTo(-1, 12);
  });

  it('clips the amount and zeroes unusable numbers', () => {
    const x = new Float64Array(64);
    enc.encodeDense({ ...ctx, amountMinor: 1e300 }, x);
    expect(x[1]).toBe(2.5);
    enc.encodeDense({ ...ctx, amountMinor: -5 }, x);
    expect(x[1]).toBe(0);
    enc.encodeDense({ ...ctx, amountMinor: Number.NaN, occurredAtMs: Number.POSITIVE_INFINITY }, x);
    expect([x[1], x[3], x[4]]).toEqual([0, 0, 0]);
  });

  it('emits one +-1 entry per hashed feature (merged on collision), indices unique and in range', () => {
    const sv = enc.createSparse();
    enc.encode(ctx, sv);
    expect(sv.nnz).toBeLessThanOrEqual(17);
    const idx = Array.from(sv.indices.subarray(0, sv.nnz));
    expect(new Set(idx).size).toBe(idx.length);
    for (const i of idx) expect(i >= 0 && i < 64).toBe(true);
    // hashed entries sum (in absolute value, before cancellation) to at most 12 non-zeros
    let hashedMass = 0;
    for (let k = 0; k < sv.nnz; k++) if (sv.indices[k]! >= 5) hashedMass += Math.abs(sv.values[k]!);
    expect(hashedMass).toBeLessThanOrEqual(12);
    const dense = enc.encodeDense(ctx, new Float64Array(64));
    expect(Array.from(sv.toDense(new Float64Array(64)))).toEqual(Array.from(dense));
  });

  it('is deterministic and distinguishes values', () => {
    const a = enc.encodeDense(ctx, new Float64Array(64));
    const b = new FeatureEncoder(paymentEncoderSpec(64)).encodeDense({ ...ctx }, new Float64Array(64));
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = enc.encodeDense({ ...ctx, cardNetwork: 'mastercard' }, new Float64Array(64));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('never crashes on unknown, missing or mistyped values', () => {
    const x = new Float64Array(64);
    for (const bad of [
      {},
      { cardNetwork: 'martian', cardType: '', channel: undefined, amountMinor: 'abc', threeDS: 'yes', occurredAtMs: 'noon' },
      { amountMinor: -1, mcc: 5411, merchantId: 1.5, issuerCountry: true, binPrefix: Number.NaN },
      { ...ctx, extra: 'ignored', amountMinor: Number.MAX_SAFE_INTEGER * 4 },
    ]) {
      enc.encodeDense(bad, x);
      for (const v of x) expect(Number.isFinite(v)).toBe(true);
      expect(x[0]).toBe(1);
    }
  });

  it('hashes numbers like their decimal strings (CSV readers may give either)', () => {
    for (const [n, s] of [[0, '0'], [7, '7'], [5411, '5411'], [-12, '-12'], [1234567890123, '1234567890123'], [0.5, '0.5']] as const) {
      expect(hashValue(FNV_OFFSET, n)).toBe(hashValue(FNV_OFFSET, s));
    }
    expect(hashValue(FNV_OFFSET, true)).toBe(hashValue(FNV_OFFSET, 'true'));
    expect(hashValue(FNV_OFFSET, undefined)).not.toBe(hashValue(FNV_OFFSET, ''));
    const a = enc.encodeDense({ ...ctx, mcc: 5411 }, new Float64Array(64));
    const b = enc.encodeDense(ctx, new Float64Array(64));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('spreads the values of one field over the hashed slots (few collisions)', () => {
    const slots = new Set<number>();
    const e = new FeatureEncoder({ dimension: 128, hashing: 'unsigned', features: [{ kind: 'categorical', field: 'merchantId' }] });
    const sv = e.createSparse();
    for (let i = 0; i < 100; i++) {
      e.encode({ merchantId: `m-${i}` }, sv);
      expect(sv.nnz).toBe(1);
      expect(sv.values[0]).toBe(1);
      slots.add(sv.indices[0]!);
    }
    // 100 values into 128 buckets: expected distinct ~ 128 (1 - (127/128)^100) = 70.5
    expect(slots.size).toBeGreaterThan(60);
  });

  it('signed hashing gives both signs, unsigned only +1', () => {
    const signs = new Set<number>();
    const e = new FeatureEncoder({ dimension: 32, hashing: 'signed', features: [{ kind: 'categorical', field: 'k' }] });
    const sv = e.createSparse();
    for (let i = 0; i < 50; i++) {
      e.encode({ k: i }, sv);
      signs.add(sv.values[0]!);
    }
    expect([...signs].sort()).toEqual([-1, 1]);
  });

  it('merges colliding hashed features into one entry', () => {
    // with 1 hashed slot every hashed feature collides
    const e = new FeatureEncoder({
      dimension: 2,
      hashing: 'unsigned',
      features: [{ kind: 'bias' }, { kind: 'categorical', field: 'a' }, { kind: 'categorical', field: 'b' }, { kind: 'cross', fields: ['a', 'b'] }],
    });
    const sv = e.createSparse();
    e.encode({ a: 'x', b: 'y' }, sv);
    expect(sv.nnz).toBe(2);
    expect(Array.from(sv.toDense(new Float64Array(2)))).toEqual([1, 3]);
  });

  it('works at the supported dimensions', () => {
    for (const d of [16, 32, 64, 128, 1024]) {
      const e = new FeatureEncoder(paymentEncoderSpec(d));
      const x = e.encodeDense(ctx, new Float64Array(d));
      expect(x.length).toBe(d);
    }
  });
});

describe('tabularEncoderSpec (Open Bandit Dataset style rows)', () => {
  it('encodes categorical user features and numeric affinities, hashing numerics beyond the dense budget', () => {
    const numeric = Array.from({ length: 40 }, (_, i) => `user-item_affinity_${i}`);
    const spec = tabularEncoderSpec({ dimension: 64, numeric, categorical: ['user_feature_0', 'user_feature_1', 'position'] });
    const e = new FeatureEncoder(spec);
    expect(e.denseCount).toBe(32); // bias + 31 dense numerics; 9 numerics hashed
    const row: Record<string, string | number> = { user_feature_0: '81ce123cbb5bd8ce818f60fb3586bba5', user_feature_1: 'c39b0c7dd5d4eb9a18e7db6ba2f258f8', position: 2 };
    numeric.forEach((f, i) => (row[f] = i / 100));
    const x = e.encodeDense(row, new Float64Array(64));
    expect(x[0]).toBe(1);
    expect(x[1]).toBe(0);
    expect(x[2]).toBe(0.01);
    const sv = e.createSparse();
    e.encode(row, sv);
    expect(sv.nnz).toBeLessThanOrEqual(e.maxNnz);
    for (let k = 0; k < sv.nnz; k++) expect(sv.indices[k]! < 64).toBe(true);
  });
});

describe('spec validation names the field', () => {
  const cases: [unknown, string][] = [
    [{ dimension: 64, features: [] }, 'features'],
    [{ dimension: 64, features: [{ kind: 'nope' }] }, 'features[0].kind'],
    [{ dimension: 64, features: [{ kind: 'numeric' }] }, 'features[0].field'],
    [{ dimension: 64, features: [{ kind: 'numeric', field: 'a', transform: 'sqrt' }] }, 'features[0].transform'],
    [{ dimension: 64, features: [{ kind: 'numeric', field: 'a', min: 2, max: 1 }] }, 'features[0].min'],
    [{ dimension: 64, features: [{ kind: 'cyclic', field: 't', period: 0 }] }, 'features[0].period'],
    [{ dimension: 64, features: [{ kind: 'cross', fields: ['a'] }] }, 'features[0].fields'],
    [{ dimension: 64, features: [{ kind: 'bias', extra: 1 }] }, 'features[0].extra'],
    [{ dimension: 64, features: [{ kind: 'bias' }, { kind: 'bias' }] }, 'features[1]'],
    [{ dimension: 3, features: PAYMENT_FEATURES }, 'dimension'],
    [{ dimension: 64.5, features: PAYMENT_FEATURES }, 'dimension'],
    [{ dimension: 64, hashing: 'both', features: PAYMENT_FEATURES }, 'hashing'],
  ];
  it.each(cases)('%j -> %s', (spec, field) => {
    try {
      parseEncoderSpec(spec);
      expect.unreachable('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError);
      expect((err as InvalidConfigError).field).toBe(field);
    }
  });

  it('accepts the default spec at dimension 6 (5 dense + 1 hashed) and not 5', () => {
    expect(() => paymentEncoderSpec(6)).not.toThrow();
    expect(() => paymentEncoderSpec(5)).toThrow(InvalidConfigError);
  });
});
