import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLinUcbPolicy } from '../../policies/linear/linucb.ts';
import { MAX_PRIOR_DEFICIT, RidgeStore } from '../../policies/linear/ridge-store.ts';
import { SparseVector } from '../../policies/features/sparse-vector.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { matMul, matVec, maxAbsDiff, setIdentity, spdInverse } from '../../policies/linalg/index.ts';
import type { Policy } from '../../policies/core/policy.ts';

// ---- the ridge store against a naive dense reference ----

const D = 10;
const sparseX = fc
  .uniqueArray(fc.integer({ min: 0, max: D - 1 }), { minLength: 1, maxLength: 6 })
  .chain((idx) => fc.tuple(fc.constant(idx), fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: idx.length, maxLength: idx.length })));
const event = fc.record({ x: sparseX, reward: fc.double({ min: 0, max: 1, noNaN: true }), weight: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 2, noNaN: true })) });

function toSparse([idx, val]: [number[], number[]]): SparseVector {
  const sv = new SparseVector(D);
  sv.indices.set(idx);
  sv.values.set(val);
  sv.nnz = idx.length;
  return sv;
}

interface Reference {
  a: Float64Array;
  b: Float64Array;
}

function referenceUpdate(ref: Reference, sv: SparseVector, r: number, w: number, gamma: number, lambda: number): void {
  const x = sv.toDense(new Float64Array(D));
  for (let i = 0; i < D; i++) {
    ref.b[i] = gamma * ref.b[i]! + w * r * x[i]!;
    for (let j = 0; j < D; j++) ref.a[i * D + j] = gamma * ref.a[i * D + j]! + (i === j ? (1 - gamma) * lambda : 0) + w * x[i]! * x[j]!;
  }
}

function identityError(a: Float64Array, inv: Float64Array): number {
  const prod = new Float64Array(D * D);
  matMul(a, inv, D, prod);
  const id = new Float64Array(D * D);
  setIdentity(id, D);
  return maxAbsDiff(prod, id, D * D);
}

