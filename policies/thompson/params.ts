/** Tunables of the Beta-Bernoulli Thompson sampling policy, validated (errors name the field). */

import { InvalidConfigError } from '../errors.ts';
import type { PolicyParams } from '../core/policy.ts';
import { numberParam, rejectUnknownParams, stringArrayParam } from '../core/params.ts';
import { DEFAULT_FLOOR, MAX_FLOOR } from './decision-checks.ts';

export interface ThompsonParams {
  /** Context fields from coarse to fine; each level pools towards the one above. */
  readonly segments: readonly string[];
  /** Pseudo-counts a (segment, route) cell takes from its parent's posterior mean. */
  readonly poolStrength: number;
  /** Per-outcome forgetting factor gamma in (0, 1]; 1 = none. Memory ≈ 1 / (1 - gamma) outcomes. */
  readonly discount: number;
  /** Minimum probability of every candidate (> 0 so propensities are never 0). */
  readonly floor: number;
  /** Beta prior at the top of the hierarchy (all routes, all traffic). */
  readonly priorAlpha: number;
  readonly priorBeta: number;
}

/**
 * Defaults, measured on the simulator's payments world (docs/simulator-worlds.md, "Tuning the defaults", and
 * docs/policies-thompson.md, "Segments"):
 * - segments: the issuer's card-scheme region (`issuerRegion`, derived from `issuerCountry`). Which route is
 *   best is decided mostly by the issuer's region (domestic acquiring); a region's cells pool the evidence of
 *   all its countries. Against the issuer country (the default until 2026-12-01) it loses 35% fewer approvals
 *   to the oracle over 20,000 payments in the stable scenario (10 seeds) and 16-39% fewer in the other four;
 *   finer keys (region then country, at pool strengths 100 to 1,000; x network; x card type; x merchant)
 *   split the evidence into more cells than 20,000 outcomes fill and lost more in every scenario tried.
 * - discount 1 (no forgetting, as the linear policies): forgetting is counted in outcomes, so the right memory
 *   depends on the traffic volume; 0.9999 (10,000 outcomes) threw away half the evidence of a 20,000-payment
 *   run and lost more even in the outage and drift scenarios. Set it for your volume when routes change.
 */
export const THOMPSON_DEFAULTS: ThompsonParams = {
  segments: ['issuerRegion'],
  poolStrength: 20,
  discount: 1,
  floor: DEFAULT_FLOOR,
  priorAlpha: 1,
  priorBeta: 1,
};

const KNOWN = ['segments', 'poolStrength', 'discount', 'floor', 'priorAlpha', 'priorBeta'];
/** More levels than this is a configuration mistake (each level costs a map lookup per candidate). */
const MAX_SEGMENTS = 8;

/** Validate `raw` over `base` (defaults or the current params). Throws InvalidConfigError naming the field. */
export function parseThompsonParams(name: string, raw: { readonly [key: string]: unknown }, base: ThompsonParams = THOMPSON_DEFAULTS): ThompsonParams {
  rejectUnknownParams(name, raw, KNOWN);
  const segments = stringArrayParam(name, raw, 'segments', base.segments);
  if (segments.length > MAX_SEGMENTS) throw new InvalidConfigError(`${name}.segments`, `at most ${MAX_SEGMENTS} fields, got ${segments.length}`);
  if (new Set(segments).size !== segments.length) throw new InvalidConfigError(`${name}.segments`, 'fields must be unique');
  const discount = numberParam(name, raw, 'discount', base.discount, 0, 1);
  if (!(discount > 0)) throw new InvalidConfigError(`${name}.discount`, 'must be in (0, 1] (1 = no forgetting)');
  const floor = numberParam(name, raw, 'floor', base.floor, 0, MAX_FLOOR);
  if (!(floor > 0)) throw new InvalidConfigError(`${name}.floor`, `must be in (0, ${MAX_FLOOR}] so that no propensity is 0`);
  return {
    segments: [...segments],
    poolStrength: positive(name, raw, 'poolStrength', base.poolStrength),
    discount,
    floor,
    priorAlpha: positive(name, raw, 'priorAlpha', base.priorAlpha),
    priorBeta: positive(name, raw, 'priorBeta', base.priorBeta),
  };
}

function positive(name: string, raw: { readonly [key: string]: unknown }, key: string, fallback: number): number {
  const v = numberParam(name, raw, key, fallback, 0, 1e9);
  if (!(v > 0)) throw new InvalidConfigError(`${name}.${key}`, 'must be > 0');
  return v;
}

export function thompsonParamsToJson(p: ThompsonParams): PolicyParams {
  return {
    segments: [...p.segments],
    poolStrength: p.poolStrength,
    discount: p.discount,
    floor: p.floor,
    priorAlpha: p.priorAlpha,
    priorBeta: p.priorBeta,
  };
}
