/**
 * The replay method (Li, Chu, Langford and Wang 2011, "Unbiased offline evaluation of contextual-bandit-based
 * news article recommendation algorithms"): run a LEARNING policy over a log in order; on each row the
 * policy decides (its Rng reseeded from (seed, row key), as the service does); when its choice equals the
 * logged action the row counts, its reward is recorded and the policy learns from it (update with weight 1);
 * otherwise the row is skipped. With a uniformly random logger the counted rows are an unbiased sample of
 * the policy's own online experience, so the running mean of their rewards estimates its mean reward over
 * time.
 *
 * Non-uniform logging: rejection sampling first (the "rejection sampling" variant, Li et al. 2011 sec. 4
 * and Mary, Preux and Nicol 2014): each row is kept with probability c / mu(a|x), where mu(a|x) is the
 * logging propensity of the logged action and c the smallest propensity in the log (or `acceptScale`).
 * A kept row then shows every action with the same probability c, as if the logger had been uniform over
 * its support. It is exact when c <= mu(a|x) for every action the policy might pick; actions the logger
 * never chose cannot be replayed at all. The price is data: only about c * K of the rows survive.
 * Missing propensities are estimated from the log (empirical frequencies per context bucket).
 */
import type { PolicyFactory, PolicySnapshot } from '../../policies/core/policy.ts';
import { DecisionBuffer, MAX_CANDIDATES } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidArgumentError, LogFormatError } from '../../policies/errors.ts';
import { createPolicy } from '../../policies/registry.ts';
import { EmpiricalPropensity } from '../logs/empirical-propensity.ts';
import { readLog } from '../logs/index.ts';
import type { BadRow, LogFormat, ReadSummary } from '../logs/row.ts';

export interface ReplayOptions {
  readonly file: string;
  readonly format: LogFormat;
  readonly policy: string;
  readonly params?: { readonly [key: string]: unknown };
  readonly snapshot?: PolicySnapshot;
  /** Build the policy with this factory instead of the registry (tests, policies not registered yet). */
  readonly factory?: PolicyFactory;
  readonly seed?: number;
  /** 'auto' (default): rejection sampling unless the log is uniform; 'off': classic replay regardless. */
  readonly rejection?: 'auto' | 'on' | 'off';
  /** The c of rejection sampling; default: the smallest logging propensity in the log. */
  readonly acceptScale?: number;
  /** Number of points of the "mean reward over time" series (default 20). */
  readonly points?: number;
  readonly propensityFields?: readonly string[];
  readonly onProgress?: (pass: 'scan' | 'replay', bytesRead: number, totalBytes: number) => void;
  readonly onBadRow?: (bad: BadRow) => void;
  /** Decision logs: "route" (default) or "retry" decisions. */
  readonly kind?: string;
}

export interface ReplayPoint {
  /** Log rows read so far. */
  readonly row: number;
  /** Rows counted so far (policy choice = logged action). */
  readonly matched: number;
  /** Running mean reward of the counted rows (NaN before the first). */
  readonly value: number;
}

export interface ReplayReport {
  readonly n: number;
  readonly actions: number;
  readonly method: 'replay' | 'rejection-sampling replay';
  /** Why rejection sampling was or was not used. */
  readonly methodReason: string;
  readonly acceptScale: number | null;
  /** Rows surviving rejection sampling (= n without it). */
  readonly accepted: number;
  readonly matched: number;
  /** Estimated mean reward of the policy, with a normal-approximation 95% interval over counted rows. */
  readonly estimate: { readonly value: number; readonly ci95: readonly [number, number] };
  /** The logging policy's mean reward (on-policy), for comparison. */
  readonly logged: number;
  readonly series: readonly ReplayPoint[];
  readonly policy: { readonly name: string; readonly version: string; readonly observations: number };
  readonly log: Pick<ReadSummary, 'file' | 'format' | 'rows' | 'bad' | 'badSamples' | 'unjoined'> & { readonly propensities: 'logged' | 'estimated' | 'mixed' };
  readonly seed: number;
  readonly warnings: readonly string[];
}

