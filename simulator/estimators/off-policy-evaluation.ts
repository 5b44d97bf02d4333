/**
 * Off-policy evaluation of a target policy on a log, in two streaming passes over the file:
 *
 * 1. fit: the first `trainRows` rows train a learning target (then it is frozen); every other row feeds the
 *    cross-fitted reward model, the empirical logging frequencies (for missing propensities and support
 *    checks) and the action set;
 * 2. estimate: every evaluated row becomes one row of a RowBatch (logged action, reward, logging
 *    propensity, the target's distribution, the reward model's predictions), and full batches go to the
 *    bootstrap accumulator (all estimators at once) and the diagnostics.
 *
 * Memory is constant in the number of rows: one batch, the model's sufficient statistics, the bootstrap
 * sums, the frequency table.
 */
import { InvalidArgumentError, LogFormatError } from '../../policies/errors.ts';
import type { Context } from '../../policies/core/context.ts';
import type { PolicySnapshot } from '../../policies/core/policy.ts';
import { FeatureEncoder } from '../../policies/features/encoder.ts';
import type { EncoderSpec } from '../../policies/features/spec.ts';
import type { SparseVector } from '../../policies/features/sparse-vector.ts';
import { EmpiricalPropensity } from '../logs/empirical-propensity.ts';
import { defaultEncoderSpec } from '../logs/encoder-spec.ts';
import { readLog } from '../logs/index.ts';
import type { BadRow, LogFormat, LoggedRow, ReadSummary } from '../logs/row.ts';
import { createTarget, type TargetPolicy } from '../target/index.ts';
import { RowBatch } from './batch.ts';
import { BootstrapAccumulator, DEFAULT_BOOTSTRAP_REPLICATES, type Estimate } from './bootstrap.ts';
import { DEFAULT_CLIP } from './clipped-ips.ts';
import { type Diagnostics, DiagnosticsAccumulator } from './diagnostics.ts';
import { onPolicyMean } from './on-policy.ts';
import { defaultEstimators } from './registry.ts';
import { CrossFittedRidge } from './reward-model.ts';
import { DEFAULT_SWITCH_TAU } from './switch-dr.ts';

export interface OpeOptions {
  readonly file: string;
  readonly format: LogFormat;
  /** `uniform`, a route policy name, or a ready TargetPolicy (e.g. empiricalTargetFromLog). */
  readonly target: string | TargetPolicy;
  readonly targetParams?: { readonly [key: string]: unknown };
  readonly snapshot?: PolicySnapshot;
  /** Rows at the start of the log used to train a learning target and not evaluated (default 0). */
  readonly trainRows?: number;
  readonly seed?: number;
  readonly bootstrap?: number;
  readonly clip?: number;
  readonly switchTau?: number;
  readonly folds?: number;
  readonly ridge?: number;
  /** Context fields that define a bucket for estimated propensities; default: categorical fields. */
  readonly propensityFields?: readonly string[];
  readonly encoder?: EncoderSpec;
  /** Progress: pass name, bytes read, file size. */
  readonly onProgress?: (pass: 'fit' | 'estimate', bytesRead: number, totalBytes: number) => void;
  readonly onBadRow?: (bad: BadRow) => void;
  /** Decision logs: "route" (default) or "retry" decisions. */
  readonly kind?: string;
}

export interface OpeLogInfo {
  readonly file: string;
  readonly format: LogFormat;
  readonly rows: number;
  readonly bad: number;
  readonly badSamples: readonly BadRow[];
  readonly unjoined: number;
  readonly trainRows: number;
  /** 'logged' | 'estimated' (from the log's empirical frequencies) | 'mixed'. */
  readonly propensities: 'logged' | 'estimated' | 'mixed';
}

export interface OpeReport {
  /** Rows evaluated. */
  readonly n: number;
  readonly actions: number;
  readonly estimates: Readonly<Record<string, Estimate>>;
  readonly diagnostics: Diagnostics & {
    /** Standard error of DM from the reward model's estimation error (included in DM's interval). */
    readonly dmModelStdError: number;
    /** The logging policy's own mean reward on the evaluated rows (on-policy), with its interval. */
    readonly logging: Estimate;
    readonly log: OpeLogInfo;
    readonly target: { readonly name: string; readonly description: string };
    readonly settings: {
      readonly seed: number;
      readonly bootstrap: number;
      readonly clip: number;
      readonly switchTau: number;
      readonly folds: number;
      readonly ridge: number;
      readonly encoderDimension: number;
    };
    readonly estimators: Readonly<Record<string, string>>;
  };
}

const BATCH_ROWS = 4096;

