/**
 * Several policies x several seeds against one scenario: runs `runSeed` per seed (seeds `seed`,
 * `seed + 1`, ...) and aggregates every metric over seeds as a `Spread` (mean, sd, min, max, 95% interval of
 * the mean), curves point-wise, calibration by merging the per-seed accumulators.
 */
import type { Policy } from '../../policies/core/policy.ts';
import { createPolicy } from '../../policies/registry.ts';
import { InvalidConfigError } from '../../policies/errors.ts';
import type { RouteCalibration } from '../calibration/index.ts';
import { RouteCalibrationAccumulator } from '../calibration/index.ts';
import type { Progress } from '../report/progress.ts';
import { createWorld } from '../worlds/index.ts';
import type { ScenarioEvent, World, WorldOptions } from '../worlds/index.ts';
import { createReferencePolicy, isReferencePolicyName } from './reference-policies.ts';
import { runSeed, validateRunOptions } from './runner.ts';
import type { DecisionLogSink } from './decision-log-writer.ts';
import type { PolicyRun, RewardFunction, WeightFunction } from './runner.ts';
import { spreadOf } from './spread.ts';
import type { Spread } from './spread.ts';

export interface PolicySpec {
  /** Registry name, or "oracle" / "best-static". */
  readonly name: string;
  readonly params?: { readonly [key: string]: unknown };
  /** Shown in reports; default the name. */
  readonly label?: string;
}

export interface ExperimentOptions {
  readonly scenario: string;
  readonly policies: readonly (string | PolicySpec)[];
  readonly n: number;
  /** Number of seeds (default 1). */
  readonly seeds?: number;
  /** First seed (default 1). */
  readonly seed?: number;
  readonly batch?: number;
  readonly points?: number;
  readonly calibrationBins?: number;
  readonly reward?: RewardFunction;
  readonly weight?: WeightFunction;
  /** World options; `horizon` defaults to n. */
  readonly world?: WorldOptions;
  readonly progress?: Progress;
  /** Write the first seed's decisions and applied outcomes of policy `label` as a router decision log. */
  readonly decisionLog?: { readonly policy: string; readonly sink: DecisionLogSink };
  /** Called before each seed (e.g. to relabel the progress bar). */
  readonly onSeed?: (seed: number, index: number) => void;
}

export interface CurveBand {
  readonly mean: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
}

export interface PolicySummary {
  readonly policy: string;
  readonly label: string;
  readonly version: string;
  /** Realised approval rate. */
  readonly approvalRate: Spread;
  /** Mean true approval probability of the chosen routes. */
  readonly expectedApprovalRate: Spread;
  /** Cumulative expected regret against the oracle over the run (approvals lost in expectation). */
  readonly regret: Spread;
  /** Regret per transaction (= oracle approval - expected approval). */
  readonly regretPerTx: Spread;
  /** Net revenue, EUR, over the run. */
  readonly netRevenueEur: Spread;
  readonly netRevenuePerTxEur: Spread;
  readonly feesPerTxEur: Spread;
  readonly meanLatencyMs: Spread;
  /** Outcomes applied through policy.update, and outcomes still in flight when the run ended. */
  readonly updatesApplied: Spread;
  readonly pendingAtEnd: Spread;
  /** Share of decisions per route, averaged over seeds. */
  readonly routeShares: { readonly [route: string]: number };
  readonly calibration: RouteCalibration | null;
  readonly curves: {
    readonly t: readonly number[];
    readonly approvalRate: CurveBand;
    readonly expectedApprovalRate: CurveBand;
    readonly cumulativeRegret: CurveBand;
    readonly cumulativeNetRevenueEur: CurveBand;
  };
  /** Mean wall time of decide + predict + update per transaction, microseconds (not deterministic). */
  readonly policyMicrosPerTx: number;
}

export interface ExperimentResult {
  readonly scenario: string;
  readonly description: string;
  readonly events: readonly ScenarioEvent[];
  readonly n: number;
  readonly batch: number;
  readonly seeds: readonly number[];
  readonly routes: readonly string[];
  readonly marginRate: number;
  readonly bestStatic: { readonly priority: readonly string[]; readonly expectedApproval: number; readonly oracleApproval: number };
  /** Oracle approval rate (mean true probability of the oracle's routes), over seeds. */
  readonly oracleApprovalRate: Spread;
  readonly policies: readonly PolicySummary[];
}

function specOf(p: string | PolicySpec): PolicySpec {
  return typeof p === 'string' ? { name: p } : p;
}

/** Build a fresh policy: a reference policy (oracle, best-static) or one from the registry. */
export function instantiatePolicy(spec: PolicySpec, world: World): Policy {
  return isReferencePolicyName(spec.name) ? createReferencePolicy(spec.name, world, spec.params ?? {}) : createPolicy(spec.name, spec.params ?? {});
}

