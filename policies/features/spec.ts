/**
 * Declarative feature specification: which context fields become which features, as plain JSON (so it can
 * sit in policy params, snapshots and simulator configs). The encoder (`encoder.ts`) turns a spec into a
 * fixed-size vector of `dimension` slots:
 *
 *   [ dense slots: bias, numeric, cyclic (sin, cos) ... | hashed slots: categoricals, crosses, hashed numerics ]
 *
 * Dense features get their own slot(s) in spec order; categorical values and crosses are feature-hashed
 * into the remaining slots, so unknown values never crash and the size never changes.
 */
import { InvalidConfigError } from '../errors.ts';
import { isDerivedField } from '../core/derived-fields.ts';

/** Constant 1 (the intercept). One dense slot. */
export interface BiasFeature {
  readonly kind: 'bias';
}

/**
 * A number: `clip(transform(value) * scale, min, max)`. Booleans read as 1/0, numeric strings are parsed,
 * anything else (missing, non-finite, non-numeric) encodes as 0. `placement: 'dense'` (default) gives it a
 * slot of its own; `'hashed'` puts it in a hashed slot chosen by its name (for many numeric columns, e.g.
 * the Open Bandit Dataset's `user-item_affinity_*`).
 */
export interface NumericFeature {
  readonly kind: 'numeric';
  readonly field: string;
  readonly transform?: 'identity' | 'log1p';
  readonly scale?: number;
  readonly min?: number;
  readonly max?: number;
  readonly placement?: 'dense' | 'hashed';
}

/**
 * A periodic quantity as (sin, cos) of 2 pi (value mod period) / period: e.g. hour of day from epoch
 * milliseconds with period 86,400,000. Two dense slots; missing encodes as (0, 0).
 */
export interface CyclicFeature {
  readonly kind: 'cyclic';
  readonly field: string;
  readonly period: number;
}

/**
 * One-hot of a field's value, feature-hashed. Missing is a value of its own. The field may be a derived one
 * (`issuerRegion`, policies/core/derived-fields.ts). `scale` (default 1, > 0) is the value of the hot entry: in a
 * ridge model a feature at scale s has prior precision lambda / s^2, so s < 1 shrinks that feature's
 * coefficients harder (e.g. the issuer country below its region).
 */
export interface CategoricalFeature {
  readonly kind: 'categorical';
  readonly field: string;
  readonly scale?: number;
}

/** One-hot of the combination of several fields' values (e.g. issuerCountry x cardNetwork), hashed; `scale` as above. */
export interface CrossFeature {
  readonly kind: 'cross';
  readonly fields: readonly string[];
  readonly scale?: number;
}

export type FeatureSpec = BiasFeature | NumericFeature | CyclicFeature | CategoricalFeature | CrossFeature;

export type HashingMode = 'signed' | 'unsigned';

export interface EncoderSpec {
  /** Total number of slots (the length of the dense vector). */
  readonly dimension: number;
  /**
   * `signed` (default): each hashed feature gets a pseudo-random sign (Weinberger et al. 2009), so
   * collisions cancel in expectation instead of adding up; `unsigned`: plain one-hot into hashed buckets.
   */
  readonly hashing: HashingMode;
  readonly features: readonly FeatureSpec[];
}

export const MIN_DIMENSION = 2;
export const MAX_DIMENSION = 1024;
export const DEFAULT_DIMENSION = 64;
export const HOUR_OF_DAY_PERIOD_MS = 86_400_000;

/**
 * The default features of the payment context (`PaymentContext`): 5 dense slots (bias, log amount, 3-D
 * Secure, hour of day as sin/cos) and 12 hashed one-hots (8 categoricals, 4 crosses): at most 17 non-zeros.
 */
export const PAYMENT_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { kind: 'bias' },
  // log(1 + amount in minor units) / 10: 0 for 0, ~0.46 for 100.00, ~1.38 for 1,000,000.00; clipped at 2.5.
  { kind: 'numeric', field: 'amountMinor', transform: 'log1p', scale: 0.1, min: 0, max: 2.5 },
  { kind: 'numeric', field: 'threeDS' },
  { kind: 'cyclic', field: 'occurredAtMs', period: HOUR_OF_DAY_PERIOD_MS },
  { kind: 'categorical', field: 'cardNetwork' },
  { kind: 'categorical', field: 'cardType' },
  { kind: 'categorical', field: 'channel' },
  { kind: 'categorical', field: 'issuerCountry' },
  { kind: 'categorical', field: 'currency' },
  { kind: 'categorical', field: 'mcc' },
  { kind: 'categorical', field: 'merchantId' },
  { kind: 'categorical', field: 'binPrefix' },
  { kind: 'cross', fields: ['issuerCountry', 'cardNetwork'] },
  { kind: 'cross', fields: ['cardNetwork', 'cardType'] },
  { kind: 'cross', fields: ['channel', 'threeDS'] },
  // domestic vs cross-border currency
  { kind: 'cross', fields: ['issuerCountry', 'currency'] },
] satisfies FeatureSpec[]);

