/**
 * The retry request as policies see it, and the flat context handed to the underlying policy: the payment
 * fields, the retry fields, and derived features (decline kind and category, hours since the first attempt).
 */

import type { Context, PaymentContext } from '../core/context.ts';
import type { DeclineClass } from './rules.ts';

/** The contract's `/v1/retry` body without `candidates`, times parsed to epoch ms at the edge. */
export interface RetryContext extends PaymentContext {
  readonly attempt: number;
  readonly declineCode: string;
  readonly merchantAdviceCode?: string;
  readonly previousRoute: string;
  readonly firstAttemptAtMs?: number;
  /**
   * Optional extra field: a stable, non-reversible identifier of the card (network token, PAN hash from the
   * vault). When present the attempt counters are per card and merchant, as the networks count them.
   */
  readonly cardFingerprint?: string;
}

/** Fields the policy context adds to the request's. */
export interface RetryFeatures {
  readonly declineKind: string;
  readonly declineCategory: number;
  readonly hoursSinceFirstAttempt: number;
  readonly hasAdviceCode: boolean;
  /** "1", "2", "3+": which retry this would be. */
  readonly attemptBucket: string;
  /** Time since the first attempt: "<1h", "<1d", "<3d", ">=3d". */
  readonly elapsedBucket: string;
}

/**
 * The flat context given to the policy: every request field plus the derived features. Allocates one object
 * per decision (the request is parsed per decision anyway).
 */
export function retryPolicyContext(req: RetryContext, decline: DeclineClass): Context {
  const first = req.firstAttemptAtMs ?? req.occurredAtMs;
  const hours = Math.max(0, (req.occurredAtMs - first) / 3_600_000);
  const features: RetryFeatures = {
    declineKind: decline.kind,
    declineCategory: decline.category,
    hoursSinceFirstAttempt: hours,
    hasAdviceCode: req.merchantAdviceCode !== undefined,
    attemptBucket: req.attempt >= 3 ? '3+' : String(Math.max(1, Math.floor(req.attempt))),
    elapsedBucket: hours < 1 ? '<1h' : hours < 24 ? '<1d' : hours < 72 ? '<3d' : '>=3d',
  };
  return { ...req, ...features };
}
