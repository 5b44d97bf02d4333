/**
 * The reward model q(x, a) for DM / DR / SNDR / Switch-DR: ridge regression of the reward on the encoded
 * context, one model per action, cross-fitted over `folds` folds (Chernozhukov et al. 2018): a row in fold
 * f is predicted by the models fitted on the other folds only, so DR's correction term is not fooled by
 * the model having memorised that row. Rewards are centred on the training folds' mean before the fit, so
 * ridge shrinks a rarely logged action toward the mean reward instead of toward 0. Predictions are clipped
 * to the observed reward range.
 *
 * Streaming: `observe` adds a row to its fold's sufficient statistics (A = sum x x^T, b = sum r x,
 * s = sum x per fold and action: memory folds x actions x d^2, independent of n); `fit` solves
 * (lambda I + sum_{g != f} A_g) theta = sum_{g != f} (b_g - rbar s_g) by Cholesky.
 */
import { choleskyInPlace } from '../../policies/linalg/cholesky.ts';
import { addSparse, addSparseOuter } from '../../policies/linalg/dense.ts';
import type { SparseVector } from '../../policies/features/sparse-vector.ts';
import { InvalidConfigError } from '../../policies/errors.ts';

export interface RewardModelOptions {
  /** Number of cross-fitting folds (>= 2; default 2). */
  readonly folds?: number;
  /** Ridge penalty (default 1). */
  readonly lambda?: number;
}

interface ActionStats {
  /** Per fold: A = sum x x^T (d x d), b = sum r x, s = sum x. */
  readonly a: Float64Array[];
  readonly b: Float64Array[];
  readonly s: Float64Array[];
}

export class CrossFittedRidge {
  readonly folds: number;
  readonly lambda: number;
  private readonly dd: number;
  /** Grown as actions appear (logs whose action set is only known at the end). */
  private readonly stats: ActionStats[] = [];
  private readonly rewardSum: Float64Array;
  private readonly rows: Float64Array;
  private rMin = Infinity;
  private rMax = -Infinity;
  /** theta[(f * actions + a) * d + j]: model used for rows of fold f. */
  private theta = new Float64Array(0);
  /** Mean reward of the training folds of fold f (the model's intercept offset). */
  private readonly offset: Float64Array;
  private fittedActions = -1;
  /** Cholesky factors of (lambda I + sum_{g != f} A_g) per (fold, action), for the model-variance term. */
  private chol = new Float64Array(0);

  constructor(
    readonly dimension: number,
    options: RewardModelOptions = {},
  ) {
    this.folds = options.folds ?? 2;
    this.lambda = options.lambda ?? 1;
    if (!Number.isInteger(this.folds) || this.folds < 2) throw new InvalidConfigError('folds', `must be an integer >= 2, got ${this.folds}`);
    if (!(this.lambda > 0)) throw new InvalidConfigError('ridge', `must be > 0, got ${this.lambda}`);
    this.dd = dimension * dimension;
    this.rewardSum = new Float64Array(this.folds);
    this.rows = new Float64Array(this.folds);
    this.offset = new Float64Array(this.folds);
  }

  /** Number of actions with statistics so far. */
  get actions(): number {
    return this.stats.length;
  }

  /** Fold of the row with this index (a hash, so periodic logs do not line up with folds). */
  foldOf(index: number): number {
    return mix32(index) % this.folds;
  }

  private statsFor(action: number): ActionStats {
    while (this.stats.length <= action) {
      const mk = (size: number): Float64Array[] => Array.from({ length: this.folds }, () => new Float64Array(size));
      this.stats.push({ a: mk(this.dd), b: mk(this.dimension), s: mk(this.dimension) });
    }
    return this.stats[action]!;
  }

  observe(x: SparseVector, action: number, reward: number, index: number): void {
    const f = this.foldOf(index);
    const st = this.statsFor(action);
    addSparseOuter(st.a[f]!, this.dimension, x.indices, x.values, x.nnz, 1);
    addSparse(st.b[f]!, x.indices, x.values, x.nnz, reward);
    addSparse(st.s[f]!, x.indices, x.values, x.nnz, 1);
    this.rewardSum[f] = this.rewardSum[f]! + reward;
    this.rows[f] = this.rows[f]! + 1;
    if (reward < this.rMin) this.rMin = reward;
    if (reward > this.rMax) this.rMax = reward;
  }

