/**
 * Which features should the route policies learn from? The seeded experiment behind `ROUTE_FEATURES` (LinUCB,
 * LinTS) and Thompson sampling's default `segments` (docs/policies-linear.md, "Default features").
 *
 * Every variant runs on the simulator's payments world in lockstep (same transactions, same outcome draws per
 * seed: common random numbers), outcomes in batches of 50; the figure is the expected approvals lost against
 * the oracle (sum of p(oracle) - p(chosen)), mean and standard error over seeds.
 *
 * Run: npx tsx test/bench/route-features-experiment.ts [--scenario stable] [--n 20000] [--seeds 10] [--variants a,b]
 *      (progress on stderr, table on stdout; `--variants` picks rows by id, comma-separated, default: all)
 *      npx tsx test/bench/route-features-experiment.ts --inspect SEED [--variants id] [--scenario] [--n]
 *      (one seed of the first chosen variant: route counts, and per issuer region and route the mean true
 *      approval probability against the policy's prediction after the run, over the world's traffic)
 */
import { pathToFileURL } from 'node:url';
import type { FeatureSpec } from '../../policies/features/spec.ts';
import { DETAILED_ROUTE_FEATURES } from '../../policies/features/spec.ts';
import { fieldReader } from '../../policies/core/derived-fields.ts';
import { Rng } from '../../policies/core/rng.ts';
import { createPolicy } from '../../policies/registry.ts';
import { runSeed } from '../../simulator/online/runner.ts';
import { createProgress, type Progress } from '../../simulator/report/progress.ts';
import { spreadOf } from '../../simulator/online/spread.ts';
import { renderTable } from '../../simulator/report/table.ts';
import { createWorld, isScenarioName, SCENARIO_NAMES } from '../../simulator/worlds/index.ts';

const BIAS: FeatureSpec = { kind: 'bias' };
const REGION: FeatureSpec = { kind: 'categorical', field: 'issuerRegion' };
const MCC: FeatureSpec = { kind: 'categorical', field: 'mcc' };
const NETWORK: FeatureSpec = { kind: 'categorical', field: 'cardNetwork' };
const THREE_DS: FeatureSpec = { kind: 'numeric', field: 'threeDS' };
const CHANNEL_3DS: FeatureSpec = { kind: 'cross', fields: ['channel', 'threeDS'] };
const AMOUNT: FeatureSpec = { kind: 'numeric', field: 'amountMinor', transform: 'log1p', scale: 0.1, min: 0, max: 2.5 };
/** The detailed features with every one-hot at `scale` (prior precision lambda / scale^2), and the region at 1. */
const detailedScaled = (scale: number): FeatureSpec[] => [...DETAILED_ROUTE_FEATURES.map((f) => (f.kind === 'categorical' || f.kind === 'cross' ? { ...f, scale } : f)), REGION];

export interface Variant {
  /** Short name for `--variants`. */
  readonly id: string;
  readonly name: string;
  readonly policy: string;
  readonly params: { readonly [key: string]: unknown };
}

export const VARIANTS: readonly Variant[] = [
  { id: 'linucb-region', name: 'linucb region (default)', policy: 'linucb', params: {} },
  { id: 'linucb-detailed', name: 'linucb detailed d128 (old default)', policy: 'linucb', params: { features: DETAILED_ROUTE_FEATURES, dimension: 128 } },
  { id: 'linucb-region-mcc', name: 'linucb region + mcc', policy: 'linucb', params: { features: [BIAS, REGION, MCC] } },
  { id: 'linucb-region-amount', name: 'linucb region + amount', policy: 'linucb', params: { features: [BIAS, REGION, AMOUNT] } },
  { id: 'linucb-region-network', name: 'linucb region + network', policy: 'linucb', params: { features: [BIAS, REGION, NETWORK] } },
  { id: 'linucb-region-3ds', name: 'linucb region + 3ds, channel x 3ds', policy: 'linucb', params: { features: [BIAS, REGION, THREE_DS, CHANNEL_3DS] } },
  { id: 'linucb-region-3ds-mcc', name: 'linucb region + 3ds, channel x 3ds, mcc', policy: 'linucb', params: { features: [BIAS, REGION, THREE_DS, CHANNEL_3DS, MCC], dimension: 64 } },
  { id: 'linucb-region-detailed-0.1', name: 'linucb region + detailed at scale 0.1', policy: 'linucb', params: { features: detailedScaled(0.1), dimension: 128 } },
  { id: 'linucb-region-detailed-0.3', name: 'linucb region + detailed at scale 0.3', policy: 'linucb', params: { features: detailedScaled(0.3), dimension: 128 } },
  { id: 'linucb-region-alpha-0.2', name: 'linucb region, alpha 0.2', policy: 'linucb', params: { alpha: 0.2 } },
  { id: 'linucb-region-alpha-0.4', name: 'linucb region, alpha 0.4', policy: 'linucb', params: { alpha: 0.4 } },
  { id: 'linucb-region-alpha-0.5', name: 'linucb region, alpha 0.5', policy: 'linucb', params: { alpha: 0.5 } },
  { id: 'linucb-region-floor-0.03', name: 'linucb region, floor 0.03', policy: 'linucb', params: { floor: 0.03 } },
  { id: 'lints-region', name: 'lints region (default)', policy: 'lints', params: {} },
  { id: 'lints-detailed', name: 'lints detailed d128 (old default)', policy: 'lints', params: { features: DETAILED_ROUTE_FEATURES, dimension: 128 } },
  { id: 'lints-region-v-0.15', name: 'lints region, v 0.15', policy: 'lints', params: { v: 0.15 } },
  { id: 'thompson-region', name: 'thompson region (default)', policy: 'thompson', params: {} },
  { id: 'thompson-country', name: 'thompson country (old default)', policy: 'thompson', params: { segments: ['issuerCountry'] } },
  { id: 'thompson-region-country', name: 'thompson region > country, pool 100', policy: 'thompson', params: { segments: ['issuerRegion', 'issuerCountry'], poolStrength: 100 } },
  { id: 'thompson-region-network', name: 'thompson region > network, pool 300', policy: 'thompson', params: { segments: ['issuerRegion', 'cardNetwork'], poolStrength: 300 } },
];

