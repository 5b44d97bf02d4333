import { describe, expect, it } from 'vitest';
import { createThompsonPolicy } from '../../policies/thompson/index.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidCandidatesError, InvalidConfigError, InvalidStateError, ValidationError } from '../../policies/errors.ts';

const DE = { issuerCountry: 'DE', cardNetwork: 'visa', cardType: 'credit' };
const FR = { issuerCountry: 'FR', cardNetwork: 'visa', cardType: 'credit' };

describe('thompson: params', () => {
  it('has documented defaults and validates every field', () => {
    const p = createThompsonPolicy();
    expect(p.params()).toEqual({ segments: ['issuerRegion'], poolStrength: 20, discount: 1, floor: 0.005, priorAlpha: 1, priorBeta: 1 });
    expect(() => createThompsonPolicy({ floor: 0 })).toThrow(/thompson.floor/);
    expect(() => createThompsonPolicy({ floor: -0.1 })).toThrow(InvalidConfigError);
    expect(() => createThompsonPolicy({ discount: 0 })).toThrow(/thompson.discount/);
    expect(() => createThompsonPolicy({ discount: 1.01 })).toThrow(/thompson.discount/);
    expect(() => createThompsonPolicy({ poolStrength: 0 })).toThrow(/thompson.poolStrength/);
    expect(() => createThompsonPolicy({ segments: ['a', 'a'] })).toThrow(/thompson.segments/);
    expect(() => createThompsonPolicy({ segments: 'issuerCountry' })).toThrow(/thompson.segments/);
    expect(() => createThompsonPolicy({ epsilon: 0.1 })).toThrow(/thompson.epsilon/);
  });

  it('tune applies a valid patch, keeps learned state, and changes nothing on a bad one', () => {
    const p = createThompsonPolicy();
    p.update(DE, 'a', 1, 1);
    p.tune({ floor: 0.02, discount: 0.999 });
    expect(p.params()).toMatchObject({ floor: 0.02, discount: 0.999 });
    expect(p.observations).toBe(1);
    expect(() => p.tune({ floor: 0.03, discount: 2 })).toThrow(/discount/);
    expect(p.params()).toMatchObject({ floor: 0.02, discount: 0.999 });
    expect(() => p.tune({ segments: ['issuerCountry', 'cardNetwork'] })).toThrow(/segments/);
    expect(() => p.tune({ segments: ['issuerCountry'] })).toThrow(/segments/);
    p.tune({ segments: ['issuerRegion'] }); // the segments it has: not a change
  });
});

