/**
 * Accuracy of the quadrature propensities (policies/core/prob-max.ts), for docs/policies-thompson.md:
 *  1. probMaxNormal against the closed form for two arms, P(X1 > X2) = Φ((μ1 - μ2) / sqrt(σ1² + σ2²)), over
 *     random pairs;
 *  2. probMaxBeta against seeded Monte Carlo with 10^6 draws per case, over random router-like posteriors
 *     (2..6 routes, approval 0.5..0.99, 2..5000 pseudo-counts) and over hard ones (pseudo-counts down to 0.2).
 * Run: npx tsx test/bench/prob-max-accuracy.ts [--cases N]   (progress on stderr)
 */
import { probMaxBeta, probMaxNormal } from '../../policies/core/prob-max.ts';
import { Rng } from '../../policies/core/rng.ts';

function phi(z: number): number {
  // erfc by Numerical Recipes' Chebyshev fit (|relative error| < 1.2e-7)
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

const i = process.argv.indexOf('--cases');
const cases = i >= 0 ? Number(process.argv[i + 1]) : 12;
const gen = new Rng(2024);
const out = new Float64Array(8);

let normalWorst = 0;
for (let c = 0; c < 10_000; c++) {
  const m = Float64Array.from([gen.normal(), gen.normal()]);
  const s = Float64Array.from([0.05 + 2 * gen.next(), 0.05 + 2 * gen.next()]);
  probMaxNormal(m, s, 2, out);
  normalWorst = Math.max(normalWorst, Math.abs(out[0]! - phi((m[0]! - m[1]!) / Math.hypot(s[0]!, s[1]!))));
}
process.stdout.write(`probMaxNormal vs closed form, 10,000 random pairs: max abs error ${normalWorst.toExponential(2)}\n`);

for (const [label, minCount] of [['router-like', 2], ['hard (pseudo-counts from 0.2)', 0.2]] as const) {
  let worst = 0;
  const errs: number[] = [];
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
    const mc = new Float64Array(n);
    const r = new Rng(7, `mc-${label}-${c}`);
    const draws = 1_000_000;
    for (let d = 0; d < draws; d++) {
      let best = 0;
      let bv = -1;
      for (let j = 0; j < n; j++) {
        const x = r.beta(a[j]!, b[j]!);
        if (x > bv) {
          bv = x;
          best = j;
        }
      }
      mc[best]!++;
    }
    let e = 0;
    for (let j = 0; j < n; j++) e = Math.max(e, Math.abs(out[j]! - mc[j]! / draws));
    errs.push(e);
    worst = Math.max(worst, e);
    process.stderr.write(`\r${label}: ${c + 1}/${cases} cases`);
  }
  process.stderr.write('\n');
  errs.sort((x, y) => x - y);
  process.stdout.write(`probMaxBeta vs 10^6-draw Monte Carlo, ${label}, ${cases} cases: max abs error ${worst.toExponential(2)}, median ${errs[Math.floor(cases / 2)]!.toExponential(2)} (Monte Carlo s.e. <= 5e-4)\n`);
}
