/**
 * Spread of a metric over seeds: mean, standard deviation, min, max and a 95% confidence interval of the
 * mean (Student t with K - 1 degrees of freedom; with one seed the interval collapses to the value).
 */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly lo95: number;
  readonly hi95: number;
  readonly values: readonly number[];
}

// two-sided 97.5% quantiles of Student's t, df = 1..30
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  return T975[df - 1] ?? 1.96 + 2.4 / df;
}

export function spreadOf(values: readonly number[]): Spread {
  const k = values.length;
  if (k === 0) return { mean: Number.NaN, sd: Number.NaN, min: Number.NaN, max: Number.NaN, lo95: Number.NaN, hi95: Number.NaN, values: [] };
  let sum = 0, min = Infinity, max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / k;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const sd = k > 1 ? Math.sqrt(ss / (k - 1)) : 0;
  const half = k > 1 ? tQuantile975(k - 1) * (sd / Math.sqrt(k)) : 0;
  return { mean, sd, min, max, lo95: mean - half, hi95: mean + half, values: [...values] };
}
