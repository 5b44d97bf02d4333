import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../policies/core/rng.ts';
import {
  BootstrapAccumulator,
  RowBatch,
  clippedIps,
  defaultEstimators,
  dm,
  dr,
  evaluateOffPolicy,
  ips,
  onPolicyMean,
  quantile,
  sndr,
  snips,
  switchDr,
  type Estimator,
} from '../../simulator/estimators/index.ts';
import { empiricalTargetFromLog } from '../../simulator/target/index.ts';
import { LOGGING, UNIFORM3, simulateBatch, tempDir, trueValue, worldCsv } from './ope-fixtures.ts';

/** Four rows, two actions, numbers exact in binary so the hand computations are exact. */
function handBatch(): RowBatch {
  const b = new RowBatch(8, 2);
  const rows = [
    { a: 0, r: 1, p: 0.5, pi: [1, 0], q: [0.5, 0.25] },
    { a: 1, r: 0, p: 0.25, pi: [0.5, 0.5], q: [0.5, 0.25] },
    { a: 0, r: 1, p: 0.5, pi: [0.25, 0.75], q: [0.75, 0.5] },
    { a: 1, r: 1, p: 0.5, pi: [0, 1], q: [0.25, 0.75] },
  ];
  rows.forEach((row, i) => {
    b.action[i] = row.a;
    b.reward[i] = row.r;
    b.propensity[i] = row.p;
    b.targetDist.set(row.pi, i * 2);
    b.qhat.set(row.q, i * 2);
  });
  b.size = rows.length;
  b.derive();
  return b;
}

function pointEstimate(e: Estimator, b: RowBatch): number {
  const acc = new BootstrapAccumulator([e], 0, 1);
  acc.add(b);
  return acc.result()[e.name]!.value;
}

describe('estimators: hand computations', () => {
  // weights: 2, 2, 0.5, 2; rewards 1, 0, 1, 1
  it('IPS = (2*1 + 2*0 + 0.5*1 + 2*1) / 4 exactly', () => {
    expect(pointEstimate(ips, handBatch())).toBe(4.5 / 4);
  });
  it('SNIPS = 4.5 / (2 + 2 + 0.5 + 2) exactly', () => {
    expect(pointEstimate(snips, handBatch())).toBe(4.5 / 6.5);
  });
  it('DM = mean of sum_a pi(a) q(a) = (0.5 + 0.375 + 0.5625 + 0.75) / 4', () => {
    expect(pointEstimate(dm, handBatch())).toBe(2.1875 / 4);
  });
  it('DR = mean of DM term + w (r - q(a)) = (1.5 - 0.125 + 0.6875 + 1.25) / 4', () => {
    expect(pointEstimate(dr, handBatch())).toBe(3.3125 / 4);
  });
  it('clipped IPS at 1.5 = (1.5 + 0 + 0.5 + 1.5) / 4', () => {
    expect(pointEstimate(clippedIps(1.5), handBatch())).toBe(3.5 / 4);
  });
  it('switch-DR at tau 1 keeps the correction only where w <= 1', () => {
    expect(pointEstimate(switchDr(1), handBatch())).toBe(2.3125 / 4);
    expect(pointEstimate(switchDr(Infinity), handBatch())).toBe(pointEstimate(dr, handBatch()));
    expect(pointEstimate(switchDr(0), handBatch())).toBe(pointEstimate(dm, handBatch()));
  });
  it('SNDR = DM + sum w (r - q) / sum w', () => {
    expect(pointEstimate(sndr, handBatch())).toBeCloseTo(2.1875 / 4 + 1.125 / 6.5, 15);
  });
  it('rejects invalid settings naming them', () => {
    expect(() => clippedIps(0)).toThrow(/clip/);
    expect(() => switchDr(-1)).toThrow(/switch-tau/);
    expect(() => new BootstrapAccumulator([ips], 1.5, 1)).toThrow(/bootstrap/);
  });
});

