/**
 * Thompson sampling hot path: decide (posteriors + quadrature propensities + floor + draw) and update, at 4 and
 * 16 candidates, time and heap allocation per call; plus the bare propensity quadrature (probMaxBeta and, for
 * LinTS, probMaxNormal), timed in the same process against the implementation before the hot-path rewrite
 * (./prob-max-reference.ts) so that load on the machine affects both alike.
 * Run: `npm run bench -- thompson` (or `npx tsx --expose-gc test/bench/thompson.bench.ts`).
 */
import { pathToFileURL } from 'node:url';
import { createThompsonPolicy } from '../../policies/thompson/index.ts';
import { createEpsilonGreedyPolicy } from '../../policies/baselines/epsilon-greedy.ts';
import { probMaxBeta, probMaxNormal } from '../../policies/core/prob-max.ts';
import { probMaxBetaReference, probMaxNormalReference } from './prob-max-reference.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Policy } from '../../policies/core/policy.ts';
import { formatTable, measure, type BenchRow } from './harness.ts';

const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'IT', 'ES', 'NL', 'PL'];
const NETWORKS = ['visa', 'mastercard', 'amex'];
const TYPES = ['credit', 'debit', 'prepaid'];
const contexts = Array.from({ length: 64 }, (_, i) => ({
  transactionId: `tx-${i}`,
  issuerCountry: COUNTRIES[i % COUNTRIES.length]!,
  cardNetwork: NETWORKS[i % NETWORKS.length]!,
  cardType: TYPES[(i >> 2) % TYPES.length]!,
}));

/** A policy that has learned from 20,000 outcomes over the 64 contexts and the candidate routes. */
function trained(policy: Policy, routes: readonly string[]): Policy {
  const rng = new Rng(7);
  for (let t = 0; t < 20_000; t++) {
    const k = rng.int(routes.length);
    policy.update(contexts[t % contexts.length]!, routes[k]!, rng.next() < 0.8 + 0.01 * k ? 1 : 0, 1);
  }
  return policy;
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const out = new DecisionBuffer();
  const rng = new Rng(1);
  for (const n of [4, 16]) {
    const routes = Array.from({ length: n }, (_, i) => `acq-${i}`);
    const ts = trained(createThompsonPolicy(), routes);
    const d = await measure(`thompson decide n=${n}`, (i) => {
      rng.reseed(42, 'tx');
      ts.decide(contexts[i & 63]!, routes, rng, out);
    }, { iterations: n === 4 ? 20_000 : 2_000 });
    rows.push({ group: 'thompson', name: `decide n=${n} (incl. propensities)`, value: d.nsPerOp / 1000, unit: 'us/call', ...(n === 4 ? { target: '< 25 us', pass: d.nsPerOp < 25_000 } : {}) });
    rows.push({ group: 'thompson', name: `decide n=${n} alloc`, value: d.bytesPerOp, unit: 'B/call' });
    const u = await measure(`thompson update n=${n}`, (i) => ts.update(contexts[i & 63]!, routes[i % n]!, i & 1, 1), { iterations: 50_000 });
    rows.push({ group: 'thompson', name: `update n=${n}`, value: u.nsPerOp / 1000, unit: 'us/call' });
    rows.push({ group: 'thompson', name: `update n=${n} alloc`, value: u.bytesPerOp, unit: 'B/call', note: 'cells exist; a new segment allocates its node once' });

    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      a[j] = 80 + 3 * j;
      b[j] = 20 - 0.5 * j;
    }
    const p = new Float64Array(n);
    const iterations = n === 4 ? 20_000 : 2_000;
    const mu = new Float64Array(n);
    const sd = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      mu[j] = 0.8 + 0.01 * j;
      sd[j] = 0.02 + 0.002 * j;
    }
    // alternate old and new rounds, so both see the same load
    const beta = [probMaxBeta, probMaxBetaReference] as const;
    const normal = [probMaxNormal, probMaxNormalReference] as const;
    const qb: { nsPerOp: number; bytesPerOp: number }[][] = [[], []];
    const qn: { nsPerOp: number; bytesPerOp: number }[][] = [[], []];
    for (let rep = 0; rep < 3; rep++) {
      for (let v = 0; v < 2; v++) {
        const fb = beta[v]!;
        qb[v]!.push(await measure(`probMaxBeta n=${n} v${v}`, (i) => {
          a[0] = 80 + (i & 7);
          fb(a, b, n, p);
        }, { iterations, rounds: 3 }));
        const fnorm = normal[v]!;
        qn[v]!.push(await measure(`probMaxNormal n=${n} v${v}`, (i) => {
          mu[0] = 0.8 + 0.001 * (i & 7);
          fnorm(mu, sd, n, p);
        }, { iterations, rounds: 3 }));
      }
    }
    const med = (ms: { nsPerOp: number }[]) => ms.map((m) => m.nsPerOp).sort((x, y) => x - y)[1]! / 1000;
    rows.push({ group: 'thompson', name: `probMaxBeta n=${n} (quadrature only)`, value: med(qb[0]!), unit: 'us/call', baseline: med(qb[1]!), note: 'baseline: before the rewrite, same run' });
    rows.push({ group: 'thompson', name: `probMaxBeta n=${n} alloc`, value: qb[0]![2]!.bytesPerOp, unit: 'B/call' });
    rows.push({ group: 'lints', name: `probMaxNormal n=${n} (quadrature only)`, value: med(qn[0]!), unit: 'us/call', baseline: med(qn[1]!), note: 'baseline: before the rewrite, same run' });
    rows.push({ group: 'lints', name: `probMaxNormal n=${n} alloc`, value: qn[0]![2]!.bytesPerOp, unit: 'B/call' });

    const eg = trained(createEpsilonGreedyPolicy({ segments: ['issuerCountry', 'cardNetwork', 'cardType'] }), routes);
    const e = await measure(`epsilon-greedy decide n=${n}`, (i) => {
      rng.reseed(42, 'tx');
      eg.decide(contexts[i & 63]!, routes, rng, out);
    });
    rows.push({ group: 'thompson', name: `epsilon-greedy decide n=${n} (baseline)`, value: e.nsPerOp / 1000, unit: 'us/call' });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${formatTable(await bench())}\n`);
}