/**
 * The default features of the route policies (LinUCB, LinTS; `LINEAR_DEFAULTS`): an intercept and the issuer's
 * card-scheme region (`issuerRegion`, derived from `issuerCountry`: policies/core/scheme-regions.ts). One
 * disjoint model per route makes them "this route's approval rate for this region": whether the acquirer is
 * in the issuer's region (domestic or intra-regional acquiring) is what moves an acquirer's approval rate most,
 * and a region pools the evidence of all its countries. 1 dense slot + 1 hashed one-hot: 2 non-zeros.
 *
 * Measured on the simulator's payments world (docs/policies-linear.md, "Default features"): against the richer
 * `DETAILED_ROUTE_FEATURES` below, this loses 42% fewer approvals to the oracle over 20,000 payments in the
 * stable scenario (10 seeds) and 33-42% fewer in each of the other four (5 seeds), 28% fewer over 100,000 payments;
 * every feature added to it (MCC, amount, 3-D Secure, network, the country beside its region, or all of them
 * at a smaller scale) raised the regret at both horizons, because each adds coefficients per route that the
 * outcomes estimate more slowly than they pay back. Routes that differ along other dimensions at far larger
 * volumes can take `DETAILED_ROUTE_FEATURES` or their own list (`ROUTE_POLICY_PARAMS`, docs/service.md).
 */
export const ROUTE_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { kind: 'bias' },
  { kind: 'categorical', field: 'issuerRegion' },
] satisfies FeatureSpec[]);

/**
 * The route features that were the default until 2026-12-01 (at dimension 128): the main effects that move an
 * acquirer's pass-through: issuer country, network, card type, channel, 3-D Secure (alone and with the
 * channel: missing SCA on e-commerce), MCC and merchant, and the amount. 3 dense slots + 7 hashed one-hots:
 * at most 10 non-zeros, about 53 distinct hashed values on the payments world (use dimension 128: at 64 the
 * collisions cost about 20% more regret, 256 gave no further gain).
 *
 * Left out of it, each measured on the simulator's worlds (docs/simulator-worlds.md, "Tuning the defaults"):
 * `binPrefix` (thousands of values, each seen a handful of times: it only adds noise and hash collisions), the
 * hour of day (no learnable effect within 20,000 payments, two more coefficients per route), `currency` (fixed
 * by the merchant), and the crosses issuerCountry x cardNetwork, cardNetwork x cardType, issuerCountry x
 * currency (20 to 70 values each: more coefficients per route than 20,000 outcomes estimate).
 */
export const DETAILED_ROUTE_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { kind: 'bias' },
  { kind: 'numeric', field: 'amountMinor', transform: 'log1p', scale: 0.1, min: 0, max: 2.5 },
  { kind: 'numeric', field: 'threeDS' },
  { kind: 'categorical', field: 'issuerCountry' },
  { kind: 'categorical', field: 'cardNetwork' },
  { kind: 'categorical', field: 'cardType' },
  { kind: 'categorical', field: 'channel' },
  { kind: 'categorical', field: 'mcc' },
  { kind: 'categorical', field: 'merchantId' },
  { kind: 'cross', fields: ['channel', 'threeDS'] },
] satisfies FeatureSpec[]);

/**
 * Default dimension of the route policies: 32 slots (1 dense + 31 hashed) hold the 7 region values
 * (6 regions and OTHER) without a collision (test/unit/derived-fields.test.ts checks it), and keep LinUCB's
 * per-route inverse at 32 x 32 (the Sherman–Morrison update is quadratic in the dimension).
 */
export const ROUTE_DIMENSION = 32;

/** The route policies' default spec (`ROUTE_FEATURES`) at a given dimension. */
export function routeEncoderSpec(dimension: number = ROUTE_DIMENSION, hashing: HashingMode = 'signed'): EncoderSpec {
  return parseEncoderSpec({ dimension, hashing, features: ROUTE_FEATURES });
}

