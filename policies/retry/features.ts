/**
 * The retry context's features for the linear policies (LinUCB, LinTS), in the feature encoder's declarative
 * spec (policies/features/spec.ts). One linear model per arm (delay@route) over: the decline (code, Visa
 * category, kind, advice code), the retry number and time since the first attempt (as buckets crossed with
 * the kind: insufficient funds wants days, an unavailable issuer wants another acquirer now), the amount,
 * and the card and issuer.
 */

import type { FeatureSpec } from '../features/spec.ts';

export const RETRY_FEATURES: readonly FeatureSpec[] = Object.freeze([
  { kind: 'bias' },
  { kind: 'numeric', field: 'amountMinor', transform: 'log1p', scale: 0.1, min: 0, max: 2.5 },
  { kind: 'numeric', field: 'hoursSinceFirstAttempt', transform: 'log1p', scale: 0.2, min: 0, max: 2 },
  { kind: 'numeric', field: 'attempt', scale: 0.25, min: 0, max: 4 },
  { kind: 'numeric', field: 'threeDS' },
  { kind: 'categorical', field: 'declineKind' },
  { kind: 'categorical', field: 'declineCode' },
  { kind: 'categorical', field: 'declineCategory' },
  { kind: 'categorical', field: 'merchantAdviceCode' },
  { kind: 'categorical', field: 'cardNetwork' },
  { kind: 'categorical', field: 'cardType' },
  { kind: 'categorical', field: 'channel' },
  { kind: 'categorical', field: 'issuerCountry' },
  { kind: 'cross', fields: ['declineKind', 'attemptBucket'] },
  { kind: 'cross', fields: ['declineKind', 'elapsedBucket'] },
  { kind: 'cross', fields: ['declineKind', 'cardNetwork'] },
  { kind: 'cross', fields: ['declineKind', 'channel'] },
] satisfies FeatureSpec[]);

/** Hashed slots: 12 one-hots over 128 - 5 dense slots keeps collisions rare. */
export const RETRY_FEATURE_DIMENSION = 128;

/** Params for `createPolicy('linucb' | 'lints', ...)` serving retries. */
export function retryLinearParams(extra: { readonly [key: string]: unknown } = {}): { readonly [key: string]: unknown } {
  return { features: RETRY_FEATURES, dimension: RETRY_FEATURE_DIMENSION, ...extra };
}
