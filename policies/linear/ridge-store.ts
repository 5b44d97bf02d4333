/**
 * Per-route ridge regression models (disjoint linear models, Li et al. 2010), shared by LinUCB and
 * Linear Thompson sampling. For each route:
 *
 *   A = lambda I + sum_t gamma^(T-t) w_t x_t x_t^T,   b = sum_t gamma^(T-t) w_t r_t x_t,   theta = A^-1 b
 *
 * i.e. each update is A <- gamma A + (1 - gamma) lambda I + w x x^T and b <- gamma b + w r x (gamma = the
 * forgetting `discount`; gamma = 1 is the stationary model; the prior lambda I never decays).
 *
 * Cheap updates. A route keeps A-hat, A-hat^-1, b-hat, theta and a lazily applied scale s with
 * A = s A-hat + c I and b = s b-hat:
 *   - forgetting multiplies s by gamma (O(1)) instead of scaling d^2 entries; the update's weight enters
 *     the scaled coordinates as w / s, theta = A-hat^-1 b-hat is unchanged by the scale;
 *   - A-hat^-1 follows A-hat by a Sherman–Morrison rank-one update of its upper triangle only (sparse x:
 *     d nnz + d^2 / 2), theta by the matching O(d) correction, A-hat by a sparse outer product (nnz^2);
 *   - the prior-restoring term (1 - gamma) lambda I is not rank one (applying it exactly costs d^3), so it
 *     accumulates in c (c <- gamma c + (1 - gamma) lambda) and is folded into A at the next
 *     re-factorisation, which recomputes A-hat^-1 by Cholesky and theta = A-hat^-1 b-hat from scratch.
 * Re-factorisation runs every `refactorEvery` updates of a route (also bounding Sherman–Morrison drift),
 * as soon as c exceeds MAX_PRIOR_DEFICIT lambda, when s underflows towards 1e-100, and when lambda changes.
 * So decisions use A_used = A - c I with 0 <= c <= min(lambda (1 - gamma^refactorEvery), lambda / 4): exact
 * when gamma = 1, and otherwise a PSD under-estimate of A by at most a quarter of the prior: confidence
 * widths never narrower than exact, and at most 1 / sqrt(0.75) = 1.155 times wider (in directions the data
 * has not reached; where data mass m dominates, the relative excess is ~c / m). The cost: with forgetting,
 * a re-factorisation (~d^3 / 2 multiply-adds) at least every ln(0.75) / ln(gamma) updates of a route (~29
 * for gamma = 0.99, ~288 for 0.999). The property tests check every part.
 */
import { InvalidStateError } from '../errors.ts';
import type { Json } from '../core/policy.ts';
import type { SparseVector } from '../features/sparse-vector.ts';
import { addSparseAt, addSparseOuterAt, matMul, matVec, maxAbs, packUpper, sparseDot, sparseUpperQuadForm, unpackUpper } from '../linalg/dense.ts';
import { choleskyInPlace, spdInverse } from '../linalg/cholesky.ts';
import { shermanMorrisonSparseUpperAt } from '../linalg/sherman-morrison.ts';

/** Re-factorise once the deferred prior mass c exceeds this fraction of lambda. */
export const MAX_PRIOR_DEFICIT = 0.25;
/** Below this scale the model is re-factorised (folds s into A-hat) to stay far from underflow. */
const MIN_SCALE = 1e-100;
/**
 * Restore checks |A-hat A-hat^-1 - I| and |theta - A-hat^-1 b-hat| against rounding bounds scaled by the
 * problem (d, max |A-hat|, max |A-hat^-1|, i.e. the conditioning): RESTORE_RELATIVE is ~500 times the
 * double-precision epsilon, so a state the store produced itself always passes and a wrong or corrupted
 * matrix (an entry off by more than rounding) fails.
 */
const RESTORE_RELATIVE = 1e-13;