describe('bootstrap', () => {
  it('is reproducible with a seed and changes with it', () => {
    const run = (seed: number): number[] => {
      const acc = new BootstrapAccumulator([ips, snips], 100, seed);
      acc.add(simulateBatch(new Rng(1, 'seeded'), 300, UNIFORM3, 0));
      const r = acc.result();
      return [...r['ips']!.ci95, ...r['snips']!.ci95];
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
  it.each(['wasm', 'js'] as const)('keeps the intervals of a seed bit for bit (pinned from the one-dot-product-per-moment implementation; %s kernel)', (kernel) => {
    // 101 replicates (the last one alone), batches of 300 and 301 rows (a count from half a random word)
    const acc = new BootstrapAccumulator([...defaultEstimators(), onPolicyMean], 101, 7, { kernel });
    const rng = new Rng(1, 'pinned');
    acc.add(simulateBatch(rng, 300, UNIFORM3, 0.05));
    acc.add(simulateBatch(rng, 301, UNIFORM3, 0.05));
    const r = acc.detailedResult();
    const got = Object.fromEntries(Object.entries(r.estimates).map(([k, e]) => [k, [...e.ci95, r.stdErrors[k]]]));
    expect(got).toEqual({
      ips: [0.6060126162773084, 0.7223203244686557, 0.030275057126292672],
      snips: [0.5898668397366992, 0.6812584227212592, 0.02472616926337876],
      dm: [0.6861735577354683, 0.6959227723368406, 0.0025537433396256013],
      dr: [0.6001667821430207, 0.6910342331759798, 0.024996777756600124],
      clipped_ips: [0.6060126162773084, 0.7223203244686557, 0.030275057126292672],
      sndr: [0.6048468204055377, 0.6911448606189171, 0.023788450476336282],
      switch_dr: [0.6001667821430207, 0.6910342331759798, 0.024996777756600124],
      logged: [0.7169913103113735, 0.783252666064471, 0.01718221461630531],
    });
  });
  it('gives the same numbers with the WebAssembly and the JavaScript kernel, batches of any capacity, accumulators interleaved', () => {
    const all = [...defaultEstimators(), onPolicyMean, clippedIps(1.5)];
    const sizes = [1, 2, 3, 17, 256, 4097, 64, 9000];
    const accs = (['wasm', 'js'] as const).flatMap((kernel) => [
      new BootstrapAccumulator(all, 13, 4, { kernel }),
      new BootstrapAccumulator([ips, snips, dr], 6, 5, { kernel }),
    ]);
    const rng = new Rng(9, 'kernels');
    for (const n of sizes) {
      const b = simulateBatch(rng, n, UNIFORM3, 0.02);
      for (const acc of accs) acc.add(b);
    }
    const [wasmAll, wasmFew, jsAll, jsFew] = accs.map((acc) => acc.detailedResult());
    expect(wasmAll).toEqual(jsAll);
    expect(wasmFew).toEqual(jsFew);
    expect(Number.isFinite(wasmAll!.estimates['dr']!.ci95[0])).toBe(true);
  });
  it('gives each estimator the same numbers alone, together (shared moments), with its moments unnamed or row by row', () => {
    const all = [...defaultEstimators(), onPolicyMean];
    const run = (estimators: readonly Estimator[], replicates: number): ReturnType<BootstrapAccumulator['detailedResult']> => {
      const acc = new BootstrapAccumulator(estimators, replicates, 11);
      const rng = new Rng(2, 'shared');
      for (const n of [257, 64, 1]) acc.add(simulateBatch(rng, n, UNIFORM3, 0.1));
      return acc.detailedResult();
    };
    for (const replicates of [0, 1, 2, 7]) {
      const together = run(all, replicates);
      const unnamed = run(
        all.map(({ momentNames: _names, ...e }) => e),
        replicates,
      );
      expect(unnamed).toEqual(together);
      const rowByRow = run(
        all.map(({ columnMoments: _columns, ...e }) => e),
        replicates,
      );
      expect(rowByRow).toEqual(together);
      for (const e of all) {
        const alone = run([e], replicates);
        expect([e.name, alone.estimates[e.name], alone.stdErrors[e.name]]).toEqual([e.name, together.estimates[e.name], together.stdErrors[e.name]]);
      }
    }
  });
  it('quantile interpolates linearly', () => {
    expect(quantile(Float64Array.from([1, 2, 3, 4, 5]), 0.5)).toBe(3);
    expect(quantile(Float64Array.from([0, 10]), 0.025)).toBeCloseTo(0.25, 12);
    expect(quantile(new Float64Array(0), 0.5)).toBeNaN();
  });
  it('intervals have about 95% coverage (IPS, 100 synthetic logs)', () => {
    const truth = trueValue(UNIFORM3);
    let covered = 0;
    for (let rep = 0; rep < 100; rep++) {
      const acc = new BootstrapAccumulator([ips], 200, rep);
      const b = simulateBatch(new Rng(1000 + rep), 1000, UNIFORM3, 0);
      acc.add(b);
      const [lo, hi] = acc.result()['ips']!.ci95;
      if (lo <= truth && truth <= hi) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(88);
    expect(covered).toBeLessThanOrEqual(100);
  });
});

/** Deterministic-ish target: mostly the best route of each segment. */
const GREEDY = [
  [0.8, 0.1, 0.1],
  [0.1, 0.8, 0.1],
  [0.1, 0.1, 0.8],
];

describe('estimators: unbiased on synthetic logs with known truth', () => {
  it.each([
    ['uniform target', UNIFORM3],
    ['greedy target', GREEDY],
  ])('%s: the mean over 300 logs of IPS, DR (wrong model) and DM (right model) is within 3 standard errors of the truth', (_name, target) => {
    const truth = trueValue(target);
    const reps = 300;
    const est = { ips: [] as number[], dr: [] as number[], dm: [] as number[], dmWrong: [] as number[] };
    for (let rep = 0; rep < reps; rep++) {
      const wrong = simulateBatch(new Rng(rep, 'unbiased'), 400, target, 0.15);
      const right = simulateBatch(new Rng(rep, 'unbiased'), 400, target, 0);
      est.ips.push(pointEstimate(ips, wrong));
      est.dr.push(pointEstimate(dr, wrong));
      est.dm.push(pointEstimate(dm, right));
      est.dmWrong.push(pointEstimate(dm, wrong));
    }
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const se = (xs: number[]): number => {
      const m = mean(xs);
      return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
    };
    for (const k of ['ips', 'dr', 'dm'] as const) expect(Math.abs(mean(est[k]) - truth)).toBeLessThan(3 * se(est[k]) + 1e-12);
    // and the wrong model alone is visibly biased: double robustness is doing the work
    expect(mean(est.dmWrong) - truth).toBeGreaterThan(0.1);
  });
});

describe('evaluateOffPolicy end to end (CSV log, cross-fitted ridge)', () => {
  const tmp = tempDir('estimators-test');
  afterAll(() => tmp.cleanup());
  const truth = trueValue(UNIFORM3);
  // Fixed seeds (statistical tests are deterministic); a 95% interval misses for about 1 seed in 20, which
  // is what the coverage test above measures.

  it('every estimator\'s 95% interval contains the true value of the uniform target', async () => {
    const file = tmp.file('world.csv', worldCsv(20_000, 1));
    const r = await evaluateOffPolicy({ file, format: 'csv', target: 'uniform', seed: 5, bootstrap: 200 });
    expect(r.n).toBe(20_000);
    expect(r.actions).toBe(3);
    expect(Object.keys(r.estimates)).toEqual(defaultEstimators().map((e) => e.name));
    for (const [name, e] of Object.entries(r.estimates)) {
      expect([name, e.ci95[0] <= truth && truth <= e.ci95[1]]).toEqual([name, true]);
      expect(e.ci95[0]).toBeLessThanOrEqual(e.value);
      expect(e.value).toBeLessThanOrEqual(e.ci95[1]);
    }
    expect(r.diagnostics.log.propensities).toBe('logged');
    expect(r.diagnostics.weights.mean).toBeCloseTo(1, 1);
    expect(r.diagnostics.supportGap.unexplored).toBe(0);
    // the logging policy's own value is different from the target's and is reported
    const loggingTruth = trueValue(LOGGING);
    expect(r.diagnostics.logging.ci95[0]).toBeLessThanOrEqual(loggingTruth);
    expect(r.diagnostics.logging.ci95[1]).toBeGreaterThanOrEqual(loggingTruth);
  });

  it('estimates missing propensities from the log, says so, and still covers the truth', async () => {
    const file = tmp.file('world-nop.csv', worldCsv(20_000, 2, { withPropensity: false }));
    const r = await evaluateOffPolicy({ file, format: 'csv', target: 'uniform', seed: 5, bootstrap: 200 });
    expect(r.diagnostics.log.propensities).toBe('estimated');
    expect(r.diagnostics.estimatedPropensityShare).toBe(1);
    expect(r.diagnostics.warnings.some((w) => /estimated from the log/.test(w))).toBe(true);
    for (const name of ['ips', 'snips', 'dr', 'dm']) {
      const e = r.estimates[name]!;
      expect([name, e.ci95[0] <= truth && truth <= e.ci95[1]]).toEqual([name, true]);
    }
  });

  it('flags a support gap: the target puts mass on a route the logger never chose', async () => {
    const never = [
      [0.7, 0.3, 0],
      [0.4, 0.6, 0],
      [0.5, 0.5, 0],
    ];
    const text = worldCsv(3000, 13, { logging: never }).replace('segment,amount,action,reward,propensity,fee', 'segment,amount,action,reward,propensity,fee,candidates');
    const withCands = text
      .trimEnd()
      .split('\n')
      .map((l, i) => (i === 0 ? l : `${l},acq-a|acq-b|acq-c`))
      .join('\n');
    const file = tmp.file('gap.csv', withCands + '\n');
    const r = await evaluateOffPolicy({ file, format: 'csv', target: 'uniform', seed: 1, bootstrap: 20 });
    expect(r.actions).toBe(3);
    expect(r.diagnostics.supportGap.unexplored).toBeCloseTo(1 / 3, 10);
    expect(r.diagnostics.weights.mean).toBeLessThan(0.8);
    expect(r.diagnostics.warnings.join('\n')).toMatch(/never chose/);
  });

  it('empirical target: the policy behind another log, estimated on a uniform log, is within 3 standard errors of its true value', async () => {
    const skewed = tmp.file('skewed-target.csv', worldCsv(20_000, 3));
    const uniform = tmp.file('uniform-log.csv', worldCsv(20_000, 4, { logging: UNIFORM3 }));
    const target = await empiricalTargetFromLog(skewed, 'csv', ['segment']);
    // the target is the skewed log's smoothed frequencies (close to LOGGING): its exact value in the world
    const out = new Float64Array(3);
    const dist = ['eu', 'us', 'apac'].map((segment) => {
      target.distribution({ index: 0, line: 0, key: '', context: { segment }, candidates: null, action: '', reward: 0, propensity: 1, loggingProbabilities: null, feeMinor: 0 }, ['acq-a', 'acq-b', 'acq-c'], out);
      return Array.from(out);
    });
    expect(dist[0]![0]).toBeCloseTo(LOGGING[0]![0]!, 1);
    const truth = trueValue(dist);
    const r = await evaluateOffPolicy({ file: uniform, format: 'csv', target, seed: 2, bootstrap: 200 });
    expect(r.diagnostics.target.name).toBe('empirical');
    for (const name of ['ips', 'snips', 'dr']) {
      const e = r.estimates[name]!;
      const se = (e.ci95[1] - e.ci95[0]) / (2 * 1.96);
      expect([name, Math.abs(e.value - truth) < 3 * se]).toEqual([name, true]);
    }
  });

  it('same seed, same output', async () => {
    const file = tmp.file('world-seed.csv', worldCsv(2000, 14));
    const a = await evaluateOffPolicy({ file, format: 'csv', target: 'uniform', seed: 9, bootstrap: 50 });
    const b = await evaluateOffPolicy({ file, format: 'csv', target: 'uniform', seed: 9, bootstrap: 50 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
