import { describe, expect, it } from 'vitest';
import { createLinUcbPolicy } from '../../policies/linear/linucb.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidCandidatesError, InvalidConfigError, InvalidStateError, ValidationError } from '../../policies/errors.ts';
import { DETAILED_ROUTE_FEATURES, ROUTE_FEATURES } from '../../policies/features/spec.ts';

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
  occurredAtMs: Date.UTC(2026, 10, 22, 10),
};
const other = { ...ctx, cardNetwork: 'amex', issuerCountry: 'US', currency: 'USD', threeDS: false };
const ROUTES = ['acq-a', 'acq-b', 'acq-c'];

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.field;
    throw err;
  }
  throw new Error('did not throw');
}

describe('LinUCB params', () => {
  it('has documented defaults', () => {
    const p = createLinUcbPolicy().params();
    expect({ ...p, features: undefined }).toEqual({ alpha: 0.3, lambda: 1, discount: 1, floor: 0.01, refactorEvery: 1000, dimension: 32, hashing: 'signed', features: undefined });
    expect(p.features).toEqual(JSON.parse(JSON.stringify(ROUTE_FEATURES)));
  });

  it('rejects bad params naming the field', () => {
    expect(fieldOf(() => createLinUcbPolicy({ floor: 0 }))).toBe('linucb.floor');
    expect(fieldOf(() => createLinUcbPolicy({ floor: 1.5 }))).toBe('linucb.floor');
    expect(fieldOf(() => createLinUcbPolicy({ discount: 0 }))).toBe('linucb.discount');
    expect(fieldOf(() => createLinUcbPolicy({ discount: 1.01 }))).toBe('linucb.discount');
    expect(fieldOf(() => createLinUcbPolicy({ lambda: 0 }))).toBe('linucb.lambda');
    expect(fieldOf(() => createLinUcbPolicy({ alpha: -1 }))).toBe('linucb.alpha');
    expect(fieldOf(() => createLinUcbPolicy({ alpha: '1' }))).toBe('linucb.alpha');
    expect(fieldOf(() => createLinUcbPolicy({ refactorEvery: 2.5 }))).toBe('linucb.refactorEvery');
    // the default features need 1 dense slot + 1 hashed slot, the detailed ones 3 dense + 1 hashed
    expect(fieldOf(() => createLinUcbPolicy({ dimension: 1 }))).toBe('linucb.dimension');
    expect(fieldOf(() => createLinUcbPolicy({ dimension: 3, features: DETAILED_ROUTE_FEATURES }))).toBe('linucb.dimension');
    expect(createLinUcbPolicy({ dimension: 4, features: DETAILED_ROUTE_FEATURES }).params()).toMatchObject({ dimension: 4 });
    expect(fieldOf(() => createLinUcbPolicy({ hashing: 'x' }))).toBe('linucb.hashing');
    expect(fieldOf(() => createLinUcbPolicy({ features: [{ kind: 'categorical' }] }))).toBe('linucb.features[0].field');
    expect(fieldOf(() => createLinUcbPolicy({ v: 1 }))).toBe('linucb.v');
  });

  it('tunes alpha, floor and discount live; keeps learned state; bad patches change nothing', () => {
    const p = createLinUcbPolicy({ dimension: 32 });
    for (let i = 0; i < 20; i++) p.update(ctx, 'acq-a', 1, 1);
    const out = new DecisionBuffer();
    const rng = new Rng(1);
    p.decide(ctx, ROUTES, rng, out);
    const before = Array.from(out.scores.subarray(0, 3));
    p.tune({ alpha: 0 });
    p.decide(ctx, ROUTES, rng, out);
    expect(out.scores[0]).toBeLessThan(before[0]!);
    expect(out.scores[1]).toBe(0); // prior mean of an unseen route, no bonus
    expect(p.observations).toBe(20);
    expect(() => p.tune({ alpha: -2, floor: 0.2 })).toThrow(InvalidConfigError);
    expect(p.params().floor).toBe(0.01);
    expect(p.params().alpha).toBe(0);
    p.tune({ floor: 0.2, discount: 0.99 });
    expect(p.params()).toMatchObject({ floor: 0.2, discount: 0.99, alpha: 0 });
    p.decide(ctx, ROUTES, rng, out);
    expect(Array.from(out.probabilities.subarray(0, 3)).map((x) => +x.toFixed(12))).toEqual([0.6, 0.2, 0.2]);
  });

  it('refuses live changes of the feature space but accepts the same values', () => {
    const p = createLinUcbPolicy({ dimension: 32 });
    expect(fieldOf(() => p.tune({ dimension: 64 }))).toBe('linucb.dimension');
    expect(fieldOf(() => p.tune({ hashing: 'unsigned' }))).toBe('linucb.hashing');
    expect(fieldOf(() => p.tune({ features: [{ kind: 'bias' }] }))).toBe('linucb.features');
    expect(() => p.tune(p.params())).not.toThrow();
  });

  it('changing lambda live gives the same model as starting with it', () => {
    const a = createLinUcbPolicy({ dimension: 32, lambda: 1 });
    const b = createLinUcbPolicy({ dimension: 32, lambda: 3 });
    for (let i = 0; i < 30; i++) {
      const c = i % 2 ? ctx : other;
      a.update(c, 'acq-a', i % 3 ? 1 : 0, 1);
      b.update(c, 'acq-a', i % 3 ? 1 : 0, 1);
    }
    a.tune({ lambda: 3 });
    expect(a.predict(ctx, 'acq-a')).toBeCloseTo(b.predict(ctx, 'acq-a'), 10);
    const oa = new DecisionBuffer();
    const ob = new DecisionBuffer();
    a.decide(other, ROUTES, new Rng(5), oa);
    b.decide(other, ROUTES, new Rng(5), ob);
    for (let i = 0; i < 3; i++) expect(oa.scores[i]).toBeCloseTo(ob.scores[i]!, 10);
  });
});

