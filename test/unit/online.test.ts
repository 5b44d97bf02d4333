import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Policy } from '../../policies/core/policy.ts';
import { createRandomPolicy } from '../../policies/baselines/random.ts';
import { InvalidConfigError, UnknownPolicyError } from '../../policies/errors.ts';
import { createReferencePolicy, groundTruthValue, OutcomeQueue, runExperiment, runSeed, spreadOf } from '../../simulator/online/index.ts';
import { createWorld, SCENARIO_NAMES } from '../../simulator/worlds/index.ts';

/** A spy that records the time (decision count) at which each update arrives. */
function spyPolicy(): Policy & { readonly updateLog: { atDecision: number; route: string; reward: number }[] } {
  const inner = createRandomPolicy();
  let decisions = 0;
  const updateLog: { atDecision: number; route: string; reward: number }[] = [];
  return Object.assign(Object.create(null) as object, {
    name: 'spy', version: 'spy/1',
    get observations() { return inner.observations; },
    params: () => inner.params(),
    tune: (p: { readonly [k: string]: unknown }) => inner.tune(p),
    decide: (...args: Parameters<Policy['decide']>) => { decisions++; inner.decide(...args); },
    update: (ctx: Parameters<Policy['update']>[0], route: string, reward: number, weight: number) => { updateLog.push({ atDecision: decisions, route, reward }); inner.update(ctx, route, reward, weight); },
    predict: () => 0.5,
    snapshot: () => inner.snapshot(),
    restore: (s: Parameters<Policy['restore']>[0]) => inner.restore(s),
    updateLog,
  }) as Policy & { readonly updateLog: { atDecision: number; route: string; reward: number }[] };
}

/** A minimal learner: per (issuer country, route) Beta-mean, greedy with 5% uniform exploration. */
function perCountryGreedy(): Policy {
  const stats = new Map<string, [number, number]>();
  let observations = 0;
  const mean = (k: string): number => {
    const v = stats.get(k) ?? [0, 0];
    return (v[0] + 1.8) / (v[1] + 2);
  };
  const eps = 0.05;
  return {
    name: 'per-country-greedy', version: 'pcg/1',
    get observations() { return observations; },
    params: () => ({}), tune() {},
    decide(ctx, cands, rng, out) {
      const n = cands.length;
      out.count = n;
      let best = 0;
      for (let i = 0; i < n; i++) {
        out.scores[i] = mean(`${String(ctx['issuerCountry'])}|${cands[i]}`);
        if (out.scores[i]! > out.scores[best]!) best = i;
      }
      for (let i = 0; i < n; i++) out.probabilities[i] = eps / n + (i === best ? 1 - eps : 0);
      out.chosen = rng.next() < eps ? rng.int(n) : best;
    },
    update(ctx, route, reward, weight) {
      const k = `${String(ctx['issuerCountry'])}|${route}`;
      const v = stats.get(k) ?? [0, 0];
      stats.set(k, [v[0] + reward * weight, v[1] + weight]);
      observations++;
    },
    predict: (ctx, route) => mean(`${String(ctx['issuerCountry'])}|${route}`),
    snapshot: () => ({ policy: 'per-country-greedy', version: 'pcg/1', params: {}, observations, state: null }),
    restore() {},
  };
}

const strip = (r: ReturnType<typeof runExperiment>) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'policyMicrosPerTx' ? 0 : v)));