export interface VariantResult {
  readonly name: string;
  readonly regret: readonly number[];
  readonly mean: number;
  /** Standard error of the mean over seeds. */
  readonly se: number;
}

/** Every variant on `seeds` seeds in lockstep; `progress` (optional) is ticked per decision and labelled per seed. */
export function runRouteFeaturesExperiment(scenario: string, n: number, seeds: number, variants: readonly Variant[], progress?: Progress): VariantResult[] {
  const regret = variants.map(() => [] as number[]);
  for (let seed = 1; seed <= seeds; seed++) {
    const world = createWorld(scenario, { horizon: n });
    const policies = variants.map((v) => createPolicy(v.policy, v.params));
    const runs = runSeed(world, policies, seed, { n, batch: 50, calibrationBins: 0, ...(progress ? { progress } : {}) });
    runs.forEach((r, i) => regret[i]!.push(r.regret));
    progress?.setLabel(`route features ${scenario}, seed ${seed} of ${seeds} done`);
  }
  return variants.map((v, i) => {
    const s = spreadOf(regret[i]!);
    return { name: v.name, regret: s.values, mean: s.mean, se: s.sd / Math.sqrt(s.values.length) };
  });
}

/** One seed of `variant`: where it sent the traffic, and what it believes per (region, route) at the end. */
export function inspectSeed(scenario: string, n: number, seed: number, variant: Variant): string {
  const world = createWorld(scenario, { horizon: n });
  const policy = createPolicy(variant.policy, variant.params);
  const [run] = runSeed(world, [policy], seed, { n, batch: 50, calibrationBins: 0 });
  const cells = new Map<string, { n: number; truth: number; predicted: number }>();
  const region = fieldReader('issuerRegion');
  const rng = new Rng(seed);
  for (let t = 0; t < n; t++) {
    rng.reseed(seed, `ctx:${t}`); // the run's own transactions
    const { context, candidates } = world.transactionAt(t, rng);
    for (const route of candidates) {
      const key = `${String(region(context))}\t${route}`;
      const c = cells.get(key) ?? { n: 0, truth: 0, predicted: 0 };
      c.n++;
      c.truth += world.approvalProbability(context, route, t);
      c.predicted += policy.predict(context, route);
      cells.set(key, c);
    }
  }
  const rows = [...cells].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, c]) => {
    const [r, route] = key.split('\t');
    return [r!, route!, (c.truth / c.n).toFixed(3), (c.predicted / c.n).toFixed(3), c.n];
  });
  return (
    `${variant.name}, ${scenario}, seed ${seed}: ${run!.regret.toFixed(1)} approvals lost against the oracle; decisions per route ${JSON.stringify(run!.routeCounts)}\n` +
    renderTable([{ header: 'issuer region' }, { header: 'route' }, { header: 'true approval', align: 'right' }, { header: 'predicted', align: 'right' }, { header: 'payments offered it', align: 'right' }], rows)
  );
}

function main(argv: readonly string[]): void {
  let inspect: number | undefined;
  let scenario = 'stable';
  let n = 20_000;
  let seeds = 10;
  let names: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a}: missing value`);
    if (a === '--scenario') scenario = v;
    else if (a === '--n' || a === '--seeds' || a === '--inspect') {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${a}: must be a positive integer, got "${v}"`);
      if (a === '--n') n = Number(v);
      else if (a === '--seeds') seeds = Number(v);
      else inspect = Number(v);
    } else if (a === '--variants') names = v.split(',').map((s) => s.trim()).filter(Boolean);
    else throw new Error(`unknown argument "${a}"; known: --scenario --n --seeds --variants --inspect`);
  }
  if (!isScenarioName(scenario)) throw new Error(`--scenario: unknown "${scenario}"; known: ${SCENARIO_NAMES.join(', ')}`);
  const chosen = names === undefined ? VARIANTS : names.map((name) => {
    const found = VARIANTS.find((v) => v.id === name || v.name === name || v.name.startsWith(`${name} (`));
    if (!found) throw new Error(`--variants: unknown "${name}"; known: ${VARIANTS.map((v) => v.id).join(', ')}`);
    return found;
  });
  if (inspect !== undefined) {
    process.stdout.write(inspectSeed(scenario, n, inspect, chosen[0]!) + '\n');
    return;
  }
  const bar = createProgress({ label: `route features ${scenario}`, total: n * seeds * chosen.length, stream: process.stderr, isTTY: process.stderr.isTTY === true, unit: 'decisions' });
  const results = runRouteFeaturesExperiment(scenario, n, seeds, chosen, bar);
  bar.finish();
  process.stdout.write(`scenario ${scenario}, ${n} payments, outcomes in batches of 50, seeds 1-${seeds}: expected approvals lost against the oracle\n`);
  process.stdout.write(renderTable([{ header: 'variant' }, { header: 'regret (mean ± s.e.)', align: 'right' }, { header: 'per seed' }], results.map((r) => [r.name, `${r.mean.toFixed(1)} ± ${r.se.toFixed(1)}`, r.regret.map((x) => x.toFixed(0)).join(' ')])) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