describe('thompson: decisions', () => {
  it('writes probabilities (> 0, sum 1, floor held), scores and a chosen index for every candidate', () => {
    const p = createThompsonPolicy({ floor: 0.01 });
    for (let i = 0; i < 200; i++) p.update(DE, 'a', i % 10 === 0 ? 0 : 1, 1);
    for (let i = 0; i < 200; i++) p.update(DE, 'b', i % 2, 1);
    const out = new DecisionBuffer();
    p.decide(DE, ['a', 'b', 'c'], new Rng(1, 't'), out);
    expect(out.count).toBe(3);
    const plain = out.toPlain(['a', 'b', 'c']);
    expect(plain.probabilities.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    for (const q of plain.probabilities) expect(q).toBeGreaterThanOrEqual(0.01 - 1e-12);
    expect(plain.probabilities[0]).toBeGreaterThan(0.9);
    expect(plain.scores[0]).toBeGreaterThan(plain.scores[1]!);
    expect(out.propensity).toBe(out.probabilities[out.chosen]);
  });

  it('rejects empty, oversized and duplicate candidate lists', () => {
    const p = createThompsonPolicy();
    const out = new DecisionBuffer(4);
    const rng = new Rng(1);
    expect(() => p.decide(DE, [], rng, out)).toThrow(InvalidCandidatesError);
    expect(() => p.decide(DE, ['a', 'b', 'c', 'd', 'e'], rng, out)).toThrow(/at most 4/);
    expect(() => p.decide(DE, ['a', 'b', 'a'], rng, out)).toThrow(/duplicate/);
  });

  it('a single candidate gets probability 1', () => {
    const out = new DecisionBuffer();
    createThompsonPolicy().decide(DE, ['only'], new Rng(3), out);
    expect(out.chosen).toBe(0);
    expect(out.propensity).toBe(1);
  });

  it('unknown and missing context values fall back to the coarser levels without crashing', () => {
    const p = createThompsonPolicy();
    for (let i = 0; i < 500; i++) p.update(DE, 'a', i % 5 === 0 ? 0 : 1, 1);
    const out = new DecisionBuffer();
    p.decide({}, ['a', 'b'], new Rng(1), out);
    p.decide({ issuerCountry: 42, cardNetwork: true, cardType: undefined }, ['a', 'b'], new Rng(1), out);
    expect(out.probabilities[0]! + out.probabilities[1]!).toBeCloseTo(1, 12);
    // an unseen segment is pulled towards the route's global rate (0.8), not the flat prior 0.5
    expect(p.predict({ issuerCountry: 'JP' }, 'a')).toBeGreaterThan(0.75);
  });

  it('pools: a thin segment borrows from its parent, and moves away with its own evidence', () => {
    // segmented by country so that DE and FR are two segments (by the default, their region, they are one)
    const p = createThompsonPolicy({ segments: ['issuerCountry'], discount: 1 });
    for (let i = 0; i < 2000; i++) p.update(DE, 'a', i % 10 === 0 ? 0 : 1, 1); // 90% in DE
    // FR never seen: prior from the global per-route level
    expect(p.predict(FR, 'a')).toBeCloseTo(p.predict({}, 'a'), 1);
    expect(p.predict(FR, 'a')).toBeGreaterThan(0.85);
    // a new route starts from the pooled all-routes mean rather than 0.5
    expect(p.predict(DE, 'new-route')).toBeGreaterThan(0.85);
    for (let i = 0; i < 400; i++) p.update(FR, 'a', i % 2, 1); // 50% in FR
    expect(p.predict(FR, 'a')).toBeLessThan(0.6);
    expect(p.predict(DE, 'a')).toBeGreaterThan(0.85);
  });

  it('fractional rewards and weights add w r to alpha and w (1 - r) to beta', () => {
    const p = createThompsonPolicy({ segments: [], discount: 1, poolStrength: 1e-9, priorAlpha: 1, priorBeta: 1 });
    // segments [] -> one level; poolStrength ~0 so the posterior is just the cell's evidence
    p.update({}, 'a', 0.25, 0.5);
    p.update({}, 'a', 1, 1);
    // s = 0.125 + 1, f = 0.375 -> mean 1.125 / 1.5
    expect(p.predict({}, 'a')).toBeCloseTo(1.125 / 1.5, 6);
    expect(() => p.update({}, 'a', 1.5, 1)).toThrow(ValidationError);
    expect(() => p.update({}, 'a', 1, NaN)).toThrow(/weight/);
    expect(p.observations).toBe(2);
  });

  it('lazy discounting equals eager discounting of every cell after every update', () => {
    const g = 0.97;
    const p = createThompsonPolicy({ segments: ['issuerCountry'], discount: g, poolStrength: 1e-9 });
    const eager = new Map<string, [number, number]>();
    const rng = new Rng(5);
    const countries = ['DE', 'FR', 'IT'];
    for (let t = 0; t < 300; t++) {
      const c = countries[rng.int(3)]!;
      const r = rng.next() < 0.7 ? 1 : 0;
      for (const [k, v] of eager) eager.set(k, [v[0] * g, v[1] * g]);
      const prev = eager.get(c) ?? [0, 0];
      eager.set(c, [prev[0] + r, prev[1] + 1 - r]);
      p.update({ issuerCountry: c }, 'a', r, 1);
    }
    for (const c of countries) {
      const [s, f] = eager.get(c)!;
      expect(p.predict({ issuerCountry: c }, 'a')).toBeCloseTo(s / (s + f), 6);
    }
  });
});

describe('thompson: snapshot and restore', () => {
  it('round-trips exactly through JSON and decides identically afterwards', () => {
    const p = createThompsonPolicy({ discount: 0.999 });
    const rng = new Rng(9);
    const ctxs = [DE, FR, { issuerCountry: 'US', cardNetwork: 'amex', cardType: 'debit', amount: 3 }, { issuerCountry: 1, cardNetwork: false }];
    for (let t = 0; t < 500; t++) p.update(ctxs[rng.int(4)]!, ['a', 'b', 'c'][rng.int(3)]!, rng.next(), rng.next());
    const snap = JSON.parse(JSON.stringify(p.snapshot())) as ReturnType<typeof p.snapshot>;
    const q = createThompsonPolicy();
    q.restore(snap);
    expect(q.snapshot()).toEqual(p.snapshot());
    expect(q.params()).toEqual(p.params());
    expect(q.observations).toBe(500);
    const o1 = new DecisionBuffer();
    const o2 = new DecisionBuffer();
    for (let i = 0; i < 50; i++) {
      const ctx = ctxs[i % 4]!;
      p.decide(ctx, ['a', 'b', 'c', 'd'], new Rng(1, `k${i}`), o1);
      q.decide(ctx, ['a', 'b', 'c', 'd'], new Rng(1, `k${i}`), o2);
      expect(o2.toPlain(['a'])).toEqual(o1.toPlain(['a']));
      expect(Array.from(o2.probabilities.subarray(0, 4))).toEqual(Array.from(o1.probabilities.subarray(0, 4)));
    }
  });

  it('refuses snapshots of another policy, version or shape', () => {
    const p = createThompsonPolicy();
    const good = p.snapshot();
    expect(() => p.restore({ ...good, policy: 'linucb' })).toThrow(InvalidStateError);
    expect(() => p.restore({ ...good, version: 'thompson/0' })).toThrow(InvalidStateError);
    expect(() => p.restore({ ...good, state: { tick: 0, all: [0, 0, 0], root: { routes: [['a', -1, 0, 0]], children: [] } } })).toThrow(/s and f/);
    expect(() => p.restore({ ...good, state: null })).toThrow(InvalidStateError);
    expect(() => p.restore({ ...good, observations: 3 })).toThrow(/observations/);
    expect(() => p.restore({ ...good, params: { floor: 0 } })).toThrow(/floor/);
  });
});
