/**
 * The skeleton shared by the disjoint linear policies: encode the context once (sparse), read each
 * candidate's ridge estimate (mean theta.x and variance x^T A^-1 x) from the RidgeStore, let the policy turn
 * them into a base distribution and scores, mix in the exploration floor, and sample the choice with the
 * Rng. LinUCB and LinTS differ only in that middle step (`LinearRule`).
 */
import { InvalidCandidatesError, InvalidConfigError, InvalidStateError, RouterError, ValidationError } from '../errors.ts';
import type { Context } from '../core/context.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';
import type { Policy, PolicyParams, PolicySnapshot } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { applyFloor, sampleIndex } from '../core/sampling.ts';
import { FeatureEncoder } from '../features/encoder.ts';
import type { SparseVector } from '../features/sparse-vector.ts';
import { type ExploreParam, type LinearParams, changedStructuralKey, linearParamsToJson, parseLinearParams } from './linear-params.ts';
import { RidgeStore } from './ridge-store.ts';

/** The policy-specific step: from per-candidate means and variances to probabilities (pre-floor) and scores. */
export interface LinearRule {
  readonly name: string;
  readonly version: string;
  readonly explore: ExploreParam;
  /**
   * Write the base distribution into probs[0..n) (sums to 1; the floor is applied after) and a score per
   * candidate into scores[0..n). `scratch` has room for n numbers. Must not allocate.
   */
  distribution(
    means: Float64Array,
    variances: Float64Array,
    n: number,
    explore: number,
    probs: Float64Array,
    scores: Float64Array,
    scratch: Float64Array,
  ): void;
}

/** A linear policy, plus read access to its internals for tests, reports and benchmarks. */
export interface LinearPolicy extends Policy {
  readonly encoder: FeatureEncoder;
  readonly store: RidgeStore;
}

export function createLinearPolicy(rule: LinearRule, input: { readonly [key: string]: unknown } = {}): LinearPolicy {
  const name = rule.name;
  let p: LinearParams = parseLinearParams(name, rule.explore, input);
  let encoder = new FeatureEncoder({ dimension: p.dimension, hashing: p.hashing, features: p.features });
  let store = new RidgeStore(p.dimension, p);
  let x: SparseVector = encoder.createSparse();
  let observations = 0;
  // The hot knobs as closure variables: passing a double read from an object field to a call allocates a
  // heap number in V8, passing one held in a variable does not.
  let explore = p.explore;
  let floor = p.floor;
  let capacity = 0;
  let means = new Float64Array(0);
  let variances = new Float64Array(0);
  let scratch = new Float64Array(0);

  function ensureCapacity(n: number): void {
    if (n <= capacity) return;
    capacity = Math.max(n, 32);
    means = new Float64Array(capacity);
    variances = new Float64Array(capacity);
    scratch = new Float64Array(capacity);
  }
  ensureCapacity(32);

  function checkCandidates(candidates: readonly string[], out: DecisionBuffer): void {
    const n = candidates.length;
    if (n === 0) throw new InvalidCandidatesError('must hold at least one route');
    if (n > out.capacity) throw new InvalidCandidatesError(`at most ${out.capacity} routes, got ${n}`);
    for (let i = 0; i < n; i++) {
      const c = candidates[i];
      if (typeof c !== 'string' || c.length === 0) throw new InvalidCandidatesError(`[${i}] must be a non-empty string`);
      for (let j = 0; j < i; j++) if (candidates[j] === c) throw new InvalidCandidatesError(`"${c}" appears twice`);
    }
  }

  return {
    name,
    version: rule.version,
    get observations() {
      return observations;
    },
    get encoder() {
      return encoder;
    },
    get store() {
      return store;
    },

    params(): PolicyParams {
      return linearParamsToJson(rule.explore, p);
    },

    tune(patch) {
      const next = parseLinearParams(name, rule.explore, patch, p);
      const changed = changedStructuralKey(p, next);
      if (changed !== undefined) {
        throw new InvalidConfigError(`${name}.${changed}`, 'cannot be changed live (it changes the feature space and would discard the learned state); start the policy with it instead');
      }
      if (next.lambda !== p.lambda) store.setLambda(next.lambda);
      store.discount = next.discount;
      store.refactorEvery = next.refactorEvery;
      p = next;
      explore = p.explore;
      floor = p.floor;
    },

    decide(context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer) {
      checkCandidates(candidates, out);
      const n = candidates.length;
      ensureCapacity(n);
      encoder.encode(context, x);
      for (let i = 0; i < n; i++) store.estimateInto(candidates[i]!, x, i, means, variances);
      const probs = out.probabilities;
      rule.distribution(means, variances, n, explore, probs, out.scores, scratch);
      applyFloor(probs, n, floor);
      out.count = n;
      out.chosen = sampleIndex(probs, n, rng);
    },

    update(context: Context, route: string, reward: number, weight: number) {
      if (typeof route !== 'string' || route.length === 0) throw new ValidationError('route', 'must be a non-empty string');
      if (typeof reward !== 'number' || !Number.isFinite(reward)) throw new ValidationError('reward', `must be a finite number, got ${reward}`);
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
        throw new ValidationError('weight', `must be a finite number >= 0, got ${weight}`);
      }
      encoder.encode(context, x);
      store.update(route, x, reward, weight);
      observations++;
    },

    predict(context: Context, route: string): number {
      encoder.encode(context, x);
      const m = store.mean(route, x);
      return m < 0 ? 0 : m > 1 ? 1 : m;
    },

    snapshot(): PolicySnapshot {
      return { policy: name, version: rule.version, params: linearParamsToJson(rule.explore, p), observations, state: store.toJson() };
    },

    restore(snapshot: PolicySnapshot) {
      if (snapshot.policy !== name || snapshot.version !== rule.version) {
        throw new InvalidStateError(name, `expected ${name} ${rule.version}, got ${snapshot.policy} ${snapshot.version}`);
      }
      if (!Number.isSafeInteger(snapshot.observations) || snapshot.observations < 0) {
        throw new InvalidStateError(name, `observations must be a non-negative integer, got ${snapshot.observations}`);
      }
      let next: LinearParams;
      try {
        next = parseLinearParams(name, rule.explore, (snapshot.params ?? {}) as { readonly [k: string]: unknown });
      } catch (err) {
        if (err instanceof RouterError) throw new InvalidStateError(name, `params: ${err.message}`, { cause: err });
        throw err;
      }
      const nextStore = RidgeStore.fromJson(name, snapshot.state, next, next.dimension);
      const nextEncoder = changedStructuralKey(p, next) === undefined ? encoder : new FeatureEncoder({ dimension: next.dimension, hashing: next.hashing, features: next.features });
      p = next;
      explore = p.explore;
      floor = p.floor;
      store = nextStore;
      encoder = nextEncoder;
      x = encoder.createSparse();
      observations = snapshot.observations;
    },
  };
}