/** The default spec for the payment context at a given dimension. */
export function paymentEncoderSpec(dimension: number = DEFAULT_DIMENSION, hashing: HashingMode = 'signed'): EncoderSpec {
  return parseEncoderSpec({ dimension, hashing, features: PAYMENT_FEATURES });
}

/**
 * Convenience builder for generic tabular contexts (the simulator's CSV / Open Bandit Dataset rows): a bias,
 * the numeric fields (dense while they fit, else hashed), one-hot categoricals and crosses.
 */
export function tabularEncoderSpec(options: {
  readonly dimension: number;
  readonly numeric?: readonly string[];
  readonly categorical?: readonly string[];
  readonly crosses?: readonly (readonly string[])[];
  readonly hashing?: HashingMode;
}): EncoderSpec {
  const numeric = options.numeric ?? [];
  const categorical = options.categorical ?? [];
  const crosses = options.crosses ?? [];
  const hashedCount = categorical.length + crosses.length;
  // keep at least half the space (and at least one slot) for hashed features when there are any
  const denseBudget = hashedCount > 0 ? Math.max(0, Math.floor(options.dimension / 2) - 1) : options.dimension - 1;
  const features: FeatureSpec[] = [{ kind: 'bias' }];
  numeric.forEach((field, i) => {
    features.push({ kind: 'numeric', field, placement: i < denseBudget ? 'dense' : 'hashed' });
  });
  for (const field of categorical) features.push({ kind: 'categorical', field });
  for (const fields of crosses) features.push({ kind: 'cross', fields: [...fields] });
  return parseEncoderSpec({ dimension: options.dimension, hashing: options.hashing ?? 'signed', features });
}

/** Number of dense slots a feature takes (0 for hashed ones). */
export function denseSlots(f: FeatureSpec): number {
  switch (f.kind) {
    case 'bias':
      return 1;
    case 'numeric':
      return f.placement === 'hashed' ? 0 : 1;
    case 'cyclic':
      return 2;
    case 'categorical':
    case 'cross':
      return 0;
  }
}

/** Number of hashed non-zeros a feature emits (at most). */
export function hashedEntries(f: FeatureSpec): number {
  switch (f.kind) {
    case 'bias':
    case 'cyclic':
      return 0;
    case 'numeric':
      return f.placement === 'hashed' ? 1 : 0;
    case 'categorical':
    case 'cross':
      return 1;
  }
}

/** Stable name of a feature (used as its hash seed and in descriptions). */
export function featureName(f: FeatureSpec): string {
  switch (f.kind) {
    case 'bias':
      return 'bias';
    case 'numeric':
      return `num:${f.field}`;
    case 'cyclic':
      return `cyc:${f.field}/${f.period}`;
    case 'categorical':
      return `cat:${f.field}`;
    case 'cross':
      return `cross:${f.fields.join('*')}`;
  }
}

type Obj = { readonly [key: string]: unknown };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(where: string, o: Obj, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidConfigError(`${where}.${k}`, `unknown key; known: ${keys.join(', ')}`);
  }
}

