import { describe, expect, it } from 'vitest';
import { fieldReader } from '../../policies/core/derived-fields.ts';
import { knownCountries, OTHER_REGION, SCHEME_REGIONS, schemeRegionOf } from '../../policies/core/scheme-regions.ts';
import { FeatureEncoder, parseEncoderSpec } from '../../policies/features/index.ts';
import { SparseVector } from '../../policies/features/sparse-vector.ts';
import { InvalidConfigError } from '../../policies/errors.ts';
import { COUNTRIES } from '../../simulator/worlds/index.ts';
import { createThompsonPolicy } from '../../policies/thompson/index.ts';

describe('scheme regions', () => {
  it('places each known country in exactly one of the six regions', () => {
    const codes = knownCountries();
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBeGreaterThanOrEqual(249);
    for (const c of codes) {
      expect(c).toMatch(/^[A-Z]{2}$/);
      expect(SCHEME_REGIONS).toContain(schemeRegionOf(c));
    }
  });

  it('maps a few countries as the card schemes do', () => {
    expect(schemeRegionOf('DE')).toBe('EUROPE');
    expect(schemeRegionOf('GB')).toBe('EUROPE');
    expect(schemeRegionOf('NO')).toBe('EUROPE');
    expect(schemeRegionOf('US')).toBe('US');
    expect(schemeRegionOf('CA')).toBe('CA');
    expect(schemeRegionOf('MX')).toBe('LAC');
    expect(schemeRegionOf('BR')).toBe('LAC');
    expect(schemeRegionOf('JP')).toBe('AP');
    expect(schemeRegionOf('AU')).toBe('AP');
    expect(schemeRegionOf('ZA')).toBe('CEMEA');
    expect(schemeRegionOf('AE')).toBe('CEMEA');
  });

  it('maps unknown, lower-case and non-string countries to OTHER', () => {
    expect(schemeRegionOf('ZZ')).toBe(OTHER_REGION);
    expect(schemeRegionOf('de')).toBe(OTHER_REGION);
    expect(schemeRegionOf(undefined)).toBe(OTHER_REGION);
    expect(schemeRegionOf(49)).toBe(OTHER_REGION);
  });

  it('knows every issuer country of the simulator world', () => {
    for (const c of COUNTRIES) expect(schemeRegionOf(c.code)).not.toBe(OTHER_REGION);
  });
});

describe('derived fields', () => {
  it('derives issuerRegion from issuerCountry, unless the context carries its own', () => {
    const read = fieldReader('issuerRegion');
    expect(read({ issuerCountry: 'FR' })).toBe('EUROPE');
    expect(read({ issuerCountry: 'FR', issuerRegion: 'custom' })).toBe('custom');
    expect(read({})).toBe(OTHER_REGION);
  });

  it('is refused by numeric and cyclic features, naming the field', () => {
    const spec = (f: unknown) => parseEncoderSpec({ dimension: 16, hashing: 'signed', features: [{ kind: 'bias' }, f] } as never);
    expect(() => spec({ kind: 'numeric', field: 'issuerRegion' })).toThrow(/features\[1\]\.field: "issuerRegion" is a derived categorical field/);
    expect(() => spec({ kind: 'cyclic', field: 'issuerRegion', period: 10 })).toThrow(InvalidConfigError);
  });

  it('reads any other field as is', () => {
    expect(fieldReader('mcc')({ mcc: '5411' })).toBe('5411');
    expect(fieldReader('missing')({ mcc: '5411' })).toBeUndefined();
  });

  it('encodes issuerRegion like a field of the context: same slot for countries of one region', () => {
    const enc = new FeatureEncoder(parseEncoderSpec({ dimension: 64, hashing: 'signed', features: [{ kind: 'bias' }, { kind: 'categorical', field: 'issuerRegion' }] }));
    const a = new SparseVector(enc.maxNnz);
    const b = new SparseVector(enc.maxNnz);
    const slots = (v: SparseVector): string => Array.from(v.indices.subarray(0, v.nnz)).join(',') + '|' + Array.from(v.values.subarray(0, v.nnz)).join(',');
    enc.encode({ issuerCountry: 'DE' }, a);
    enc.encode({ issuerCountry: 'IT' }, b);
    expect(slots(a)).toBe(slots(b));
    enc.encode({ issuerCountry: 'US' }, b);
    expect(slots(a)).not.toBe(slots(b));
    // the derived value hashes exactly like a context field of that value
    enc.encode({ issuerRegion: 'EUROPE' }, b);
    expect(slots(a)).toBe(slots(b));
  });

  it('segments Thompson sampling by a derived field', () => {
    const p = createThompsonPolicy({ segments: ['issuerRegion'] });
    for (let i = 0; i < 50; i++) p.update({ issuerCountry: 'DE' }, 'a', 1, 1);
    for (let i = 0; i < 50; i++) p.update({ issuerCountry: 'FR' }, 'a', 0, 1);
    // DE and FR share the EUROPE cell: its mean is 0.5 (with the Beta(1, 1) prior pooled in), the US cell unseen
    expect(p.predict({ issuerCountry: 'ES' }, 'a')).toBeCloseTo(p.predict({ issuerCountry: 'DE' }, 'a'), 12);
    expect(Math.abs(p.predict({ issuerCountry: 'DE' }, 'a') - 0.5)).toBeLessThan(0.02);
  });
});

