/**
 * The on-policy simulation loop for one seed: every policy sees the same transaction stream in lockstep
 * (one world draw per transaction, shared), and the same outcome randomness (common random numbers), so
 * differences between policies are differences of routing, not of luck.
 *
 * For t = 0 .. n-1:
 *   1. worldRng.reseed(seed, "ctx:t") -> the transaction (context, candidates); ground truth p(route) for
 *      every candidate and the oracle's p.
 *   2. per policy: policyRng.reseed(seed, String(t)) -> policy.decide; calibration records
 *      policy.predict(context, chosen) before the outcome is known.
 *   3. outcomeRng.reseed(seed, "out:t") -> world.sampleOutcome; the outcome is queued to arrive at
 *      t + outcome.delay.
 *   4. at every batch boundary ((t + 1) % batch === 0) each policy gets every arrived outcome, in arrival
 *      order, through policy.update(context, route, reward, weight).
 *
 * Metrics per policy (see `PolicyRun`): realised approvals, expected approvals (sum of the true
 * probability of the chosen route: lower variance than realised), expected regret against the oracle
 * (sum of p(oracle) - p(chosen)), net revenue (approved amount x margin - fees, EUR), fees, latency, route
 * shares, per-window curves, calibration.
 */
import type { Context, PaymentContext } from '../../policies/core/context.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import type { Policy } from '../../policies/core/policy.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidCandidatesError, InvalidConfigError } from '../../policies/errors.ts';
import { RouteCalibrationAccumulator } from '../calibration/index.ts';
import { createNoopProgress } from '../report/progress.ts';
import type { Progress } from '../report/progress.ts';
import { eurPerMinor } from '../worlds/index.ts';
import type { Outcome, World } from '../worlds/index.ts';
import { OutcomeQueue } from './outcome-queue.ts';
import { decisionRecord, outcomeRecord } from './decision-log-writer.ts';
import type { DecisionLogSink } from './decision-log-writer.ts';

/** Maps an outcome to the reward the policy learns from (default: 1 if approved, else 0). */
export type RewardFunction = (outcome: Outcome, context: Context, route: string) => number;
/** Maps an outcome to the update's weight in [0, 1] (blame; default 1). */
export type WeightFunction = (outcome: Outcome, context: Context, route: string) => number;

export const approvalReward: RewardFunction = (o) => (o.approved ? 1 : 0);
export const unitWeight: WeightFunction = () => 1;

export interface RunSeedOptions {
  readonly n: number;
  /** Outcomes are applied to the policies every `batch` transactions. Default 1. */
  readonly batch?: number;
  /** Number of points of the curves. Default min(100, n). */
  readonly points?: number;
  readonly reward?: RewardFunction;
  readonly weight?: WeightFunction;
  /** Reliability-diagram bins; 0 disables calibration (saves one predict per decision). Default 10. */
  readonly calibrationBins?: number;
  /** Ticked once per policy decision. */
  readonly progress?: Progress;
  /** Write the decisions and applied outcomes of policy number `lane` as a router decision log. */
  readonly decisionLog?: { readonly lane: number; readonly sink: DecisionLogSink };
}

export interface Curves {
  /** Transactions completed at the end of each window. */
  readonly t: readonly number[];
  /** Realised approval rate within each window. */
  readonly approvalRate: readonly number[];
  /** Mean true approval probability of the chosen routes within each window. */
  readonly expectedApprovalRate: readonly number[];
  /** Mean true approval probability of the oracle within each window. */
  readonly oracleApprovalRate: readonly number[];
  /** Cumulative expected regret at the end of each window. */
  readonly cumulativeRegret: readonly number[];
  /** Cumulative net revenue (EUR) at the end of each window. */
  readonly cumulativeNetRevenueEur: readonly number[];
}

export interface PolicyRun {
  readonly policy: string;
  readonly version: string;
  readonly seed: number;
  readonly n: number;
  readonly approvals: number;
  readonly expectedApprovals: number;
  readonly oracleExpectedApprovals: number;
  /** Sum over transactions of p(oracle) - p(chosen). */
  readonly regret: number;
  readonly netRevenueEur: number;
  readonly feesEur: number;
  readonly latencyMsTotal: number;
  /** Decisions per route. */
  readonly routeCounts: { readonly [route: string]: number };
  /** Outcomes applied through update(). */
  readonly updates: number;
  /** Outcomes still in flight when the run ended (delay beyond the last transaction); never applied. */
  readonly pendingAtEnd: number;
  /** Policy observations at the end. */
  readonly observations: number;
  readonly curves: Curves;
  readonly calibration: RouteCalibrationAccumulator | null;
  /** Wall time spent in this policy's decide + predict + update, ms (not deterministic). */
  readonly policyMs: number;
}

