/**
 * Parameters shared by the linear policies (LinUCB, Linear Thompson sampling): validation with errors that
 * name the field, defaults, and which ones may change live.
 */
import { InvalidConfigError } from '../errors.ts';
import type { Json, PolicyParams } from '../core/policy.ts';
import { numberParam, rejectUnknownParams } from '../core/params.ts';
import { type FeatureSpec, type HashingMode, ROUTE_DIMENSION, ROUTE_FEATURES, checkDimension, parseFeatures } from '../features/spec.ts';

export interface LinearParams {
  /** Exploration: LinUCB's alpha or LinTS's v. */
  readonly explore: number;
  /** Ridge regularisation (prior precision) lambda > 0. */
  readonly lambda: number;
  /** Forgetting factor gamma in (0, 1]; 1 = stationary. */
  readonly discount: number;
  /** Exploration floor: every candidate keeps at least this probability (capped at 1/n). */
  readonly floor: number;
  /**
   * Re-factorise a route's inverse from A after this many updates (the Sherman–Morrison drift is ~1e-13
   * after 20,000 updates, see the bench; with forgetting the prior-deficit bound triggers it sooner).
   */
  readonly refactorEvery: number;
  readonly dimension: number;
  readonly hashing: HashingMode;
  readonly features: readonly FeatureSpec[];
}

/** What differs between the linear policies' parameters: the name and default of the exploration knob. */
export interface ExploreParam {
  readonly key: string;
  readonly fallback: number;
}

export const LINEAR_DEFAULTS = {
  lambda: 1,
  discount: 1,
  floor: 0.01,
  refactorEvery: 1000,
  dimension: ROUTE_DIMENSION,
  hashing: 'signed',
} as const;

/** Params that define the feature space: changing them would invalidate the learned state. */
export const STRUCTURAL_KEYS = ['dimension', 'hashing', 'features'] as const;

export function linearParamKeys(explore: ExploreParam): string[] {
  return [explore.key, 'lambda', 'discount', 'floor', 'refactorEvery', 'dimension', 'hashing', 'features'];
}

function positive(policy: string, params: { readonly [k: string]: unknown }, key: string, fallback: number, max: number): number {
  const v = numberParam(policy, params, key, fallback, 0, max);
  if (!(v > 0)) throw new InvalidConfigError(`${policy}.${key}`, `must be > 0, got ${v}`);
  return v;
}

/** Validate `params` (every key known, every value in range); missing keys take `base` or the defaults. */
export function parseLinearParams(
  policy: string,
  explore: ExploreParam,
  params: { readonly [k: string]: unknown },
  base?: LinearParams,
): LinearParams {
  rejectUnknownParams(policy, params, linearParamKeys(explore));
  const features = params.features === undefined ? (base?.features ?? ROUTE_FEATURES) : parseFeatures(params.features, `${policy}.features`);
  const dimension = checkDimension(params.dimension ?? base?.dimension ?? LINEAR_DEFAULTS.dimension, features, `${policy}.dimension`);
  const hashing = params.hashing ?? base?.hashing ?? LINEAR_DEFAULTS.hashing;
  if (hashing !== 'signed' && hashing !== 'unsigned') {
    throw new InvalidConfigError(`${policy}.hashing`, `must be "signed" or "unsigned", got ${JSON.stringify(hashing)}`);
  }
  const refactorEvery = numberParam(policy, params, 'refactorEvery', base?.refactorEvery ?? LINEAR_DEFAULTS.refactorEvery, 1, 1e9);
  if (!Number.isInteger(refactorEvery)) throw new InvalidConfigError(`${policy}.refactorEvery`, `must be an integer, got ${refactorEvery}`);
  return {
    explore: numberParam(policy, params, explore.key, base?.explore ?? explore.fallback, 0, 1e3),
    lambda: positive(policy, params, 'lambda', base?.lambda ?? LINEAR_DEFAULTS.lambda, 1e6),
    discount: positive(policy, params, 'discount', base?.discount ?? LINEAR_DEFAULTS.discount, 1),
    floor: positive(policy, params, 'floor', base?.floor ?? LINEAR_DEFAULTS.floor, 1),
    refactorEvery,
    dimension,
    hashing,
    features,
  };
}

/** Plain JSON form (what `params()` returns and snapshots store). */
export function linearParamsToJson(explore: ExploreParam, p: LinearParams): PolicyParams {
  return {
    [explore.key]: p.explore,
    lambda: p.lambda,
    discount: p.discount,
    floor: p.floor,
    refactorEvery: p.refactorEvery,
    dimension: p.dimension,
    hashing: p.hashing,
    features: JSON.parse(JSON.stringify(p.features)) as Json,
  };
}

/** The structural key whose value differs between a and b, if any. */
export function changedStructuralKey(a: LinearParams, b: LinearParams): (typeof STRUCTURAL_KEYS)[number] | undefined {
  if (a.dimension !== b.dimension) return 'dimension';
  if (a.hashing !== b.hashing) return 'hashing';
  if (JSON.stringify(a.features) !== JSON.stringify(b.features)) return 'features';
  return undefined;
}
