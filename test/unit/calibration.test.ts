import { describe, expect, it } from 'vitest';
import { binOf, brierScore, CalibrationAccumulator, expectedCalibrationError, RouteCalibrationAccumulator, summarise } from '../../simulator/calibration/index.ts';

describe('calibration metrics (hand-computed examples)', () => {
  const p = [0.1, 0.4, 0.8, 0.9];
  const y = [0, 1, 1, 1];

  it('Brier score', () => {
    // (0.01 + 0.36 + 0.04 + 0.01) / 4
    expect(brierScore(p, y)).toBeCloseTo(0.105, 12);
    expect(brierScore([1, 0], [1, 0])).toBe(0);
    expect(brierScore([0.5, 0.5], [1, 0])).toBe(0.25);
  });

  it('ECE, MCE and bias with 10 and 2 bins', () => {
    // 10 bins: each prediction alone in its bin, gaps 0.1, 0.6, 0.2, 0.1
    expect(expectedCalibrationError(p, y, 10)).toBeCloseTo(0.25, 12);
    // 2 bins: {0.1, 0.4} mean 0.25 vs 0.5; {0.8, 0.9} mean 0.85 vs 1
    const s = summarise(p, y, 2);
    expect(s.ece).toBeCloseTo(0.5 * 0.25 + 0.5 * 0.15, 12);
    expect(s.mce).toBeCloseTo(0.25, 12);
    expect(s.bias).toBeCloseTo(0.55 - 0.75, 12);
    expect(s.bins.map((b) => [b.lo, b.hi, b.count])).toEqual([[0, 0.5, 2], [0.5, 1, 2]]);
    expect(s.bins[0]!.meanPredicted).toBeCloseTo(0.25, 12);
    expect(s.bins[1]!.observedRate).toBe(1);
  });

  it('a perfectly calibrated predictor has ECE 0; truth error is tracked when given', () => {
    const s = summarise([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75], [1, 0, 0, 0, 1, 1, 1, 0], 10, [0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8]);
    expect(s.ece).toBeCloseTo(0, 12);
    expect(s.meanAbsErrorVsTruth).toBeCloseTo(0.05, 12);
    expect(s.bins[2]!.meanTrue).toBeCloseTo(0.2, 12);
  });

  it('bins: p = 1 in the last bin, out-of-range predictions clamped, NaN counted as invalid', () => {
    expect(binOf(1, 10)).toBe(9);
    expect(binOf(0, 10)).toBe(0);
    expect(binOf(0.1, 10)).toBe(1);
    const acc = new CalibrationAccumulator(4);
    acc.add(1.5, 1);
    acc.add(-1, 0);
    acc.add(Number.NaN, 1);
    const s = acc.summary();
    expect(s.count).toBe(2);
    expect(acc.invalid).toBe(1);
    expect(s.brier).toBe(0);
  });

  it('merging accumulators equals accumulating everything at once; per-route split', () => {
    const all = new RouteCalibrationAccumulator(5);
    const a = new RouteCalibrationAccumulator(5);
    const b = new RouteCalibrationAccumulator(5);
    const rows: [string, number, number][] = [['r1', 0.9, 1], ['r2', 0.3, 0], ['r1', 0.7, 0], ['r2', 0.6, 1], ['r3', 0.5, 1]];
    rows.forEach(([r, q, o], i) => {
      all.add(r, q, o);
      (i % 2 ? a : b).add(r, q, o);
    });
    a.merge(b);
    expect(a.summary()).toEqual(all.summary());
    const s = all.summary();
    expect(Object.keys(s.routes)).toEqual(['r1', 'r2', 'r3']);
    expect(s.routes['r1']!.brier).toBeCloseTo((0.01 + 0.49) / 2, 12);
    expect(s.overall.count).toBe(5);
  });

  it('rejects mismatched input', () => {
    expect(() => brierScore([0.1], [])).toThrow(/length/);
    expect(() => brierScore([], [])).toThrow(/no predictions/);
    expect(() => new CalibrationAccumulator(0)).toThrow(/bins/);
    expect(() => new CalibrationAccumulator(3).merge(new CalibrationAccumulator(4))).toThrow(/bins/);
  });
});