interface Pending {
  readonly t: number;
  readonly outcome: Outcome;
  readonly context: PaymentContext;
  readonly route: string;
  readonly reward: number;
  readonly weight: number;
}

interface Lane {
  readonly policy: Policy;
  readonly out: DecisionBuffer;
  readonly queue: OutcomeQueue<Pending>;
  readonly calibration: RouteCalibrationAccumulator | null;
  readonly routeCounts: Map<string, number>;
  readonly win: Float64Array; // per window: approvals, expected, oracle, revenue, count
  approvals: number;
  expected: number;
  oracle: number;
  regret: number;
  revenue: number;
  fees: number;
  latency: number;
  updates: number;
  ms: number;
}

const WIN_FIELDS = 5;

/** Check the run options; throws InvalidConfigError naming the field. */
export function validateRunOptions(options: RunSeedOptions): { n: number; batch: number; points: number; bins: number } {
  const { n } = options;
  if (!Number.isInteger(n) || n < 1) throw new InvalidConfigError('n', `must be a positive integer, got ${n}`);
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidConfigError('batch', `must be a positive integer, got ${batch}`);
  const points = Math.min(n, options.points ?? 100);
  if (!Number.isInteger(points) || points < 1) throw new InvalidConfigError('points', `must be a positive integer, got ${options.points}`);
  const bins = options.calibrationBins ?? 10;
  if (!Number.isInteger(bins) || bins < 0) throw new InvalidConfigError('calibrationBins', `must be an integer >= 0, got ${bins}`);
  return { n, batch, points, bins };
}

/**
 * Run `policies` (fresh instances, one per lane) in lockstep over one seed's transaction stream. The same
 * (world, policies' params, seed, options) always give the same results (except `policyMs`).
 */