export async function evaluateOffPolicy(options: OpeOptions): Promise<OpeReport> {
  const seed = options.seed ?? 1;
  const trainRows = options.trainRows ?? 0;
  const clip = options.clip ?? DEFAULT_CLIP;
  const switchTau = options.switchTau ?? DEFAULT_SWITCH_TAU;
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP_REPLICATES;
  if (!Number.isInteger(trainRows) || trainRows < 0) throw new InvalidArgumentError('--train-rows', `must be an integer >= 0, got ${trainRows}`);
  const estimators = defaultEstimators({ clip, switchTau });
  const target = typeof options.target !== 'string' ? options.target : createTarget(options.target, {
    seed,
    ...(options.targetParams ? { params: options.targetParams } : {}),
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    maxCandidates: 1024,
  });
  if (trainRows > 0 && !target.learns) throw new InvalidArgumentError('--train-rows', `target "${target.name}" does not learn`);

  // ---- pass 1: train the target, fit the reward model, count the logger's choices
  const frequencies = new EmpiricalPropensity(options.propensityFields ? { fields: options.propensityFields } : {});
  let encoder: FeatureEncoder | null = options.encoder ? new FeatureEncoder(options.encoder) : null;
  let x: SparseVector | null = encoder?.createSparse() ?? null;
  let model: CrossFittedRidge | null = null;
  const actionIndex = new Map<string, number>();
  const indexOf = (a: string): number => {
    let i = actionIndex.get(a);
    if (i === undefined) {
      i = actionIndex.size;
      actionIndex.set(a, i);
    }
    return i;
  };
  let fitRows = 0;
  const encode = (context: Context): SparseVector => {
    if (encoder === null) {
      encoder = new FeatureEncoder(defaultEncoderSpec(options.format, context));
      x = encoder.createSparse();
    }
    encoder.encode(context, x!);
    return x!;
  };
  const first: ReadSummary = await readLog(
    options.file,
    options.format,
    (row) => {
      if (row.index < trainRows) {
        target.train(row);
        return;
      }
      const v = encode(row.context);
      model ??= new CrossFittedRidge(encoder!.dimension, { ...(options.folds !== undefined ? { folds: options.folds } : {}), ...(options.ridge !== undefined ? { lambda: options.ridge } : {}) });
      model.observe(v, indexOf(row.action), row.reward, row.index);
      frequencies.observe(row.context, row.action);
      if (row.candidates) for (const c of row.candidates) indexOf(c);
      fitRows++;
    },
    {
      ...(options.onProgress ? { onBytes: (b: number, t: number) => options.onProgress!('fit', b, t) } : {}),
      ...(options.onBadRow ? { onBadRow: options.onBadRow } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
    },
  );
  target.freeze(Math.min(trainRows, first.rows));
  if (fitRows === 0) {
    throw new LogFormatError(options.file, 0, trainRows > 0 ? `no rows left to evaluate after --train-rows ${trainRows} (the log has ${first.rows})` : 'no rows to evaluate');
  }
  // OBD fixes the action set from item_context.csv; other formats use what the log showed.
  for (const a of first.actions) indexOf(a);
  const actions = [...actionIndex.keys()];
  const k = actions.length;
  model!.fit(k);

  // ---- pass 2: estimate
  // the frequency table's id of each action (-1: never logged), so the support checks below need no lookups
  const freqId = Int32Array.from(actions, (a) => frequencies.actionId(a));
  const batch = new RowBatch(BATCH_ROWS, k);
  const acc = new BootstrapAccumulator([...estimators, onPolicyMean], bootstrap, seed);
  const diag = new DiagnosticsAccumulator(clip);
  const dist = new Float64Array(Math.max(k, 1));
  let estimated = 0;
  // DM's model-variance term: per (fold, action) the target-weighted mean feature vector, and per action the
  // cross-fitted residuals of the logged action.
  const d = encoder!.dimension;
  const folds = model!.folds;
  const dmDirection = new Float64Array(folds * k * d);
  const resid2 = new Float64Array(k);
  const residN = new Float64Array(k);
  const flush = (): void => {
    batch.derive();
    acc.add(batch);
    diag.add(batch);
    batch.clear();
  };
  await readLog(
    options.file,
    options.format,
    (row: LoggedRow) => {
      if (row.index < trainRows) return;
      const cands = row.candidates ?? actions;
      const n = cands.length;
      target.distribution(row, cands, dist);
      const v = encode(row.context);
      const fold = model!.foldOf(row.index);
      const i = batch.size;
      const base = i * k;
      const bucket = frequencies.bucketOf(row.context);
      // a context bucket is only evidence of a gap when it holds enough rows to have seen every action of a
      // logger that explores (5 rows per candidate: a 1/n action is missed with probability about e^-5)
      const denseBucket = frequencies.rowsIn(bucket) >= 5 * n;
      let unexplored = 0;
      let unexploredInContext = 0;
      let exact = row.loggingProbabilities ? 0 : Number.NaN;
      for (let j = 0; j < n; j++) {
        const a = row.candidates ? actionIndex.get(cands[j]!)! : j;
        const p = dist[j]!;
        batch.targetDist[base + a] = p;
        batch.qhat[base + a] = model!.predict(v, a, fold);
        if (p > 0) {
          const o = (fold * k + a) * d;
          for (let t = 0; t < v.nnz; t++) dmDirection[o + v.indices[t]!] = dmDirection[o + v.indices[t]!]! + p * v.values[t]!;
        }
        if (p > 0) {
          const id = freqId[a]!;
          if (id < 0) unexplored += p;
          if (denseBucket && (id < 0 || frequencies.countAt(bucket, id) === 0)) unexploredInContext += p;
          if (row.loggingProbabilities && row.loggingProbabilities[j] === 0) exact += p;
        }
      }
      let propensity = row.propensity;
      const isEstimated = Number.isNaN(propensity);
      if (isEstimated) {
        propensity = frequencies.estimateIn(bucket, row.action, row.candidates);
        estimated++;
      }
      const logged = actionIndex.get(row.action)!;
      const residual = row.reward - batch.qhat[base + logged]!;
      resid2[logged] = resid2[logged]! + residual * residual;
      residN[logged] = residN[logged]! + 1;
      batch.action[i] = logged;
      batch.reward[i] = row.reward;
      batch.propensity[i] = propensity;
      batch.size++;
      diag.addSupport(unexplored, unexploredInContext, exact, isEstimated);
      if (batch.full) flush();
    },
    {
      ...(options.onProgress ? { onBytes: (b: number, t: number) => options.onProgress!('estimate', b, t) } : {}),
      ...(options.kind ? { kind: options.kind } : {}),
    },
  );
  if (batch.size > 0) flush();

  const { estimates: all, stdErrors } = acc.detailedResult();
  const n = acc.rows;
  // Variance of DM from the model's own estimation error (the bootstrap above holds the model fixed):
  // sum over (fold, action) of sigma_a^2 xbar^T A^-1 xbar, xbar = (1/n) sum_i pi(a|x_i) x_i over the fold's rows.
  let totalR2 = 0, totalRN = 0;
  for (let a = 0; a < k; a++) {
    totalR2 += resid2[a]!;
    totalRN += residN[a]!;
  }
  const work = new Float64Array(d);
  const dir = new Float64Array(d);
  let dmModelVariance = 0;
  for (let f = 0; f < folds; f++) {
    for (let a = 0; a < k; a++) {
      const o = (f * k + a) * d;
      let any = false;
      for (let j = 0; j < d; j++) {
        dir[j] = dmDirection[o + j]! / n;
        if (dir[j] !== 0) any = true;
      }
      if (!any) continue;
      const sigma2 = residN[a]! > 1 ? resid2[a]! / residN[a]! : totalRN > 0 ? totalR2 / totalRN : 0;
      dmModelVariance += sigma2 * model!.inverseQuadForm(f, a, dir, work);
    }
  }
  const estimates: Record<string, Estimate> = {};
  const descriptions: Record<string, string> = {};
  for (const e of estimators) {
    estimates[e.name] = all[e.name]!;
    descriptions[e.name] = e.description;
  }
  const dmEstimate = all['dm'];
  const dmBootSe = stdErrors['dm'];
  if (dmEstimate && dmBootSe !== undefined && Number.isFinite(dmBootSe)) {
    // normal interval with both sources of variance (contexts: bootstrap; model fit: delta method);
    // without bootstrap replicates every interval stays undefined, DM's too
    const se = Math.sqrt(dmBootSe * dmBootSe + dmModelVariance);
    estimates['dm'] = { value: dmEstimate.value, ci95: [dmEstimate.value - 1.959963984540054 * se, dmEstimate.value + 1.959963984540054 * se] };
  }
  return {
    n,
    actions: k,
    estimates,
    diagnostics: {
      ...diag.result(),
      dmModelStdError: Math.sqrt(dmModelVariance),
      logging: all[onPolicyMean.name]!,
      log: {
        file: first.file,
        format: first.format,
        rows: first.rows,
        bad: first.bad,
        badSamples: first.badSamples,
        unjoined: first.unjoined,
        trainRows: Math.min(trainRows, first.rows),
        propensities: estimated === 0 ? 'logged' : estimated === n ? 'estimated' : 'mixed',
      },
      target: { name: target.name, description: target.description },
      settings: { seed, bootstrap, clip, switchTau, folds: model!.folds, ridge: model!.lambda, encoderDimension: encoder!.dimension },
      estimators: descriptions,
    },
  };
}