describe('online runner', () => {
  it('is deterministic by seed, and another seed gives other numbers', () => {
    const opts = { scenario: 'outage', n: 3000, policies: ['random', 'best-static', 'oracle'], seeds: 2 } as const;
    const a = runExperiment({ ...opts, seed: 7 });
    const b = runExperiment({ ...opts, seed: 7 });
    const c = runExperiment({ ...opts, seed: 8 });
    expect(strip(b)).toEqual(strip(a));
    expect(strip(c)).not.toEqual(strip(a));
    expect(a.seeds).toEqual([7, 8]);
  });

  it('oracle has zero regret, best-static sits between random and oracle; metrics are consistent', () => {
    const r = runExperiment({ scenario: 'stable', n: 8000, policies: ['random', 'best-static', 'oracle'], seeds: 2 });
    const [random, best, oracle] = r.policies;
    expect(oracle!.regret.max).toBe(0);
    expect(oracle!.expectedApprovalRate.mean).toBeCloseTo(r.oracleApprovalRate.mean, 12);
    expect(best!.regret.mean).toBeGreaterThan(0);
    expect(random!.regret.mean).toBeGreaterThan(best!.regret.mean);
    for (const p of r.policies) {
      // regret = n x (oracle rate - expected rate), per seed
      p.regret.values.forEach((v, i) => expect(v).toBeCloseTo(r.n * (r.oracleApprovalRate.values[i]! - p.expectedApprovalRate.values[i]!), 6));
      expect(Math.abs(p.approvalRate.mean - p.expectedApprovalRate.mean)).toBeLessThan(0.015);
      expect(p.curves.t.at(-1)).toBe(8000);
      expect(p.curves.cumulativeRegret.mean.at(-1)).toBeCloseTo(p.regret.mean, 6);
      expect(Object.values(p.routeShares).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      expect(p.updatesApplied.min).toBe(8000);
      expect(p.pendingAtEnd.max).toBe(0);
      expect(p.curves.approvalRate.min.every((v, i) => v <= p.curves.approvalRate.mean[i]! && p.curves.approvalRate.max[i]! >= p.curves.approvalRate.mean[i]!)).toBe(true);
    }
    // the oracle's predictions are the truth: well calibrated; random predicts 0.5 for an ~85% world
    expect(oracle!.calibration!.overall.ece).toBeLessThan(0.02);
    expect(random!.calibration!.overall.ece).toBeGreaterThan(0.3);
    expect(Object.keys(random!.calibration!.routes).sort()).toEqual(Object.keys(random!.routeShares).sort());
  });

  it('the outage shows as an approval dip for a route-following rule, not for the oracle', () => {
    const r = runExperiment({ scenario: 'outage', n: 10_000, points: 20, policies: [{ name: 'best-static' }, { name: 'oracle' }, { name: 'random' }] });
    const random = r.policies[2]!.curves.expectedApprovalRate.mean;
    const oracle = r.policies[1]!.curves.expectedApprovalRate.mean;
    // windows 0-7 before, 8-10 inside [4000, 5500)
    expect(random[9]!).toBeLessThan(random[2]! - 0.03);
    expect(Math.abs(oracle[9]! - oracle[2]!)).toBeLessThan(0.02);
  });

  it('batches and delays: updates arrive only at batch boundaries, after their delay', () => {
    const world = createWorld('delayed', { horizon: 2000, meanDelay: 30 });
    const spy = spyPolicy();
    const [run] = runSeed(world, [spy], 3, { n: 2000, batch: 50 });
    // outcomes whose delay runs past the last transaction never reach the policy
    expect(run!.updates + run!.pendingAtEnd).toBe(2000);
    expect(run!.pendingAtEnd).toBeGreaterThan(0);
    expect(spy.updateLog.length).toBe(run!.updates);
    for (const u of spy.updateLog) expect(u.atDecision % 50 === 0 || u.atDecision === 2000).toBe(true);
    const atFirstBoundary = spy.updateLog.filter((u) => u.atDecision === 50).length;
    expect(atFirstBoundary).toBeLessThan(50); // delays hold some back
    expect(spy.updateLog.reduce((s, u) => s + u.reward, 0)).toBeLessThanOrEqual(run!.approvals);

    const immediate = spyPolicy();
    runSeed(createWorld('stable', { horizon: 100 }), [immediate], 3, { n: 100 });
    expect(immediate.updateLog.map((u) => u.atDecision)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('uses the given reward and weight functions', () => {
    const world = createWorld('stable', { horizon: 500 });
    const spy = spyPolicy();
    runSeed(world, [spy], 1, { n: 500, reward: (o) => (o.responseCode === '51' ? 0.5 : o.approved ? 1 : 0), weight: () => 0.25 });
    expect(spy.updateLog.some((u) => u.reward === 0.5)).toBe(true);
  });

  it('rejects bad options and unknown policies naming the field, before running', () => {
    expect(() => runExperiment({ scenario: 'stable', n: 0, policies: ['random'] })).toThrow(/^n: /);
    expect(() => runExperiment({ scenario: 'stable', n: 10, policies: ['random'], batch: 0 })).toThrow(/^batch: /);
    expect(() => runExperiment({ scenario: 'stable', n: 10, policies: ['random'], seeds: 0 })).toThrow(InvalidConfigError);
    expect(() => runExperiment({ scenario: 'stable', n: 10, policies: ['random', 'random'] })).toThrow(/twice/);
    expect(() => runExperiment({ scenario: 'stable', n: 10, policies: ['nope'] })).toThrow(UnknownPolicyError);
    expect(() => runExperiment({ scenario: 'mars', n: 10, policies: ['random'] })).toThrow(/scenario/);
    expect(() => createReferencePolicy('oracle', createWorld('stable'), { x: 1 })).toThrow(/oracle\.x/);
  });

  it('learning matters: a simple per-issuer-country learner beats the best static rule within 20k payments', () => {
    const world = createWorld('stable', { horizon: 20_000 });
    for (const seed of [1, 2]) {
      const [learner, rule] = runSeed(world, [perCountryGreedy(), createReferencePolicy('best-static', world)], seed, { n: 20_000, batch: 50, points: 2, calibrationBins: 0 });
      expect(learner!.regret).toBeLessThan(rule!.regret * 0.85);
      // and it keeps improving: less regret in the second half than in the first
      const [firstHalf, total] = learner!.curves.cumulativeRegret;
      expect(total! - firstHalf!).toBeLessThan(firstHalf!);
    }
  });

  it('runs 20k transactions x 4 policies in seconds', () => {
    const t0 = performance.now();
    runExperiment({ scenario: 'stable', n: 20_000, policies: ['random', 'best-static', 'oracle', { name: 'random', label: 'random-2' }] });
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

describe('online runner properties', () => {
  it('for any scenario, seed and batch: regret curves never decrease, rates stay in [0, 1], every decision is counted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCENARIO_NAMES), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 50, max: 400 }), (scenario, seed, batch, n) => {
        const world = createWorld(scenario, { horizon: n });
        const runs = runSeed(world, [createRandomPolicy(), createReferencePolicy('oracle', world)], seed, { n, batch, points: 10 });
        for (const r of runs) {
          const c = r.curves.cumulativeRegret;
          for (let i = 1; i < c.length; i++) expect(c[i]!).toBeGreaterThanOrEqual(c[i - 1]! - 1e-9);
          for (const x of [...r.curves.approvalRate, ...r.curves.expectedApprovalRate]) expect(x >= 0 && x <= 1).toBe(true);
          expect(Object.values(r.routeCounts).reduce((a, b) => a + b, 0)).toBe(n);
          expect(r.updates + r.pendingAtEnd).toBe(n);
          expect(r.approvals).toBeLessThanOrEqual(n);
        }
        expect(runs[1]!.regret).toBe(0);
      }),
      { numRuns: 25 },
    );
  });
});

describe('ground-truth value of a fixed policy', () => {
  it('random = mean over candidates, oracle = the oracle value; matches the on-policy run in expectation', () => {
    const world = createWorld('stable', { horizon: 3000 });
    const random = groundTruthValue(world, createRandomPolicy(), { n: 3000, seed: 4 });
    const oracle = groundTruthValue(world, createReferencePolicy('oracle', world), { n: 3000, seed: 4 });
    expect(oracle.value).toBeCloseTo(oracle.oracleValue, 12);
    expect(random.oracleValue).toBe(oracle.oracleValue);
    expect(random.value).toBeLessThan(oracle.value - 0.02);
    expect(random.standardError).toBeGreaterThan(0);
    // the on-policy run of the same (non-learning) policy over the same payments has the same expectation
    const [run] = runSeed(world, [createRandomPolicy()], 4, { n: 3000 });
    expect(Math.abs(run!.expectedApprovals / 3000 - random.value)).toBeLessThan(0.01);
    expect(run!.oracleExpectedApprovals / 3000).toBeCloseTo(random.oracleValue, 12);
    expect(() => groundTruthValue(world, createRandomPolicy(), { n: 0, seed: 1 })).toThrow(/^n: /);
  });
});

describe('outcome queue and spread', () => {
  it('drains in arrival order, FIFO among equal arrivals', () => {
    const q = new OutcomeQueue<string>();
    [[5, 'a'], [1, 'b'], [5, 'c'], [3, 'd'], [1, 'e']].forEach(([t, s]) => q.push(t as number, s as string));
    const got: string[] = [];
    expect(q.drain(3, (s) => got.push(s))).toBe(3);
    expect(got).toEqual(['b', 'e', 'd']);
    q.drain(10, (s) => got.push(s));
    expect(got).toEqual(['b', 'e', 'd', 'a', 'c']);
    expect(q.size).toBe(0);
  });

  it('spread: mean, sd, min, max and t-interval by hand', () => {
    const s = spreadOf([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect([s.min, s.max]).toEqual([1, 4]);
    expect(s.hi95 - s.mean).toBeCloseTo(3.182 * Math.sqrt(5 / 3) / 2, 10);
    const one = spreadOf([0.9]);
    expect([one.lo95, one.hi95, one.sd]).toEqual([0.9, 0.9, 0]);
  });
});
