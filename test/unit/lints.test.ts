import { describe, expect, it } from 'vitest';
import { createLinTsPolicy } from '../../policies/linear/lints.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidConfigError, InvalidStateError } from '../../policies/errors.ts';

const ctx = {
  transactionId: 'tx-1',
  merchantId: 'merchant-42',
  amountMinor: 4_200,
  currency: 'EUR',
  cardNetwork: 'mastercard',
  cardType: 'credit',
  issuerCountry: 'FR',
  channel: 'ecom',
  mcc: '5812',
  threeDS: false,
  occurredAtMs: Date.UTC(2026, 10, 22, 20),
};
const ROUTES = ['acq-a', 'acq-b', 'acq-c', 'acq-d'];

function trained(params: Record<string, unknown> = {}) {
  const p = createLinTsPolicy({ dimension: 32, ...params });
  const rng = new Rng(3);
  const rates = [0.6, 0.7, 0.65, 0.3];
  for (let i = 0; i < 60; i++) {
    const r = i % 4;
    p.update(ctx, ROUTES[r]!, rng.next() < rates[r]! ? 1 : 0, 1);
  }
  return p;
}

describe('LinTS params', () => {
  it('has documented defaults and validates', () => {
    expect(createLinTsPolicy().params()).toMatchObject({ v: 0.3, lambda: 1, discount: 1, floor: 0.01, refactorEvery: 1000, dimension: 32, hashing: 'signed' });
    expect(() => createLinTsPolicy({ v: -0.1 })).toThrow(InvalidConfigError);
    expect(() => createLinTsPolicy({ alpha: 1 })).toThrow(/lints\.alpha/);
    expect(() => createLinTsPolicy({ floor: 0 })).toThrow(/lints\.floor/);
  });
});

describe('LinTS decisions', () => {
  it('base probabilities are P(route has the max sampled score): matches 200,000 direct Thompson draws', () => {
    const p = trained({ floor: 1e-9 });
    const out = new DecisionBuffer();
    p.decide(ctx, ROUTES, new Rng(1), out);
    const x = p.encoder.createSparse();
    p.encoder.encode(ctx, x);
    const means = ROUTES.map((r) => p.store.mean(r, x));
    const sds = ROUTES.map((r) => 0.3 * Math.sqrt(p.store.variance(r, x)));
    expect(Array.from(out.scores.subarray(0, 4))).toEqual(means);
    const rng = new Rng(2024);
    const wins = [0, 0, 0, 0];
    const N = 200_000;
    for (let t = 0; t < N; t++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < 4; i++) {
        const s = means[i]! + sds[i]! * rng.normal();
        if (s > best) {
          best = s;
          arg = i;
        }
      }
      wins[arg]!++;
    }
    for (let i = 0; i < 4; i++) {
      const pi = wins[i]! / N;
      // Monte Carlo sd <= 0.0011; quadrature error ~1e-3
      expect(Math.abs(out.probabilities[i]! - pi)).toBeLessThan(4 * Math.sqrt((pi * (1 - pi)) / N) + 2e-3);
    }
    expect(out.probabilities[1]).toBeGreaterThan(out.probabilities[3]!);
  });

  it('mixes in the floor exactly and samples from the logged vector', () => {
    const base = trained({ floor: 1e-9 });
    const floored = trained({ floor: 0.05 });
    const a = new DecisionBuffer();
    const b = new DecisionBuffer();
    base.decide(ctx, ROUTES, new Rng(1), a);
    floored.decide(ctx, ROUTES, new Rng(1), b);
    for (let i = 0; i < 4; i++) {
      expect(b.probabilities[i]).toBeGreaterThanOrEqual(0.05 - 1e-12);
      expect(b.probabilities[i]).toBeCloseTo(0.05 + 0.8 * a.probabilities[i]!, 6);
    }
    const counts = [0, 0, 0, 0];
    const rng = new Rng(0);
    const N = 20_000;
    for (let t = 0; t < N; t++) {
      rng.reseed(7, `tx-${t}`);
      floored.decide(ctx, ROUTES, rng, b);
      counts[b.chosen]!++;
    }
    for (let i = 0; i < 4; i++) {
      const pi = b.probabilities[i]!;
      expect(Math.abs(counts[i]! / N - pi)).toBeLessThan(4 * Math.sqrt((pi * (1 - pi)) / N));
    }
  });

  it('v = 0 is greedy on the posterior mean (ties split); v tunes live', () => {
    const p = createLinTsPolicy({ dimension: 32, v: 0, floor: 0.01 });
    const out = new DecisionBuffer();
    p.decide(ctx, ROUTES, new Rng(1), out);
    expect(Array.from(out.probabilities.subarray(0, 4))).toEqual([0.25, 0.25, 0.25, 0.25]);
    p.update(ctx, 'acq-c', 1, 1);
    p.decide(ctx, ROUTES, new Rng(1), out);
    expect(out.probabilities[2]).toBeCloseTo(0.97, 12);
    p.tune({ v: 1 });
    p.decide(ctx, ROUTES, new Rng(1), out);
    // unseen routes have prior sd v |x| / sqrt(lambda): exploration now spreads the mass
    expect(out.probabilities[2]).toBeLessThan(0.9);
    for (const i of [0, 1, 3]) expect(out.probabilities[i]).toBeGreaterThan(0.05);
  });

  it('snapshot / restore is exact and validated', () => {
    const a = trained({ discount: 0.995 });
    const b = createLinTsPolicy();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    const oa = new DecisionBuffer();
    const ob = new DecisionBuffer();
    a.decide(ctx, ROUTES, new Rng(9, 'k'), oa);
    b.decide(ctx, ROUTES, new Rng(9, 'k'), ob);
    expect(ob.toPlain(ROUTES)).toEqual(oa.toPlain(ROUTES));
    expect(() => b.restore({ ...a.snapshot(), policy: 'linucb', version: 'linucb/1' })).toThrow(InvalidStateError);
  });
});