describe('RidgeStore: incremental inverse, lazy scale and deferred prior', () => {
  it('tracks A exactly, keeps A_used^-1 = fresh Cholesky inverse of A - cI, bounds c, and re-factorises to the exact inverse', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        fc.oneof(fc.constant(1), fc.double({ min: 0.8, max: 0.9999, noNaN: true })),
        fc.integer({ min: 1, max: 40 }),
        fc.array(event, { minLength: 1, maxLength: 120 }),
        (lambda, gamma, refactorEvery, events) => {
          const store = new RidgeStore(D, { lambda, discount: gamma, refactorEvery });
          const ref: Reference = { a: new Float64Array(D * D), b: new Float64Array(D) };
          setIdentity(ref.a, D, lambda);
          const exact = new Float64Array(D * D);
          const used = new Float64Array(D * D);
          const fresh = new Float64Array(D * D);
          const work = new Float64Array(D * D);
          const theta = new Float64Array(D);
          for (const e of events) {
            const sv = toSparse(e.x);
            store.update('r', sv, e.reward, e.weight);
            referenceUpdate(ref, sv, e.reward, e.weight, gamma, lambda);
            const m = store.models.get('r')!;
            // 1. A = s A-hat + c I equals the reference recurrence
            store.exactA('r', exact);
            expect(maxAbsDiff(exact, ref.a, D * D)).toBeLessThan(1e-9 * (1 + Math.max(...ref.a.map(Math.abs))));
            // 2. the deferred prior mass is bounded (and zero without forgetting)
            expect(m.pending).toBeGreaterThanOrEqual(0);
            expect(m.pending).toBeLessThanOrEqual(Math.min(lambda * (1 - gamma ** refactorEvery), MAX_PRIOR_DEFICIT * lambda) * (1 + 1e-12) + 1e-15);
            if (gamma === 1) expect(m.pending).toBe(0);
            // 3. the maintained inverse is the inverse of A_used = A - cI ...
            for (let i = 0; i < D * D; i++) work[i] = exact[i]!;
            for (let i = 0; i < D; i++) work[i * D + i] = work[i * D + i]! - m.pending;
            store.usedInverse('r', used);
            expect(identityError(work, used)).toBeLessThan(1e-8);
            // ... and theta = A_used^-1 b
            spdInverse(work, D, fresh, new Float64Array(D * D));
            matVec(fresh, D, ref.b, theta);
            expect(maxAbsDiff(theta, m.theta, D)).toBeLessThan(1e-8 * (1 + Math.max(...theta.map(Math.abs))));
          }
          // 4. a re-factorisation makes everything exact against the reference
          store.refactor(store.models.get('r')!);
          store.usedInverse('r', used);
          spdInverse(ref.a, D, fresh, new Float64Array(D * D));
          expect(maxAbsDiff(used, fresh, D * D)).toBeLessThan(1e-9);
          matVec(fresh, D, ref.b, theta);
          expect(maxAbsDiff(theta, store.models.get('r')!.theta, D)).toBeLessThan(1e-9 * (1 + Math.max(...theta.map(Math.abs))));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('without forgetting, the order of updates does not matter (within tolerance)', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 2, maxLength: 60 }), fc.integer({ min: 1, max: 30 }), fc.integer(), (events, refactorEvery, seed) => {
        const a = new RidgeStore(D, { lambda: 1, discount: 1, refactorEvery });
        const b = new RidgeStore(D, { lambda: 1, discount: 1, refactorEvery });
        const perm = events.map((e, i) => ({ e, k: new Rng(seed, String(i)).next() })).sort((p, q) => p.k - q.k).map((p) => p.e);
        for (const e of events) a.update('r', toSparse(e.x), e.reward, e.weight);
        for (const e of perm) b.update('r', toSparse(e.x), e.reward, e.weight);
        const ia = a.usedInverse('r', new Float64Array(D * D));
        const ib = b.usedInverse('r', new Float64Array(D * D));
        expect(maxAbsDiff(ia, ib, D * D)).toBeLessThan(1e-9);
        expect(maxAbsDiff(a.models.get('r')!.theta, b.models.get('r')!.theta, D)).toBeLessThan(1e-8);
      }),
      { numRuns: 150 },
    );
  });

  it('changing lambda is exact: same as having used the new lambda from the start', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 40 }), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true }), (events, l1, l2) => {
        const a = new RidgeStore(D, { lambda: l1, discount: 1, refactorEvery: 1000 });
        const b = new RidgeStore(D, { lambda: l2, discount: 1, refactorEvery: 1000 });
        for (const e of events) {
          a.update('r', toSparse(e.x), e.reward, e.weight);
          b.update('r', toSparse(e.x), e.reward, e.weight);
        }
        a.setLambda(l2);
        expect(maxAbsDiff(a.usedInverse('r', new Float64Array(D * D)), b.usedInverse('r', new Float64Array(D * D)), D * D)).toBeLessThan(1e-9);
        expect(maxAbsDiff(a.models.get('r')!.theta, b.models.get('r')!.theta, D)).toBeLessThan(1e-8);
      }),
      { numRuns: 100 },
    );
  });
});

// ---- the policy ----

