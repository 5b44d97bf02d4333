/**
 * `/v1/retry` behind HTTP: rules, the card's reattempt counters, the retry policy, the decision record.
 *
 * 1. Idempotency: the same (merchantId, transactionId, attempt) within the answer TTL gets the same answer.
 * 2. The card's reattempts over the longest window come from the counter store (see "card key" below).
 * 3. The retry policy (rules + learning policy) answers stop or retry; a retry is then reserved atomically
 *    in the counter store against the network's caps, so two replicas cannot together exceed them; a
 *    refused reservation turns the answer into a stop naming the cap.
 * 4. Fail closed: when the counter store is unavailable, a retry that needs the counter check is refused
 *    (`stop`, reason `attempt-counter-unavailable`); stops decided by the rules alone do not need it.
 * 5. Retry decisions are handed to `onDecision` (the service's join store, decision log and bus), so their
 *    outcomes (published with the retry decision's `decisionId`) train the retry policy, whenever they come.
 *
 * Card key: the request carries no card number. The networks count reattempts per card and merchant, so
 * the key is `merchantId` + the optional extra field `cardFingerprint` (a network token or vault PAN hash
 * the payment core may send). Without it the key falls back to `merchantId` + `transactionId`: the caps are
 * then enforced per payment (and the request's `attempt` bounds the count from below), not across payments
 * of the same card; documented in docs/retry.md.
 */

import type { Policy } from '../../policies/core/policy.ts';
import { Rng } from '../../policies/core/rng.ts';
import { DependencyUnavailableError, ValidationError } from '../../policies/errors.ts';
import type { RetryContext } from '../../policies/retry/context.ts';
import { RetryPolicy, type RetryDecision, type RetryPolicyOptions } from '../../policies/retry/retry-policy.ts';
import { limitsFor } from '../../policies/retry/rules.ts';
import { LONGEST_LIMIT_WINDOW_SECONDS } from '../../policies/retry/rules-table.ts';
import type { PaymentContext } from '../../policies/core/context.ts';
import type { DecisionRecord } from '../decisions/decision-record.ts';
import { paymentContextOf } from '../decisions/decision-service.ts';
import type { AttemptCounterStore } from './counter-store.ts';
import type { RetryRequest } from './schemas.ts';

export interface RetryAnswer {
  readonly decisionId: string;
  readonly action: 'retry' | 'stop';
  readonly delaySeconds?: number;
  readonly route?: string;
  readonly propensity: number;
  readonly policy: string;
  readonly reason: string;
  /** Extra: retry only as a 3-D Secure authenticated authorization. */
  readonly requires3DS?: boolean;
  /** Extra: retry only with updated card data (account updater, new expiry). */
  readonly requiresCardUpdate?: boolean;
}

/**
 * A retry decision as logged and joined with its outcome: the decision log's record with `kind: "retry"`;
 * its context is the payment context plus the retry fields, its candidates the arm ids
 * (`[stratum|]delay@route`).
 */
export type RetryDecisionRecord = DecisionRecord & { readonly kind: 'retry' };

export interface RetryMetricsPort {
  readonly countDecision: (kind: string, policy: string, route: string) => void;
  readonly decisionDuration: { observe(labels: { kind: string }, seconds: number): void };
}

export interface RetryServiceDeps {
  /** The served retry policy's bare Policy (may be swapped on restore; re-wrapped when it changes). */
  readonly policy: () => Policy;
  readonly policyOptions?: RetryPolicyOptions;
  readonly counters: AttemptCounterStore;
  readonly seed: number;
  readonly now: () => number;
  readonly newDecisionId: (atMs: number) => string;
  readonly onDecision?: (record: RetryDecisionRecord) => void | Promise<void>;
  readonly metrics?: RetryMetricsPort;
  /** How long an answer is replayed for the same request. Default 24 h. */
  readonly answerTtlMs?: number;
  readonly parseTimestamp: (iso: string) => number | undefined;
}

const LONGEST_MS = LONGEST_LIMIT_WINDOW_SECONDS * 1000;
/** Counters outlive the longest window by the longest delay an action may have (10 days, MAC 30). */
const COUNTER_TTL_MS = LONGEST_MS + 11 * 86_400_000;

export class RetryService {
  private readonly rng = new Rng();
  private wrapped: RetryPolicy | undefined;

  constructor(private readonly deps: RetryServiceDeps) {}

  private retryPolicy(): RetryPolicy {
    const base = this.deps.policy();
    if (!this.wrapped || this.wrapped.policy !== base) this.wrapped = new RetryPolicy(base, this.deps.policyOptions ?? {});
    return this.wrapped;
  }