  /** Fit every fold's models for actions [0, actions) (actions never observed predict the mean reward). */
  fit(actions: number = this.stats.length): void {
    const d = this.dimension;
    if (actions > this.stats.length) this.statsFor(actions - 1);
    this.theta = new Float64Array(this.folds * actions * d);
    this.chol = new Float64Array(this.folds * actions * this.dd);
    const m = new Float64Array(this.dd);
    const rhs = new Float64Array(d);
    let totalR = 0, totalN = 0;
    for (let f = 0; f < this.folds; f++) {
      totalR += this.rewardSum[f]!;
      totalN += this.rows[f]!;
    }
    for (let f = 0; f < this.folds; f++) {
      const n = totalN - this.rows[f]!;
      const rbar = n > 0 ? (totalR - this.rewardSum[f]!) / n : totalN > 0 ? totalR / totalN : 0;
      this.offset[f] = rbar;
      for (let act = 0; act < actions; act++) {
        const st = this.stats[act]!;
        m.fill(0);
        rhs.fill(0);
        for (let i = 0; i < d; i++) m[i * d + i] = this.lambda;
        for (let g = 0; g < this.folds; g++) {
          if (g === f) continue;
          const a = st.a[g]!, b = st.b[g]!, s = st.s[g]!;
          for (let i = 0; i < this.dd; i++) m[i] = m[i]! + a[i]!;
          for (let j = 0; j < d; j++) rhs[j] = rhs[j]! + b[j]! - rbar * s[j]!;
        }
        choleskyInPlace(m, d);
        this.chol.set(m, (f * actions + act) * this.dd);
        solveCholesky(m, d, rhs);
        this.theta.set(rhs, (f * actions + act) * d);
      }
    }
    if (!(this.rMin <= this.rMax)) {
      this.rMin = 0;
      this.rMax = 0;
    }
    this.fittedActions = actions;
  }

  /** See `inverseQuadForm` (forward substitution with the stored factor: ||L^-1 v||^2). */
  inverseQuadForm(fold: number, action: number, v: Float64Array, work: Float64Array): number {
    const d = this.dimension;
    const o = (fold * this.fittedActions + action) * this.dd;
    const l = this.chol;
    let q = 0;
    for (let i = 0; i < d; i++) {
      let s = v[i]!;
      for (let k = 0; k < i; k++) s -= l[o + i * d + k]! * work[k]!;
      const y = s / l[o + i * d + i]!;
      work[i] = y;
      q += y * y;
    }
    return q;
  }

  /** Prediction for `action` at x for a row of fold `fold` (from the other folds' model). */
  predict(x: SparseVector, action: number, fold: number): number {
    if (action >= this.fittedActions) throw new RangeError(`reward model: action ${action} not fitted (fit() covers ${this.fittedActions})`);
    const o = (fold * this.fittedActions + action) * this.dimension;
    let v = this.offset[fold]!;
    for (let k = 0; k < x.nnz; k++) v += this.theta[o + x.indices[k]!]! * x.values[k]!;
    if (v < this.rMin) v = this.rMin;
    else if (v > this.rMax) v = this.rMax;
    return v;
  }
}

/**
 * v^T (lambda I + sum_{g != f} A_g)^-1 v for the (fold, action) model: times the residual variance, the
 * variance of the model's prediction along v (the ridge approximation Cov(theta) ~ sigma^2 A^-1). `work` has
 * length >= dimension.
 */
export function inverseQuadForm(model: CrossFittedRidge, fold: number, action: number, v: Float64Array, work: Float64Array): number {
  return model.inverseQuadForm(fold, action, v, work);
}

/** MurmurHash3's finaliser as an unsigned 32-bit integer (fold assignment). */
function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Solve L L^T y = rhs in place, L the lower Cholesky factor (row-major). */
function solveCholesky(l: Float64Array, d: number, y: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * y[k]!;
    y[i] = s / l[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * y[k]!;
    y[i] = s / l[i * d + i]!;
  }
}