function fieldName(where: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidConfigError(where, `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/** A field a numeric or cyclic feature reads: not a derived one (those are categorical values). */
function numberField(where: string, v: unknown): string {
  const field = fieldName(where, v);
  if (isDerivedField(field)) throw new InvalidConfigError(where, `"${field}" is a derived categorical field; use it in a categorical or cross feature`);
  return field;
}

function finite(where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidConfigError(where, `must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function positiveScale(where: string, v: unknown): number {
  const x = finite(where, v);
  if (!(x > 0)) throw new InvalidConfigError(where, `must be > 0, got ${x}`);
  return x;
}

function parseFeature(where: string, v: unknown): FeatureSpec {
  if (!isObj(v)) throw new InvalidConfigError(where, 'must be an object with a "kind"');
  switch (v.kind) {
    case 'bias':
      onlyKeys(where, v, ['kind']);
      return { kind: 'bias' };
    case 'numeric': {
      onlyKeys(where, v, ['kind', 'field', 'transform', 'scale', 'min', 'max', 'placement']);
      const out: { -readonly [K in keyof NumericFeature]: NumericFeature[K] } = { kind: 'numeric', field: numberField(`${where}.field`, v.field) };
      if (v.transform !== undefined) {
        if (v.transform !== 'identity' && v.transform !== 'log1p') {
          throw new InvalidConfigError(`${where}.transform`, `must be "identity" or "log1p", got ${JSON.stringify(v.transform)}`);
        }
        out.transform = v.transform;
      }
      if (v.scale !== undefined) out.scale = finite(`${where}.scale`, v.scale);
      if (v.min !== undefined) out.min = finite(`${where}.min`, v.min);
      if (v.max !== undefined) out.max = finite(`${where}.max`, v.max);
      if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
        throw new InvalidConfigError(`${where}.min`, `must be <= max (${out.max}), got ${out.min}`);
      }
      if (v.placement !== undefined) {
        if (v.placement !== 'dense' && v.placement !== 'hashed') {
          throw new InvalidConfigError(`${where}.placement`, `must be "dense" or "hashed", got ${JSON.stringify(v.placement)}`);
        }
        out.placement = v.placement;
      }
      return out;
    }
    case 'cyclic': {
      onlyKeys(where, v, ['kind', 'field', 'period']);
      const period = finite(`${where}.period`, v.period);
      if (!(period > 0)) throw new InvalidConfigError(`${where}.period`, `must be > 0, got ${period}`);
      return { kind: 'cyclic', field: numberField(`${where}.field`, v.field), period };
    }
    case 'categorical': {
      onlyKeys(where, v, ['kind', 'field', 'scale']);
      const field = fieldName(`${where}.field`, v.field);
      return v.scale === undefined ? { kind: 'categorical', field } : { kind: 'categorical', field, scale: positiveScale(`${where}.scale`, v.scale) };
    }
    case 'cross': {
      onlyKeys(where, v, ['kind', 'fields', 'scale']);
      if (!Array.isArray(v.fields) || v.fields.length < 2) {
        throw new InvalidConfigError(`${where}.fields`, 'must be an array of at least 2 field names');
      }
      const fields = v.fields.map((f: unknown, i: number) => fieldName(`${where}.fields[${i}]`, f));
      return v.scale === undefined ? { kind: 'cross', fields } : { kind: 'cross', fields, scale: positiveScale(`${where}.scale`, v.scale) };
    }
    default:
      throw new InvalidConfigError(`${where}.kind`, `must be one of bias, numeric, cyclic, categorical, cross; got ${JSON.stringify(v.kind)}`);
  }
}

/** Parse just a features array (validates every entry). */
export function parseFeatures(value: unknown, where = 'features'): FeatureSpec[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidConfigError(where, 'must be a non-empty array of feature specs');
  const features = value.map((f: unknown, i: number) => parseFeature(`${where}[${i}]`, f));
  const seen = new Set<string>();
  features.forEach((f, i) => {
    const name = featureName(f);
    if (seen.has(name)) throw new InvalidConfigError(`${where}[${i}]`, `duplicate feature ${name}`);
    seen.add(name);
  });
  return features;
}

/** Check that a dimension fits a feature list (dense slots plus at least one hashed slot when needed). */
export function checkDimension(dimension: unknown, features: readonly FeatureSpec[], where = 'dimension'): number {
  if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < MIN_DIMENSION || dimension > MAX_DIMENSION) {
    throw new InvalidConfigError(where, `must be an integer in [${MIN_DIMENSION}, ${MAX_DIMENSION}], got ${JSON.stringify(dimension)}`);
  }
  const dense = features.reduce((s, f) => s + denseSlots(f), 0);
  const hashed = features.reduce((s, f) => s + hashedEntries(f), 0);
  const needed = dense + (hashed > 0 ? 1 : 0);
  if (dimension < needed) {
    throw new InvalidConfigError(where, `${dimension} is too small for the features: ${dense} dense slots${hashed > 0 ? ' + at least 1 hashed slot' : ''} = ${needed}`);
  }
  return dimension;
}

/** Validate an untrusted spec (from params or a file); errors name the field. Returns a normalised copy. */
export function parseEncoderSpec(value: unknown, where = ''): EncoderSpec {
  const at = (k: string) => (where ? `${where}.${k}` : k);
  if (!isObj(value)) throw new InvalidConfigError(where || 'encoder', 'must be an object { dimension, hashing?, features }');
  onlyKeys(where || 'encoder', value, ['dimension', 'hashing', 'features']);
  const features = parseFeatures(value.features, at('features'));
  const dimension = checkDimension(value.dimension, features, at('dimension'));
  const hashing = value.hashing ?? 'signed';
  if (hashing !== 'signed' && hashing !== 'unsigned') {
    throw new InvalidConfigError(at('hashing'), `must be "signed" or "unsigned", got ${JSON.stringify(hashing)}`);
  }
  return { dimension, hashing, features };
}