export function runExperiment(options: ExperimentOptions): ExperimentResult {
  const specs = options.policies.map(specOf);
  if (specs.length === 0) throw new InvalidConfigError('policy', 'at least one policy is required');
  const labels = specs.map((s) => s.label ?? s.name);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) throw new InvalidConfigError('policy', `policy "${dup}" listed twice`);
  validateRunOptions({ n: options.n, ...(options.batch !== undefined && { batch: options.batch }), ...(options.points !== undefined && { points: options.points }), ...(options.calibrationBins !== undefined && { calibrationBins: options.calibrationBins }) });
  const k = options.seeds ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new InvalidConfigError('seeds', `must be a positive integer, got ${k}`);
  const seed0 = options.seed ?? 1;
  if (!Number.isInteger(seed0)) throw new InvalidConfigError('seed', `must be an integer, got ${seed0}`);
  const world = createWorld(options.scenario, { horizon: options.n, ...options.world });
  // build every policy once up front so bad names / params fail before any work
  for (const spec of specs) instantiatePolicy(spec, world);
  const logLane = options.decisionLog ? labels.indexOf(options.decisionLog.policy) : -1;
  if (options.decisionLog && logLane < 0) throw new InvalidConfigError('decisionLog.policy', `"${options.decisionLog.policy}" is not one of the policies (${labels.join(', ')})`);
  const seeds = Array.from({ length: k }, (_, i) => seed0 + i);
  const runs: PolicyRun[][] = specs.map(() => []);
  seeds.forEach((seed, i) => {
    options.onSeed?.(seed, i);
    const policies = specs.map((spec) => instantiatePolicy(spec, world));
    const result = runSeed(world, policies, seed, {
      n: options.n,
      ...(options.batch !== undefined && { batch: options.batch }),
      ...(options.points !== undefined && { points: options.points }),
      ...(options.calibrationBins !== undefined && { calibrationBins: options.calibrationBins }),
      ...(options.reward !== undefined && { reward: options.reward }),
      ...(options.weight !== undefined && { weight: options.weight }),
      ...(options.progress !== undefined && { progress: options.progress }),
      ...(options.decisionLog && i === 0 && { decisionLog: { lane: logLane, sink: options.decisionLog.sink } }),
    });
    result.forEach((r, j) => runs[j]!.push(r));
  });
  const rule = world.bestStaticRoute();
  const first = runs[0]!;
  return {
    scenario: world.scenario.name,
    description: world.scenario.description,
    events: world.scenario.events,
    n: options.n,
    batch: options.batch ?? 1,
    seeds,
    routes: world.routes,
    marginRate: world.marginRate,
    bestStatic: { priority: rule.priority, expectedApproval: rule.expectedApproval, oracleApproval: rule.oracleApproval },
    oracleApprovalRate: spreadOf(first.map((r) => r.oracleExpectedApprovals / r.n)),
    policies: specs.map((spec, j) => summarise(labels[j]!, runs[j]!)),
  };
}

function band(series: readonly (readonly number[])[]): CurveBand {
  const len = series[0]?.length ?? 0;
  const mean: number[] = [], min: number[] = [], max: number[] = [];
  for (let i = 0; i < len; i++) {
    let s = 0, lo = Infinity, hi = -Infinity;
    for (const row of series) {
      const v = row[i]!;
      s += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    mean.push(s / series.length);
    min.push(lo);
    max.push(hi);
  }
  return { mean, min, max };
}

function summarise(label: string, runs: readonly PolicyRun[]): PolicySummary {
  const r0 = runs[0]!;
  const shares: { [route: string]: number } = {};
  for (const r of runs) for (const [route, c] of Object.entries(r.routeCounts)) shares[route] = (shares[route] ?? 0) + c / r.n / runs.length;
  let calibration: RouteCalibration | null = null;
  if (r0.calibration) {
    const acc = new RouteCalibrationAccumulator(r0.calibration.bins);
    for (const r of runs) if (r.calibration) acc.merge(r.calibration);
    calibration = acc.summary();
  }
  const totalMs = runs.reduce((s, r) => s + r.policyMs, 0);
  const totalN = runs.reduce((s, r) => s + r.n, 0);
  return {
    policy: r0.policy,
    label,
    version: r0.version,
    approvalRate: spreadOf(runs.map((r) => r.approvals / r.n)),
    expectedApprovalRate: spreadOf(runs.map((r) => r.expectedApprovals / r.n)),
    regret: spreadOf(runs.map((r) => r.regret)),
    regretPerTx: spreadOf(runs.map((r) => r.regret / r.n)),
    netRevenueEur: spreadOf(runs.map((r) => r.netRevenueEur)),
    netRevenuePerTxEur: spreadOf(runs.map((r) => r.netRevenueEur / r.n)),
    feesPerTxEur: spreadOf(runs.map((r) => r.feesEur / r.n)),
    meanLatencyMs: spreadOf(runs.map((r) => r.latencyMsTotal / r.n)),
    updatesApplied: spreadOf(runs.map((r) => r.updates)),
    pendingAtEnd: spreadOf(runs.map((r) => r.pendingAtEnd)),
    routeShares: Object.fromEntries(Object.entries(shares).sort(([a], [b]) => (a < b ? -1 : 1))),
    calibration,
    curves: {
      t: r0.curves.t,
      approvalRate: band(runs.map((r) => r.curves.approvalRate)),
      expectedApprovalRate: band(runs.map((r) => r.curves.expectedApprovalRate)),
      cumulativeRegret: band(runs.map((r) => r.curves.cumulativeRegret)),
      cumulativeNetRevenueEur: band(runs.map((r) => r.curves.cumulativeNetRevenueEur)),
    },
    policyMicrosPerTx: totalN > 0 ? (totalMs * 1000) / totalN : 0,
  };
}
