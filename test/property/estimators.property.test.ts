import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootstrapAccumulator, RowBatch, defaultEstimators, dm, dr, ips, snips, sndr, switchDr, clippedIps, type Estimator } from '../../simulator/estimators/index.ts';
import { parseCsvLine } from '../../simulator/logs/index.ts';

/** A random log: rows with k actions, a logging distribution, a target distribution, rewards and predictions. */
interface Row {
  readonly logging: number[];
  readonly target: number[];
  readonly action: number;
  readonly reward: number;
  readonly q: number[];
}

const K = 4;
const dist = fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: K, maxLength: K }).map((w) => {
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
});
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const row: fc.Arbitrary<Row> = fc.record({
  logging: dist,
  target: dist,
  action: fc.integer({ min: 0, max: K - 1 }),
  reward: unit,
  q: fc.array(unit, { minLength: K, maxLength: K }),
});
const log = fc.array(row, { minLength: 1, maxLength: 60 });

function batchOf(rows: readonly Row[], override: Partial<{ target: 'logging'; reward: number; q: 'reward' }> = {}): RowBatch {
  const b = new RowBatch(rows.length, K);
  rows.forEach((r, i) => {
    b.action[i] = r.action;
    b.reward[i] = override.reward ?? r.reward;
    b.propensity[i] = r.logging[r.action]!;
    b.targetDist.set(override.target === 'logging' ? r.logging : r.target, i * K);
    b.qhat.set(override.q === 'reward' ? r.q.map(() => override.reward ?? r.reward) : r.q, i * K);
  });
  b.size = rows.length;
  b.derive();
  return b;
}

function value(e: Estimator, b: RowBatch): number {
  const acc = new BootstrapAccumulator([e], 0, 1);
  acc.add(b);
  return acc.result()[e.name]!.value;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('estimator properties (every input)', () => {
  it('when the target is the logging policy, IPS, SNIPS and clipped IPS all equal the logged mean reward', () => {
    fc.assert(
      fc.property(log, (rows) => {
        const b = batchOf(rows, { target: 'logging' });
        const m = mean(rows.map((r) => r.reward));
        for (const e of [ips, snips, clippedIps(1)]) expect(value(e, b)).toBeCloseTo(m, 10);
      }),
    );
  });

  it('a constant reward c is estimated as exactly c by SNIPS, and by DM/DR/SNDR/switch-DR with a model predicting c', () => {
    fc.assert(
      fc.property(log, unit, (rows, c) => {
        const b = batchOf(rows, { reward: c, q: 'reward' });
        for (const e of [snips, dm, dr, sndr, switchDr(2)]) expect(value(e, b)).toBeCloseTo(c, 10);
      }),
    );
  });

  it('SNIPS stays within the range of the rewards; IPS and clipped IPS are >= 0 and clipped IPS <= IPS', () => {
    fc.assert(
      fc.property(log, fc.double({ min: 0.5, max: 50, noNaN: true }), (rows, m) => {
        const b = batchOf(rows);
        const rewards = rows.map((r) => r.reward);
        const s = value(snips, b);
        expect(s).toBeGreaterThanOrEqual(Math.min(...rewards) - 1e-12);
        expect(s).toBeLessThanOrEqual(Math.max(...rewards) + 1e-12);
        const i = value(ips, b);
        const c = value(clippedIps(m), b);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(i + 1e-12);
      }),
    );
  });

  it('DR equals DM plus the IPS-weighted residual; switch-DR lies between DM (tau 0) and DR (tau infinity) term by term', () => {
    fc.assert(
      fc.property(log, (rows) => {
        const b = batchOf(rows);
        let correction = 0;
        for (let i = 0; i < b.size; i++) correction += b.weight[i]! * (b.reward[i]! - b.qLogged[i]!);
        expect(value(dr, b)).toBeCloseTo(value(dm, b) + correction / b.size, 10);
        expect(value(switchDr(0), b)).toBeCloseTo(value(dm, b), 12);
        expect(value(switchDr(Infinity), b)).toBeCloseTo(value(dr, b), 12);
      }),
    );
  });

  it('point estimates do not depend on how the rows are split into batches', () => {
    fc.assert(
      fc.property(log, fc.integer({ min: 1, max: 60 }), (rows, cut) => {
        const whole = new BootstrapAccumulator(defaultEstimators(), 0, 1);
        whole.add(batchOf(rows));
        const split = new BootstrapAccumulator(defaultEstimators(), 0, 1);
        const at = Math.min(cut, rows.length);
        split.add(batchOf(rows.slice(0, at)));
        if (at < rows.length) split.add(batchOf(rows.slice(at)));
        const a = whole.result();
        const c = split.result();
        for (const name of Object.keys(a)) {
          if (Number.isNaN(a[name]!.value)) expect(c[name]!.value).toBeNaN();
          else expect(c[name]!.value).toBeCloseTo(a[name]!.value, 9);
        }
      }),
    );
  });

  it('bootstrap intervals are ordered and reproducible for a seed', () => {
    fc.assert(
      fc.property(log, fc.integer({ min: 0, max: 1000 }), (rows, seed) => {
        const run = (): string => {
          const acc = new BootstrapAccumulator(defaultEstimators(), 30, seed);
          acc.add(batchOf(rows));
          return JSON.stringify(acc.result());
        };
        const first = run();
        expect(run()).toBe(first);
        for (const e of Object.values(JSON.parse(first) as Record<string, { ci95: [number | null, number | null] }>)) {
          const [lo, hi] = e.ci95;
          if (lo !== null && hi !== null) expect(lo).toBeLessThanOrEqual(hi);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('CSV parsing', () => {
  it('round-trips any fields written with RFC 4180 quoting', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', ' ', '1', 'é') }), { minLength: 1, maxLength: 8 }), (fields) => {
        const line = fields.map((f) => (/[",]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
        expect(parseCsvLine(line)).toEqual(fields);
      }),
    );
  });
});