  async decide(body: RetryRequest): Promise<RetryAnswer> {
    const started = performance.now();
    const { counters, metrics } = this.deps;
    const now = this.deps.now();
    const payment = paymentContextOf(body, now);
    const { occurredAtMs } = payment;
    const firstAttemptAtMs = body.firstAttemptAt === undefined ? undefined : this.timestamp('firstAttemptAt', body.firstAttemptAt);
    if (firstAttemptAtMs !== undefined && firstAttemptAtMs > occurredAtMs) {
      throw new ValidationError('firstAttemptAt', `must not be after occurredAt (${new Date(occurredAtMs).toISOString()})`);
    }
    const idemKey = `${body.merchantId}|${body.transactionId}|${body.attempt}`;
    const replay = await this.recall(idemKey);
    if (replay) return replay;

    const req: RetryContext = {
      ...payment,
      attempt: body.attempt,
      declineCode: body.declineCode,
      ...(body.merchantAdviceCode !== undefined ? { merchantAdviceCode: body.merchantAdviceCode } : {}),
      previousRoute: body.previousRoute,
      ...(firstAttemptAtMs !== undefined ? { firstAttemptAtMs } : {}),
      ...(body.cardFingerprint !== undefined ? { cardFingerprint: body.cardFingerprint } : {}),
    };
    const cardKey = `${body.merchantId}|${body.cardFingerprint !== undefined ? `fp:${body.cardFingerprint}` : `tx:${body.transactionId}`}`;
    let history: number[] = [];
    let countersDown = false;
    try {
      history = await counters.history(cardKey, occurredAtMs - LONGEST_MS);
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      countersDown = true;
    }

    const retry = this.retryPolicy();
    const observations = retry.policy.observations;
    const key = `${body.transactionId}:${body.attempt}`;
    this.rng.reseed(this.deps.seed, key);
    const decision = retry.decide(req, body.candidates, { reattemptsAtMs: history }, this.rng);
    const decisionId = this.deps.newDecisionId(now);
    let answer: RetryAnswer;
    if (decision.action === 'stop') {
      answer = this.stop(decisionId, retry.name, decision.reason);
    } else if (countersDown) {
      answer = this.stop(decisionId, retry.name, 'attempt-counter-unavailable');
    } else {
      const limits = limitsFor(req.cardNetwork);
      let reserved: Awaited<ReturnType<AttemptCounterStore['reserve']>> | undefined;
      try {
        reserved = await counters.reserve(
          cardKey,
          key,
          occurredAtMs + decision.delaySeconds * 1000,
          occurredAtMs,
          limits.map((l) => ({ windowMs: l.windowSeconds * 1000, max: l.maxReattempts })),
          occurredAtMs - LONGEST_MS,
          COUNTER_TTL_MS,
        );
      } catch (err) {
        if (!(err instanceof DependencyUnavailableError)) throw err;
      }
      if (reserved === undefined) answer = this.stop(decisionId, retry.name, 'attempt-counter-unavailable');
      else if (reserved.status === 'refused') answer = this.stop(decisionId, retry.name, limits[reserved.limitIndex]?.name ?? 'attempt-limit');
      else {
        if (reserved.status === 'duplicate') {
          // another replica (or an earlier call) answered this very request: answer as it did
          const again = await this.recall(idemKey);
          if (again) return again;
        }
        answer = this.retryAnswer(decisionId, retry.name, decision);
        await this.deps.onDecision?.(this.record(decisionId, now, retry, observations, key, decision));
      }
    }
    const stored = await this.remember(idemKey, answer);
    metrics?.countDecision('retry', stored.policy, stored.route ?? 'stop');
    metrics?.decisionDuration.observe({ kind: 'retry' }, (performance.now() - started) / 1000);
    return stored;
  }

  private timestamp(field: string, iso: string): number {
    const ms = this.deps.parseTimestamp(iso);
    if (ms === undefined) throw new ValidationError(field, `not a valid ISO 8601 timestamp: "${iso}"`);
    return ms;
  }

  private stop(decisionId: string, policy: string, reason: string): RetryAnswer {
    return { decisionId, action: 'stop', propensity: 1, policy, reason };
  }

  private retryAnswer(decisionId: string, policy: string, d: Extract<RetryDecision, { action: 'retry' }>): RetryAnswer {
    return {
      decisionId,
      action: 'retry',
      delaySeconds: d.delaySeconds,
      route: d.route,
      propensity: d.propensity,
      policy,
      reason: d.reason,
      ...(d.requires3DS ? { requires3DS: true } : {}),
      ...(d.requiresCardUpdate ? { requiresCardUpdate: true } : {}),
    };
  }

  private record(decisionId: string, now: number, retry: RetryPolicy, observations: number, key: string, d: Extract<RetryDecision, { action: 'retry' }>): RetryDecisionRecord {
    return {
      type: 'decision',
      decisionId,
      kind: 'retry',
      at: new Date(now).toISOString(),
      policy: retry.name,
      policyVersion: retry.policy.version,
      seed: this.deps.seed,
      key,
      observations,
      context: d.context as PaymentContext,
      candidates: d.candidates,
      probabilities: d.probabilities,
      scores: d.scores.map((s) => (Number.isFinite(s) ? s : s > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE)),
      chosen: d.chosen,
      propensity: d.propensity,
    };
  }

  private async recall(key: string): Promise<RetryAnswer | undefined> {
    try {
      const json = await this.deps.counters.recallAnswer(key);
      return json === null ? undefined : (JSON.parse(json) as RetryAnswer);
    } catch (err) {
      if (err instanceof DependencyUnavailableError) return undefined;
      throw err;
    }
  }

  private async remember(key: string, answer: RetryAnswer): Promise<RetryAnswer> {
    try {
      const json = await this.deps.counters.rememberAnswer(key, JSON.stringify(answer), this.deps.answerTtlMs ?? 86_400_000);
      return JSON.parse(json) as RetryAnswer;
    } catch (err) {
      if (err instanceof DependencyUnavailableError) return answer;
      throw err;
    }
  }
}