describe('LinUCB decisions', () => {
  it('scores = theta.x + alpha sqrt(x^T A^-1 x), computed densely from the model', () => {
    const p = createLinUcbPolicy({ dimension: 16, alpha: 0.7 });
    for (let i = 0; i < 15; i++) p.update(i % 2 ? ctx : other, 'acq-b', i % 3 ? 1 : 0, 0.5 + (i % 2) / 2);
    const d = 16;
    const x = p.encoder.encodeDense(ctx, new Float64Array(d));
    const inv = p.store.usedInverse('acq-b', new Float64Array(d * d));
    const theta = p.store.models.get('acq-b')!.theta;
    let mean = 0;
    let q = 0;
    for (let i = 0; i < d; i++) {
      mean += theta[i]! * x[i]!;
      for (let j = 0; j < d; j++) q += x[i]! * inv[i * d + j]! * x[j]!;
    }
    const out = new DecisionBuffer();
    p.decide(ctx, ['acq-a', 'acq-b'], new Rng(1), out);
    expect(out.scores[1]).toBeCloseTo(mean + 0.7 * Math.sqrt(q), 12);
    // an unseen route scores the prior: 0 + alpha |x| / sqrt(lambda)
    let norm2 = 0;
    for (const v of x) norm2 += v * v;
    expect(out.scores[0]).toBeCloseTo(0.7 * Math.sqrt(norm2), 12);
    expect(p.predict(ctx, 'acq-b')).toBeCloseTo(Math.min(1, Math.max(0, mean)), 12);
  });

  it('splits ties evenly (all routes new) and puts 1 - (n-1) floor on a clear winner', () => {
    const p = createLinUcbPolicy({ dimension: 32, floor: 0.05 });
    const out = new DecisionBuffer();
    p.decide(ctx, ROUTES, new Rng(1), out);
    expect(Array.from(out.probabilities.subarray(0, 3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    for (let i = 0; i < 200; i++) {
      p.update(ctx, 'acq-a', 0, 1);
      p.update(ctx, 'acq-b', 1, 1);
      p.update(ctx, 'acq-c', 0, 1);
    }
    p.decide(ctx, ROUTES, new Rng(1), out);
    expect(out.probabilities[1]).toBeCloseTo(0.9, 12);
    expect(out.probabilities[0]).toBeCloseTo(0.05, 12);
    expect(p.predict(ctx, 'acq-b')).toBeGreaterThan(0.95);
    expect(p.predict(ctx, 'acq-a')).toBe(0);
  });

  it('chooses with the logged probabilities (empirical frequencies over 20,000 keys)', () => {
    const p = createLinUcbPolicy({ dimension: 32, floor: 0.1 });
    for (let i = 0; i < 50; i++) p.update(ctx, 'acq-a', 1, 1);
    const out = new DecisionBuffer();
    const rng = new Rng(0);
    const counts = [0, 0, 0];
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      rng.reseed(99, `tx-${i}`);
      p.decide(ctx, ROUTES, rng, out);
      counts[out.chosen]!++;
    }
    for (let i = 0; i < 3; i++) {
      const pi = out.probabilities[i]!;
      expect(Math.abs(counts[i]! / N - pi)).toBeLessThan(4 * Math.sqrt((pi * (1 - pi)) / N));
    }
  });

  it('rejects unusable candidate lists and update arguments', () => {
    const p = createLinUcbPolicy({ dimension: 32 });
    const out = new DecisionBuffer(4);
    expect(() => p.decide(ctx, [], new Rng(1), out)).toThrow(InvalidCandidatesError);
    expect(() => p.decide(ctx, ['a', 'a'], new Rng(1), out)).toThrow(/appears twice/);
    expect(() => p.decide(ctx, ['a', 'b', 'c', 'd', 'e'], new Rng(1), out)).toThrow(/at most 4/);
    expect(() => p.decide(ctx, ['a', ''], new Rng(1), out)).toThrow(InvalidCandidatesError);
    expect(() => p.update(ctx, 'a', Number.NaN, 1)).toThrow(ValidationError);
    expect(() => p.update(ctx, 'a', 1, -0.5)).toThrow(/weight/);
    expect(() => p.update(ctx, '', 1, 1)).toThrow(/route/);
    expect(p.observations).toBe(0);
  });

  it('learns nothing from a zero-weight update (besides forgetting)', () => {
    const p = createLinUcbPolicy({ dimension: 32 });
    p.update(ctx, 'acq-a', 1, 1);
    const before = p.predict(ctx, 'acq-a');
    p.update(ctx, 'acq-a', 0, 0);
    expect(p.predict(ctx, 'acq-a')).toBe(before);
    expect(p.observations).toBe(2);
  });
});

describe('LinUCB snapshot / restore', () => {
  function trained() {
    const p = createLinUcbPolicy({ dimension: 16, discount: 0.99, refactorEvery: 7 });
    for (let i = 0; i < 40; i++) p.update(i % 2 ? ctx : other, ROUTES[i % 3]!, i % 4 ? 1 : 0, 1);
    return p;
  }

  it('is plain JSON and restores into a differently configured policy', () => {
    const a = trained();
    const snap = a.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    const b = createLinUcbPolicy({ dimension: 64, alpha: 2 });
    b.restore(JSON.parse(JSON.stringify(snap)));
    expect(b.params()).toEqual(a.params());
    expect(b.encoder.dimension).toBe(16);
    expect(b.predict(ctx, 'acq-b')).toBe(a.predict(ctx, 'acq-b'));
  });

  it('restores its own snapshot after long, ill-conditioned runs (tiny lambda, forgetting)', () => {
    for (const [lambda, discount, n] of [[1e-6, 1, 5000], [1e-3, 0.999, 5000], [100, 1, 2000]] as const) {
      const a = createLinUcbPolicy({ dimension: 32, lambda, discount });
      const rng = new Rng(1);
      for (let i = 0; i < n; i++) a.update({ ...ctx, merchantId: `m${rng.int(3)}`, amountMinor: 1000 + rng.int(1000), threeDS: rng.next() < 0.5 }, 'acq-a', rng.next() < 0.9 ? 1 : 0, 1);
      const b = createLinUcbPolicy();
      expect(() => b.restore(JSON.parse(JSON.stringify(a.snapshot())))).not.toThrow();
      expect(b.predict(ctx, 'acq-a')).toBe(a.predict(ctx, 'acq-a'));
    }
  });

  it('refuses foreign, corrupt or inconsistent snapshots and keeps its state', () => {
    const a = trained();
    const good = a.snapshot();
    const b = trained();
    const before = JSON.stringify(b.snapshot());
    const state = good.state as { dimension: number; routes: { ainv: number[]; theta: number[]; a: number[] }[] };
    const bad = [
      { ...good, policy: 'lints' },
      { ...good, version: 'linucb/0' },
      { ...good, observations: -1 },
      { ...good, params: { ...good.params, floor: 0 } },
      { ...good, state: null },
      { ...good, state: { ...state, dimension: 32 } },
      { ...good, state: { ...state, routes: [{ ...state.routes[0]!, ainv: state.routes[0]!.ainv.map((v, i) => (i === 3 ? v + 0.5 : v)) }] } },
      { ...good, state: { ...state, routes: [{ ...state.routes[0]!, theta: state.routes[0]!.theta.map((v) => v + 1) }] } },
      { ...good, state: { ...state, routes: [{ ...state.routes[0]!, a: state.routes[0]!.a.map(() => 0) }] } },
      { ...good, state: { ...state, routes: [{ ...state.routes[0]!, b: [1, 2] }] } },
      { ...good, state: { ...state, routes: [state.routes[0], state.routes[0]] } },
    ];
    for (const s of bad) {
      expect(() => b.restore(s as never)).toThrow(InvalidStateError);
      expect(JSON.stringify(b.snapshot())).toBe(before);
    }
  });
});