/** One route's model. Fields are public for tests and reports; mutate only through RidgeStore. */
export class RidgeModel {
  /** A-hat (row-major d x d, exactly symmetric). */
  readonly a: Float64Array;
  /**
   * A-hat^-1: only the UPPER triangle (diagonal included) is maintained between re-factorisations (the
   * Sherman–Morrison update touches half the matrix); the strict lower triangle is stale. Read it with
   * the *Upper* helpers of policies/linalg or RidgeStore.usedInverse.
   */
  readonly ainv: Float64Array;
  /** b-hat. */
  readonly b: Float64Array;
  /** theta = A-hat^-1 b-hat (= A_used^-1 b). */
  readonly theta: Float64Array;
  /** Lazy scale s: A = s A-hat + pending I, b = s b-hat. */
  scale = 1;
  /** Prior mass c not yet folded into A-hat. */
  pending = 0;
  /** Updates since the last re-factorisation. */
  sinceRefactor = 0;
  /** Updates applied to this route. */
  updates = 0;

  constructor(readonly dimension: number, lambda: number) {
    const d = dimension;
    this.a = new Float64Array(d * d);
    this.ainv = new Float64Array(d * d);
    this.b = new Float64Array(d);
    this.theta = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      this.a[i * d + i] = lambda;
      this.ainv[i * d + i] = 1 / lambda;
    }
  }
}

export interface RidgeSettings {
  readonly lambda: number;
  readonly discount: number;
  readonly refactorEvery: number;
}

export class RidgeStore {
  readonly models = new Map<string, RidgeModel>();
  private lambdaValue: number;
  /** Forgetting factor gamma in (0, 1] (applies from the next update). */
  discount: number;
  /** Re-factorise a route after this many updates. */
  refactorEvery: number;
  private readonly g: Float64Array;
  private readonly work: Float64Array;
  /** Scalar results of the Sherman–Morrison step: [q, c]. */
  private readonly result = new Float64Array(2);
  /** Update weights w and w * reward, passed to the linalg helpers through a typed array (see update). */
  private readonly weights = new Float64Array(2);

  constructor(readonly dimension: number, settings: RidgeSettings) {
    this.lambdaValue = settings.lambda;
    this.discount = settings.discount;
    this.refactorEvery = settings.refactorEvery;
    this.g = new Float64Array(dimension);
    this.work = new Float64Array(dimension * dimension);
  }

  get lambda(): number {
    return this.lambdaValue;
  }

  /**
   * Change the ridge lambda of every route exactly: A = lambda I + M, so A' = A + (lambda' - lambda) I,
   * then re-factorise (d^3 per route).
   */
  setLambda(lambda: number): void {
    const delta = lambda - this.lambdaValue;
    this.lambdaValue = lambda;
    if (delta === 0) return;
    for (const m of this.models.values()) {
      m.pending += delta;
      this.refactor(m);
    }
  }

  /** theta . x (0 for a route never updated: the prior mean). */
  mean(route: string, x: SparseVector): number {
    const m = this.models.get(route);
    return m === undefined ? 0 : sparseDot(m.theta, x.indices, x.values, x.nnz);
  }

  /** x^T A_used^-1 x (|x|^2 / lambda for a route never updated). */
  variance(route: string, x: SparseVector): number {
    const m = this.models.get(route);
    if (m === undefined) return x.squaredNorm() / this.lambdaValue;
    return sparseUpperQuadForm(m.ainv, this.dimension, x.indices, x.values, x.nnz) / m.scale;
  }

  /**
   * means[i] <- theta . x and variances[i] <- x^T A_used^-1 x (the prior's for a route never updated).
   * Writes into arrays instead of returning numbers: a double returned from a call V8 does not inline is
   * boxed, which would allocate per candidate on the decision path.
   */
  estimateInto(route: string, x: SparseVector, i: number, means: Float64Array, variances: Float64Array): void {
    const m = this.models.get(route);
    if (m === undefined) {
      means[i] = 0;
      variances[i] = x.squaredNorm() / this.lambdaValue;
      return;
    }
    means[i] = sparseDot(m.theta, x.indices, x.values, x.nnz);
    variances[i] = sparseUpperQuadForm(m.ainv, this.dimension, x.indices, x.values, x.nnz) / m.scale;
  }

