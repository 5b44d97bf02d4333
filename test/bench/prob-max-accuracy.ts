/**
 * Accuracy of the quadrature propensities (policies/core/prob-max.ts), for docs/policies-thompson.md:
 *  1. probMaxNormal against the closed form for two arms, P(X1 > X2) = Φ((μ1 - μ2) / sqrt(σ1² + σ2²)), over
 *     random pairs;
 *  2. probMaxBeta against seeded Monte Carlo with 10^6 draws per case, over random router-like posteriors
 *     (2..6 routes, approval 0.5..0.99, 2..5000 pseudo-counts) and over hard ones (pseudo-counts down to 0.2);
 *     and, on the same cases, against a brute-force midpoint rule on a uniform logit grid of 2·10^6 cells
 *     (independent of the method under test, and free of Monte Carlo noise; its own error is below 1e-5).
 * Each figure is given for the current quadrature and, in brackets, for the implementation before the hot-path
 * rewrite (./prob-max-reference.ts), on the same cases and the same Monte Carlo draws.
 * Run: npx tsx test/bench/prob-max-accuracy.ts [--cases N]   (progress on stderr)
 */
import { probMaxBeta, probMaxNormal } from '../../policies/core/prob-max.ts';
import { probMaxBetaReference, probMaxNormalReference } from './prob-max-reference.ts';
import { Rng } from '../../policies/core/rng.ts';
import { betaWinCounts } from '../support/beta-wins.ts';

function phi(z: number): number {
  // erfc by Numerical Recipes' Chebyshev fit (|relative error| < 1.2e-7)
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * P(arm i is the max) for Beta arms by brute force: midpoint rule on a uniform grid in logit space over the
 * union of the arms' ranges (each out to a log-density drop of 40), CDFs by cumulative sums. Slow; for reference.
 */
function bruteForceBeta(a: Float64Array, b: Float64Array, n: number, out: Float64Array, cells = 2_000_000): void {
  const logDensity = (j: number, y: number) => a[j]! * y - (a[j]! + b[j]!) * (Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y))));
  const top = new Float64Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < n; j++) {
    const mode = Math.log(a[j]! / b[j]!);
    top[j] = logDensity(j, mode);
    for (const side of [-1, 1]) {
      let d = 0.01;
      while (top[j]! - logDensity(j, mode + side * d) < 40) d *= 1.2;
      if (side < 0) lo = Math.min(lo, mode - d);
      else hi = Math.max(hi, mode + d);
    }
  }
  const h = (hi - lo) / cells;
  const z = new Float64Array(n);
  for (let k = 0; k < cells; k++) {
    const y = lo + (k + 0.5) * h;
    for (let j = 0; j < n; j++) z[j] = z[j]! + Math.exp(logDensity(j, y) - top[j]!);
  }
  const cum = new Float64Array(n);
  const mass = new Float64Array(n);
  const cdf = new Float64Array(n);
  out.fill(0, 0, n);
  for (let k = 0; k < cells; k++) {
    const y = lo + (k + 0.5) * h;
    for (let j = 0; j < n; j++) {
      mass[j] = Math.exp(logDensity(j, y) - top[j]!) / z[j]!;
      cdf[j] = cum[j]! + 0.5 * mass[j]!;
    }
    for (let i = 0; i < n; i++) {
      let q = mass[i]!;
      for (let j = 0; j < n; j++) if (j !== i) q *= cdf[j]!;
      out[i] = out[i]! + q;
    }
    for (let j = 0; j < n; j++) cum[j] = cum[j]! + mass[j]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i]!;
  for (let i = 0; i < n; i++) out[i] = out[i]! / sum;
}

const i = process.argv.indexOf('--cases');
const cases = i >= 0 ? Number(process.argv[i + 1]) : 12;
const gen = new Rng(2024);
const out = new Float64Array(8);
const ref = new Float64Array(8);
const brute = new Float64Array(8);

let normalWorst = 0;
let normalWorstRef = 0;
for (let c = 0; c < 10_000; c++) {
  const m = Float64Array.from([gen.normal(), gen.normal()]);
  const s = Float64Array.from([0.05 + 2 * gen.next(), 0.05 + 2 * gen.next()]);
  probMaxNormal(m, s, 2, out);
  probMaxNormalReference(m, s, 2, ref);
  const exact = phi((m[0]! - m[1]!) / Math.hypot(s[0]!, s[1]!));
  normalWorst = Math.max(normalWorst, Math.abs(out[0]! - exact));
  normalWorstRef = Math.max(normalWorstRef, Math.abs(ref[0]! - exact));
}
process.stdout.write(`probMaxNormal vs closed form, 10,000 random pairs: max abs error ${normalWorst.toExponential(2)} (before: ${normalWorstRef.toExponential(2)})\n`);

for (const [label, minCount] of [['router-like', 2], ['hard (pseudo-counts from 0.2)', 0.2]] as const) {
  let worst = 0;
  let worstRef = 0;
  const errs: number[] = [];
  const errsRef: number[] = [];
  let bruteWorst = 0;
  let bruteWorstRef = 0;
  for (let c = 0; c < cases; c++) {
    const n = 2 + gen.int(5);
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    const base = label === 'router-like' ? 0.5 + 0.49 * gen.next() : 0.02 + 0.96 * gen.next();
    for (let j = 0; j < n; j++) {
      const mean = Math.min(0.995, Math.max(0.005, base + 0.1 * (gen.next() - 0.5)));
      const s = Math.exp(Math.log(minCount) + gen.next() * Math.log(5000 / minCount));
      a[j] = Math.max(minCount / 2, mean * s);
      b[j] = Math.max(minCount / 2, (1 - mean) * s);
    }
    probMaxBeta(a, b, n, out);
    probMaxBetaReference(a, b, n, ref);
    bruteForceBeta(a, b, n, brute);
    for (let j = 0; j < n; j++) {
      bruteWorst = Math.max(bruteWorst, Math.abs(out[j]! - brute[j]!));
      bruteWorstRef = Math.max(bruteWorstRef, Math.abs(ref[j]! - brute[j]!));
    }
    const r = new Rng(7, `mc-${label}-${c}`);
    const draws = 1_000_000;
    const mc = betaWinCounts(a, b, n, draws, r);
    let e = 0;
    let eRef = 0;
    for (let j = 0; j < n; j++) {
      e = Math.max(e, Math.abs(out[j]! - mc[j]! / draws));
      eRef = Math.max(eRef, Math.abs(ref[j]! - mc[j]! / draws));
    }
    errs.push(e);
    errsRef.push(eRef);
    worst = Math.max(worst, e);
    worstRef = Math.max(worstRef, eRef);
    process.stderr.write(`\r${label}: ${c + 1}/${cases} cases`);
  }
  process.stderr.write('\n');
  errs.sort((x, y) => x - y);
  errsRef.sort((x, y) => x - y);
  const mid = Math.floor(cases / 2);
  process.stdout.write(
    `probMaxBeta vs 10^6-draw Monte Carlo, ${label}, ${cases} cases: max abs error ${worst.toExponential(2)}, median ${errs[mid]!.toExponential(2)} ` +
      `(before: ${worstRef.toExponential(2)}, median ${errsRef[mid]!.toExponential(2)}; Monte Carlo s.e. <= 5e-4)\n`,
  );
  process.stdout.write(`probMaxBeta vs brute-force quadrature, ${label}, same ${cases} cases: max abs error ${bruteWorst.toExponential(2)} (before: ${bruteWorstRef.toExponential(2)})\n`);
}