const ROUTES = ['acq-a', 'acq-b', 'acq-c', 'acq-d', 'acq-e', 'acq-f'];
const paymentContext = fc.record({
  transactionId: fc.string({ minLength: 1, maxLength: 8 }),
  merchantId: fc.constantFrom('m-1', 'm-2', 'm-3'),
  amountMinor: fc.integer({ min: 0, max: 10_000_000 }),
  currency: fc.constantFrom('EUR', 'USD', 'GBP'),
  cardNetwork: fc.constantFrom('visa', 'mastercard', 'amex'),
  cardType: fc.constantFrom('credit', 'debit', 'prepaid'),
  issuerCountry: fc.constantFrom('DE', 'FR', 'US', 'GB'),
  channel: fc.constantFrom('ecom', 'recurring', 'moto', 'pos'),
  mcc: fc.constantFrom('5411', '5812', '4111'),
  threeDS: fc.boolean(),
  occurredAtMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
});
const candidates = fc.subarray(ROUTES, { minLength: 1 }).chain((c) => fc.shuffledSubarray(c, { minLength: c.length, maxLength: c.length }));
const history = fc.array(
  fc.record({ ctx: paymentContext, cands: candidates, reward: fc.constantFrom(0, 1, 0.5), weight: fc.constantFrom(1, 0.5, 0) }),
  { maxLength: 40 },
);
const policyParams = fc.record({
  alpha: fc.double({ min: 0, max: 3, noNaN: true }),
  lambda: fc.double({ min: 0.1, max: 5, noNaN: true }),
  discount: fc.oneof(fc.constant(1), fc.double({ min: 0.9, max: 1, noNaN: true })),
  floor: fc.double({ min: 1e-4, max: 0.3, noNaN: true }),
  refactorEvery: fc.integer({ min: 1, max: 50 }),
  dimension: fc.constantFrom(16, 32),
});

/** Run the history (decide then update the chosen route), returning every decision. */
function run(policy: Policy, events: { ctx: Record<string, unknown>; cands: string[]; reward: number; weight: number }[], seed: number, from = 0) {
  const rng = new Rng(seed);
  const out = new DecisionBuffer();
  return events.map((e, i) => {
    rng.reseed(seed, `tx-${from + i}`);
    policy.decide(e.ctx as never, e.cands, rng, out);
    const d = { ...out.toPlain(e.cands), chosen: out.chosen, candidates: e.cands };
    policy.update(e.ctx as never, d.route, e.reward, e.weight);
    return d;
  });
}

describe('LinUCB policy properties', () => {
  it('probabilities are in (0, 1], sum to 1 over exactly the candidates, respect the floor; chosen is a candidate', () => {
    fc.assert(
      fc.property(policyParams, history, fc.integer(), (params, events, seed) => {
        const policy = createLinUcbPolicy(params);
        for (const d of run(policy, events, seed)) {
          const n = d.probabilities.length;
          const sum = d.probabilities.reduce((s, p) => s + p, 0);
          expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
          for (const p of d.probabilities) {
            expect(p).toBeGreaterThan(0);
            expect(p).toBeLessThanOrEqual(1);
            expect(p).toBeGreaterThanOrEqual(Math.min(params.floor, 1 / n) * (1 - 1e-12));
          }
          expect(n).toBe(d.candidates.length);
          expect(d.chosen >= 0 && d.chosen < n).toBe(true);
          expect(d.route).toBe(d.candidates[d.chosen]);
          expect(d.propensity).toBe(d.probabilities[d.chosen]);
          for (const s of d.scores) expect(Number.isFinite(s)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('same seed and same events give the same decisions, bit for bit', () => {
    fc.assert(
      fc.property(policyParams, history, fc.integer(), (params, events, seed) => {
        expect(run(createLinUcbPolicy(params), events, seed)).toEqual(run(createLinUcbPolicy(params), events, seed));
      }),
      { numRuns: 40 },
    );
  });

  it('snapshot then restore (through JSON) changes nothing: later decisions are bit-identical', () => {
    fc.assert(
      fc.property(policyParams, history, history, fc.integer(), (params, before, after, seed) => {
        const a = createLinUcbPolicy(params);
        run(a, before, seed);
        const b = createLinUcbPolicy();
        b.restore(JSON.parse(JSON.stringify(a.snapshot())));
        expect(b.params()).toEqual(a.params());
        expect(b.observations).toBe(a.observations);
        expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
        expect(run(b, after, seed, before.length)).toEqual(run(a, after, seed, before.length));
      }),
      { numRuns: 40 },
    );
  });
});