  /** One observation: A <- gamma A + (1 - gamma) lambda I + w x x^T, b <- gamma b + w r x. */
  update(route: string, x: SparseVector, reward: number, weight: number): void {
    let m = this.models.get(route);
    if (m === undefined) {
      m = new RidgeModel(this.dimension, this.lambdaValue);
      this.models.set(route, m);
    }
    const d = this.dimension;
    const gamma = this.discount;
    const scale = m.scale * gamma;
    const w = weight / scale;
    const idx = x.indices;
    const val = x.values;
    const nnz = x.nnz;
    const theta = m.theta;
    let predicted = 0;
    for (let k = 0; k < nnz; k++) predicted += theta[idx[k]!]! * val[k]!;
    // the weights go through a typed array: with forgetting, w is not a small integer, and passed as a number
    // to a call V8 does not inline it would be boxed (16 B per update)
    const weights = this.weights;
    weights[0] = w;
    weights[1] = w * reward;
    shermanMorrisonSparseUpperAt(m.ainv, d, idx, val, nnz, weights, 0, this.g, this.result);
    const step = this.result[1]! * (reward - predicted);
    const g = this.g;
    for (let i = 0; i < d; i++) theta[i] = theta[i]! + step * g[i]!;
    addSparseOuterAt(m.a, d, idx, val, nnz, weights, 0);
    addSparseAt(m.b, idx, val, nnz, weights, 1);
    m.scale = scale;
    m.pending = gamma * m.pending + (1 - gamma) * this.lambdaValue;
    m.sinceRefactor++;
    m.updates++;
    if (m.sinceRefactor >= this.refactorEvery || m.pending > MAX_PRIOR_DEFICIT * this.lambdaValue || scale < MIN_SCALE) this.refactor(m);
  }

  /**
   * Fold the scale and the pending prior mass into A-hat (A-hat <- s A-hat + c I, b-hat <- s b-hat,
   * s = 1, c = 0), then recompute A-hat^-1 by Cholesky and theta = A-hat^-1 b-hat.
   */
  refactor(m: RidgeModel): void {
    const d = this.dimension;
    const s = m.scale;
    const c = m.pending;
    if (s !== 1) {
      for (let i = 0; i < d * d; i++) m.a[i] = m.a[i]! * s;
      for (let i = 0; i < d; i++) m.b[i] = m.b[i]! * s;
    }
    if (c !== 0) for (let i = 0; i < d; i++) m.a[i * d + i] = m.a[i * d + i]! + c;
    m.scale = 1;
    m.pending = 0;
    spdInverse(m.a, d, m.ainv, this.work);
    matVec(m.ainv, d, m.b, m.theta);
    m.sinceRefactor = 0;
  }

  /** The exact A = s A-hat + c I of a route (tests, reports). */
  exactA(route: string, out: Float64Array): Float64Array {
    const d = this.dimension;
    const m = this.models.get(route);
    if (m === undefined) {
      out.fill(0, 0, d * d);
      for (let i = 0; i < d; i++) out[i * d + i] = this.lambdaValue;
      return out;
    }
    for (let i = 0; i < d * d; i++) out[i] = m.a[i]! * m.scale;
    for (let i = 0; i < d; i++) out[i * d + i] = out[i * d + i]! + m.pending;
    return out;
  }