export function runSeed(world: World, policies: readonly Policy[], seed: number, options: RunSeedOptions): PolicyRun[] {
  const { n, batch, points, bins } = validateRunOptions(options);
  if (policies.length === 0) throw new InvalidConfigError('policy', 'at least one policy is required');
  const reward = options.reward ?? approvalReward;
  const weight = options.weight ?? unitWeight;
  const progress = options.progress ?? createNoopProgress();
  const windowSize = Math.ceil(n / points);
  const windows = Math.ceil(n / windowSize);
  const lanes: Lane[] = policies.map((policy) => ({
    policy,
    out: new DecisionBuffer(),
    queue: new OutcomeQueue<Pending>(),
    calibration: bins > 0 ? new RouteCalibrationAccumulator(bins) : null,
    routeCounts: new Map(),
    win: new Float64Array(windows * WIN_FIELDS),
    approvals: 0, expected: 0, oracle: 0, regret: 0, revenue: 0, fees: 0, latency: 0, updates: 0, ms: 0,
  }));
  const worldRng = new Rng(seed);
  const policyRng = new Rng(seed);
  const outcomeRng = new Rng(seed);
  const truth = new Float64Array(64);
  const log = options.decisionLog;
  if (log && !(Number.isInteger(log.lane) && log.lane >= 0 && log.lane < policies.length)) {
    throw new InvalidConfigError('decisionLog.lane', `must be a policy index in [0, ${policies.length - 1}], got ${log.lane}`);
  }
  const logLane = log ? lanes[log.lane] : undefined;

  for (let t = 0; t < n; t++) {
    worldRng.reseed(seed, `ctx:${t}`);
    const { context, candidates } = world.transactionAt(t, worldRng);
    if (candidates.length > truth.length) throw new InvalidCandidatesError(`${candidates.length} candidates at t=${t}, at most ${truth.length}`);
    let pOracle = 0;
    for (let i = 0; i < candidates.length; i++) {
      const p = world.approvalProbability(context, candidates[i]!, t);
      truth[i] = p;
      if (p > pOracle) pOracle = p;
    }
    const w = Math.floor(t / windowSize) * WIN_FIELDS;
    const key = String(t);
    const flush = (t + 1) % batch === 0 || t === n - 1;
    for (const lane of lanes) {
      const t0 = performance.now();
      policyRng.reseed(seed, key);
      lane.policy.decide(context, candidates, policyRng, lane.out);
      const chosen = lane.out.chosen;
      const route = candidates[chosen];
      if (route === undefined) throw new InvalidConfigError('policy', `${lane.policy.name} chose index ${chosen} of ${candidates.length} candidates`);
      const predicted = lane.calibration ? lane.policy.predict(context, route) : 0;
      lane.ms += performance.now() - t0;
      if (lane === logLane) log!.sink.write(decisionRecord(lane.policy, seed, t, context, candidates, lane.out));
      const p = truth[chosen]!;
      outcomeRng.reseed(seed, `out:${t}`);
      const outcome = world.sampleOutcome(context, route, t, outcomeRng);
      const revenue = world.netRevenueEur(context, outcome);
      const approved = outcome.approved ? 1 : 0;
      lane.calibration?.add(route, predicted, approved, p);
      lane.approvals += approved;
      lane.expected += p;
      lane.oracle += pOracle;
      lane.regret += pOracle - p;
      lane.revenue += revenue;
      lane.fees += outcome.feeMinor * eurPerMinor(context.currency);
      lane.latency += outcome.latencyMs;
      lane.routeCounts.set(route, (lane.routeCounts.get(route) ?? 0) + 1);
      const win = lane.win;
      win[w] = win[w]! + approved;
      win[w + 1] = win[w + 1]! + p;
      win[w + 2] = win[w + 2]! + pOracle;
      win[w + 3] = win[w + 3]! + revenue;
      win[w + 4] = win[w + 4]! + 1;
      lane.queue.push(t + outcome.delay, { t, outcome, context, route, reward: reward(outcome, context, route), weight: weight(outcome, context, route) });
      if (flush) {
        const t1 = performance.now();
        lane.updates += lane.queue.drain(t, (u) => {
          lane.policy.update(u.context, u.route, u.reward, u.weight);
          if (lane === logLane) log!.sink.write(outcomeRecord(seed, u.t, u.context, u.outcome, u.reward, u.weight));
        });
        lane.ms += performance.now() - t1;
      }
    }
    progress.tick(lanes.length);
  }

  return lanes.map((lane) => {
    const curves = buildCurves(lane.win, windows, windowSize, n);
    return {
      policy: lane.policy.name,
      version: lane.policy.version,
      seed,
      n,
      approvals: lane.approvals,
      expectedApprovals: lane.expected,
      oracleExpectedApprovals: lane.oracle,
      regret: lane.regret,
      netRevenueEur: lane.revenue,
      feesEur: lane.fees,
      latencyMsTotal: lane.latency,
      routeCounts: Object.fromEntries([...lane.routeCounts].sort(([a], [b]) => (a < b ? -1 : 1))),
      updates: lane.updates,
      pendingAtEnd: lane.queue.size,
      observations: lane.policy.observations,
      curves,
      calibration: lane.calibration,
      policyMs: lane.ms,
    };
  });
}

function buildCurves(win: Float64Array, windows: number, windowSize: number, n: number): Curves {
  const t: number[] = [], approvalRate: number[] = [], expectedApprovalRate: number[] = [], oracleApprovalRate: number[] = [];
  const cumulativeRegret: number[] = [], cumulativeNetRevenueEur: number[] = [];
  let regret = 0, revenue = 0;
  for (let k = 0; k < windows; k++) {
    const o = k * WIN_FIELDS;
    const c = win[o + 4]!;
    t.push(Math.min(n, (k + 1) * windowSize));
    approvalRate.push(win[o]! / c);
    expectedApprovalRate.push(win[o + 1]! / c);
    oracleApprovalRate.push(win[o + 2]! / c);
    regret += win[o + 2]! - win[o + 1]!;
    revenue += win[o + 3]!;
    cumulativeRegret.push(regret);
    cumulativeNetRevenueEur.push(revenue);
  }
  return { t, approvalRate, expectedApprovalRate, oracleApprovalRate, cumulativeRegret, cumulativeNetRevenueEur };
}