describe('categorical and cross scale', () => {
  const spec = (scale?: number) =>
    parseEncoderSpec({ dimension: 32, hashing: 'unsigned', features: [{ kind: 'bias' }, scale === undefined ? { kind: 'categorical', field: 'mcc' } : { kind: 'categorical', field: 'mcc', scale }, { kind: 'cross', fields: ['mcc', 'channel'], scale: 0.5 }] });

  it('puts the scale as the hot entry of the one-hot (default 1), same slot', () => {
    const one = new FeatureEncoder(spec());
    const tenth = new FeatureEncoder(spec(0.1));
    const x1 = new Float64Array(32);
    const x2 = new Float64Array(32);
    one.encodeDense({ mcc: '5411', channel: 'ecom' }, x1);
    tenth.encodeDense({ mcc: '5411', channel: 'ecom' }, x2);
    const hot1 = [...x1.keys()].filter((i) => i > 0 && x1[i] !== 0);
    const hot2 = [...x2.keys()].filter((i) => i > 0 && x2[i] !== 0);
    expect(hot2).toEqual(hot1);
    const values = hot2.map((i) => x2[i]).sort();
    if (hot2.length === 2) expect(values).toEqual([0.1, 0.5]);
    else expect(values[0]).toBeCloseTo(0.6, 12); // both landed in one slot
  });

  it('rejects a scale that is not a positive finite number, naming the field', () => {
    for (const bad of [0, -1, Number.NaN, 'x']) {
      expect(() => spec(bad as number)).toThrow(InvalidConfigError);
      expect(() => spec(bad as number)).toThrow(/features\[1\]\.scale/);
    }
  });
});

describe('the default route features', () => {
  it('give each of the 7 region values its own slot at the default dimension (no hash collision)', async () => {
    const { ROUTE_DIMENSION, routeEncoderSpec } = await import('../../policies/features/spec.ts');
    const enc = new FeatureEncoder(routeEncoderSpec(ROUTE_DIMENSION));
    const v = new SparseVector(enc.maxNnz);
    const slots = new Set<number>();
    for (const region of [...SCHEME_REGIONS, OTHER_REGION]) {
      enc.encode({ issuerRegion: region }, v);
      expect(v.nnz).toBe(2);
      slots.add(v.indices[1]!);
    }
    expect(slots.size).toBe(SCHEME_REGIONS.length + 1);
  });
});