  /** The inverse used for decisions, A_used^-1 = A-hat^-1 / s, as a full symmetric matrix (tests, reports). */
  usedInverse(route: string, out: Float64Array): Float64Array {
    const d = this.dimension;
    const m = this.models.get(route);
    if (m === undefined) {
      out.fill(0, 0, d * d);
      for (let i = 0; i < d; i++) out[i * d + i] = 1 / this.lambdaValue;
      return out;
    }
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = m.ainv[i * d + j]! / m.scale;
        out[i * d + j] = v;
        out[j * d + i] = v;
      }
    }
    return out;
  }

  /** Plain JSON: every route's exact state (upper triangles of the symmetric matrices). */
  toJson(): Json {
    const routes: Json[] = [];
    const d = this.dimension;
    for (const [route, m] of this.models) {
      routes.push({
        route,
        updates: m.updates,
        sinceRefactor: m.sinceRefactor,
        scale: m.scale,
        pending: m.pending,
        a: packUpper(m.a, d),
        ainv: packUpper(m.ainv, d),
        b: Array.from(m.b),
        theta: Array.from(m.theta),
      });
    }
    return { dimension: d, routes };
  }

  /**
   * Rebuild from toJson() output, bit-exactly (the stored inverse is used as is, so decisions after a
   * restore are identical). Validates shapes, finiteness, positive definiteness of A-hat and that the stored
   * inverse and theta agree with A-hat and b-hat; throws InvalidStateError naming what is wrong.
   */
  static fromJson(policy: string, json: unknown, settings: RidgeSettings, dimension: number): RidgeStore {
    const fail = (msg: string): never => {
      throw new InvalidStateError(policy, msg);
    };
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('state must be an object { dimension, routes }');
    const o = json as { readonly [k: string]: unknown };
    if (o.dimension !== dimension) return fail(`state.dimension is ${JSON.stringify(o.dimension)}, params say ${dimension}`);
    if (!Array.isArray(o.routes)) return fail('state.routes must be an array');
    const store = new RidgeStore(dimension, settings);
    const d = dimension;
    const packed = (d * (d + 1)) / 2;
    const check = new Float64Array(d * d);
    const tmp = new Float64Array(d);
    (o.routes as unknown[]).forEach((r, i) => {
      const at = `state.routes[${i}]`;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail(`${at} must be an object`);
      const e = r as { readonly [k: string]: unknown };
      if (typeof e.route !== 'string' || e.route.length === 0) return fail(`${at}.route must be a non-empty string`);
      if (store.models.has(e.route)) return fail(`${at}.route "${e.route}" appears twice`);
      const int = (k: string): number => {
        const v = e[k];
        return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(`${at}.${k} must be a non-negative integer`);
      };
      const num = (k: string): number => {
        const v = e[k];
        return typeof v === 'number' && Number.isFinite(v) ? v : fail(`${at}.${k} must be a finite number`);
      };
      const arr = (k: string, n: number): number[] => {
        const v = e[k];
        if (!Array.isArray(v) || v.length !== n) return fail(`${at}.${k} must be an array of ${n} numbers`);
        for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) return fail(`${at}.${k} must hold finite numbers`);
        return v as number[];
      };
      const m = new RidgeModel(d, settings.lambda);
      m.updates = int('updates');
      m.sinceRefactor = int('sinceRefactor');
      m.scale = num('scale');
      if (!(m.scale > 0 && m.scale <= 1)) fail(`${at}.scale must be in (0, 1], got ${m.scale}`);
      m.pending = num('pending');
      if (m.pending < 0) fail(`${at}.pending must be >= 0, got ${m.pending}`);
      unpackUpper(arr('a', packed), d, m.a);
      unpackUpper(arr('ainv', packed), d, m.ainv);
      m.b.set(arr('b', d));
      m.theta.set(arr('theta', d));
      // consistency: A-hat positive definite, A-hat A-hat^-1 = I, theta = A-hat^-1 b-hat
      check.set(m.a);
      try {
        choleskyInPlace(check, d);
      } catch (err) {
        fail(`${at}.a is not positive definite (${(err as Error).message})`);
      }
      const cond = d * maxAbs(m.a, d * d) * maxAbs(m.ainv, d * d);
      const tolInverse = 1e-12 + RESTORE_RELATIVE * cond;
      matMul(m.a, m.ainv, d, check);
      for (let p = 0; p < d; p++) {
        for (let q = 0; q < d; q++) {
          const err = Math.abs(check[p * d + q]! - (p === q ? 1 : 0));
          if (!(err <= tolInverse)) fail(`${at}.ainv is not the inverse of a (|A A^-1 - I| = ${err} > ${tolInverse} at [${p}][${q}])`);
        }
      }
      matVec(m.ainv, d, m.b, tmp);
      // theta is updated incrementally since the last re-factorisation: allow rounding per update
      const tolTheta = 1e-12 + RESTORE_RELATIVE * cond * (1 + m.sinceRefactor) * (1 + maxAbs(tmp, d));
      for (let p = 0; p < d; p++) {
        const err = Math.abs(tmp[p]! - m.theta[p]!);
        if (!(err <= tolTheta)) fail(`${at}.theta does not match ainv b (off by ${err} > ${tolTheta} at [${p}])`);
      }
      store.models.set(e.route, m);
    });
    return store;
  }
}