const UNIFORM_TOLERANCE = 1e-9;

export async function replayPolicy(options: ReplayOptions): Promise<ReplayReport> {
  const seed = options.seed ?? 1;
  const points = options.points ?? 20;
  if (!Number.isInteger(points) || points < 1) throw new InvalidArgumentError('--points', `must be an integer >= 1, got ${points}`);
  const policy = options.factory ? options.factory(options.params ?? {}) : createPolicy(options.policy, options.params ?? {});
  if (options.snapshot) policy.restore(options.snapshot);

  // ---- pass 1: rows, propensities, action set, frequencies
  const freq = new EmpiricalPropensity(options.propensityFields ? { fields: options.propensityFields } : {});
  let minProp = Infinity;
  let uniform = true;
  let missing = 0;
  let maxCands = 0;
  let rewardSum = 0;
  // rows without a candidate list offer every action: uniform there means 1/K, K known at the end
  let minNoCands = Infinity;
  let maxNoCands = -Infinity;
  const scan = await readLog(
    options.file,
    options.format,
    (row) => {
      freq.observe(row.context, row.action);
      rewardSum += row.reward;
      const n = row.candidates?.length ?? 0;
      if (n > maxCands) maxCands = n;
      if (Number.isNaN(row.propensity)) missing++;
      else {
        if (row.propensity < minProp) minProp = row.propensity;
        if (n > 0 && Math.abs(row.propensity - 1 / n) > UNIFORM_TOLERANCE) uniform = false;
        if (n === 0) {
          if (row.propensity < minNoCands) minNoCands = row.propensity;
          if (row.propensity > maxNoCands) maxNoCands = row.propensity;
        }
      }
    },
    {
      ...(options.onProgress ? { onBytes: (b: number, t: number) => options.onProgress!('scan', b, t) } : {}),
      ...(options.onBadRow ? { onBadRow: options.onBadRow } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
    },
  );
  const actions = scan.actions;
  const k = actions.length;
  if (scan.rows === 0) throw new LogFormatError(options.file, 0, 'no rows to replay');
  if (minNoCands !== Infinity && (Math.abs(minNoCands - 1 / k) > UNIFORM_TOLERANCE || Math.abs(maxNoCands - 1 / k) > UNIFORM_TOLERANCE)) uniform = false;
  if (missing > 0) uniform = false;

  const mode = options.rejection ?? 'auto';
  let useRejection: boolean;
  let methodReason: string;
  if (mode === 'off') {
    useRejection = false;
    methodReason = uniform ? 'the log is uniform' : 'rejection sampling turned off: the estimate is biased toward the logging policy wherever it is not uniform';
  } else if (mode === 'on' || !uniform) {
    useRejection = true;
    methodReason = mode === 'on' ? 'rejection sampling requested' : `the logging policy is not uniform (propensities ${missing > 0 ? 'partly estimated, ' : ''}from ${formatP(minProp)})`;
  } else {
    useRejection = false;
    methodReason = 'the logging policy is uniform over the candidates: classic replay is unbiased';
  }
  let c = options.acceptScale ?? (minProp === Infinity ? 1 / Math.max(k, 1) : minProp);
  if (useRejection && missing > 0 && options.acceptScale === undefined) {
    // estimated propensities may be smaller than any logged one
    c = Math.min(c, 1 / Math.max(k, 1));
  }
  if (!(c > 0 && c <= 1)) throw new InvalidArgumentError('--accept-scale', `must be in (0, 1], got ${c}`);

  // ---- pass 2: replay
  const rng = new Rng(seed);
  const accept = new Rng(seed, 'replay-accept');
  const out = new DecisionBuffer(Math.max(MAX_CANDIDATES, k, maxCands));
  const every = Math.max(1, Math.floor(scan.rows / points));
  const series: ReplayPoint[] = [];
  let rows = 0, accepted = 0, matched = 0, sum = 0, sum2 = 0, estimatedRows = 0, overOne = 0;
  let bounded = true;
  await readLog(
    options.file,
    options.format,
    (row) => {
      rows++;
      const cands = row.candidates ?? actions;
      let keep = true;
      if (useRejection) {
        let p = row.propensity;
        if (Number.isNaN(p)) {
          p = freq.estimate(row.context, row.action, row.candidates);
          estimatedRows++;
        }
        const q = c / p;
        if (q > 1) overOne++;
        keep = accept.next() < q;
      } else if (Number.isNaN(row.propensity)) estimatedRows++;
      if (keep) {
        accepted++;
        rng.reseed(seed, row.key);
        policy.decide(row.context, cands, rng, out);
        if (cands[out.chosen] === row.action) {
          matched++;
          sum += row.reward;
          sum2 += row.reward * row.reward;
          if (row.reward < 0 || row.reward > 1) bounded = false;
          policy.update(row.context, row.action, row.reward, 1);
        }
      }
      if (rows % every === 0 || rows === scan.rows) series.push({ row: rows, matched, value: matched > 0 ? sum / matched : Number.NaN });
    },
    {
      ...(options.onProgress ? { onBytes: (b: number, t: number) => options.onProgress!('replay', b, t) } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
    },
  );
  const mean = matched > 0 ? sum / matched : Number.NaN;
  const ci95 = meanInterval(sum, sum2, matched, bounded);
  const warnings: string[] = [];
  if (matched < 100) warnings.push(`only ${matched} rows matched the policy's choices: the estimate is very noisy`);
  if (overOne > 0) warnings.push(`${overOne} rows had a propensity below the acceptance scale ${formatP(c)}: rejection sampling is not exact there`);
  if (estimatedRows > 0) warnings.push(`logging propensities of ${estimatedRows} rows were estimated from the log (empirical frequencies per context bucket)`);
  if (useRejection) warnings.push(`rejection sampling kept ${accepted} of ${rows} rows (${((100 * accepted) / Math.max(rows, 1)).toFixed(1)}%)`);
  return {
    n: rows,
    actions: k,
    method: useRejection ? 'rejection-sampling replay' : 'replay',
    methodReason,
    acceptScale: useRejection ? c : null,
    accepted,
    matched,
    estimate: { value: mean, ci95 },
    logged: rewardSum / scan.rows,
    series,
    policy: { name: policy.name, version: policy.version, observations: policy.observations },
    log: {
      file: scan.file,
      format: scan.format,
      rows: scan.rows,
      bad: scan.bad,
      badSamples: scan.badSamples,
      unjoined: scan.unjoined,
      propensities: estimatedRows === 0 && missing === 0 ? 'logged' : missing === scan.rows ? 'estimated' : 'mixed',
    },
    seed,
    warnings,
  };
}

function formatP(p: number): string {
  return Number.isFinite(p) ? p.toPrecision(4) : 'n/a';
}

/**
 * 95% interval of a mean of m rewards: the Wilson score interval when every reward is in [0, 1] (it stays
 * sensible for means near 0 or 1 and small m, where the normal one collapses to a point), else normal.
 */
export function meanInterval(sum: number, sum2: number, m: number, unitInterval: boolean): [number, number] {
  if (m === 0) return [Number.NaN, Number.NaN];
  const mean = sum / m;
  const z = 1.959963984540054;
  if (unitInterval) {
    const z2 = z * z;
    const centre = (mean + z2 / (2 * m)) / (1 + z2 / m);
    const half = (z / (1 + z2 / m)) * Math.sqrt((mean * (1 - mean)) / m + z2 / (4 * m * m));
    return [Math.max(0, centre - half), Math.min(1, centre + half)];
  }
  const variance = m > 1 ? Math.max(0, (sum2 - m * mean * mean) / (m - 1)) : Number.NaN;
  const half = z * Math.sqrt(variance / m);
  return [mean - half, mean + half];
}
