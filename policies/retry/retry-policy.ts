/**
 * The retry policy: rules first, learning inside them. For one decline it
 * 1. asks the rules evaluator for the allowed (delay, route) actions or a stop with the rule's name;
 * 2. lets the underlying Policy (thompson, linucb, fixed, ... from the registry) choose among exactly those
 *    actions, as candidate ids `"<delay>@<route>"`, with the retry context as its context.
 * Learning is the underlying policy's `update` on the same arm id and context, whenever the outcome arrives
 * (a retry scheduled for tomorrow reports tomorrow: the caller keeps the decision and applies it then).
 *
 * Stratification: a non-contextual policy (Thompson sampling keyed by arm only) would average recovery over
 * every kind of decline, which is meaningless (insufficient funds wants days, an unavailable issuer wants
 * another acquirer now). With `stratify` the arm ids get a prefix `"<declineKind>#<attempt bucket>|"`, so
 * the policy learns one arm per (decline kind, retry number, delay, route). Contextual policies (LinUCB) see
 * the kind as a feature instead and share arms (`stratify: false`).
 */

import type { Context } from '../core/context.ts';
import { DecisionBuffer, MAX_CANDIDATES } from '../core/decision-buffer.ts';
import type { Policy } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { InvalidConfigError } from '../errors.ts';
import { DEFAULT_DELAY_BUCKETS, validateDelayBuckets } from './actions.ts';
import { retryPolicyContext, type RetryContext } from './context.ts';
import { allowedActions, type ActionSpaceConfig, type AttemptHistory, type DeclineClass } from './rules.ts';

export interface RetryPolicyOptions {
  /** Delay buckets in seconds (default 0, 5 min, 1 h, 6 h, 24 h, 72 h). */
  readonly delays?: readonly number[];
  /** Retries per payment (default 3: the budget of the fixed schedule, so comparisons are like for like). */
  readonly maxRetriesPerPayment?: number;
  /** Prefix arm ids with the decline stratum (default: true unless the policy is `linucb`/`lints`). */
  readonly stratify?: boolean;
}

export type RetryDecision =
  | {
      readonly action: 'stop';
      readonly reason: string;
      /** The rule's verdict is deterministic. */
      readonly propensity: 1;
      readonly decline: DeclineClass;
      readonly context: Context;
    }
  | {
      readonly action: 'retry';
      readonly delaySeconds: number;
      readonly route: string;
      readonly propensity: number;
      readonly reason: string;
      readonly requires3DS: boolean;
      readonly requiresCardUpdate: boolean;
      readonly decline: DeclineClass;
      /** The policy context (log it with the decision; `learn` needs it back). */
      readonly context: Context;
      /** Arm ids offered to the policy (stratum included), aligned with probabilities and scores. */
      readonly candidates: readonly string[];
      readonly probabilities: readonly number[];
      readonly scores: readonly number[];
      /** The arm id chosen: what `learn` is called with. */
      readonly chosen: string;
    };

const CONTEXTUAL_POLICIES: ReadonlySet<string> = new Set(['linucb', 'lints']);

export class RetryPolicy {
  readonly space: ActionSpaceConfig;
  readonly stratify: boolean;
  private readonly out: DecisionBuffer;
  private readonly ids: string[] = [];

  constructor(
    readonly policy: Policy,
    options: RetryPolicyOptions = {},
  ) {
    const delays = options.delays ? validateDelayBuckets('retry.delays', options.delays) : DEFAULT_DELAY_BUCKETS;
    const budget = options.maxRetriesPerPayment ?? 3;
    if (!Number.isInteger(budget) || budget < 1 || budget > 15) {
      throw new InvalidConfigError('retry.maxRetriesPerPayment', `must be an integer in [1, 15], got ${budget}`);
    }
    this.space = { delays, maxActions: MAX_CANDIDATES, maxRetriesPerPayment: budget };
    this.stratify = options.stratify ?? !CONTEXTUAL_POLICIES.has(policy.name);
    this.out = new DecisionBuffer(MAX_CANDIDATES);
  }

  get name(): string {
    return this.policy.name;
  }

  /**
   * Decide for one decline. `routes`: the request's candidates; `history`: the card's reattempts from the
   * counter store; `rng` reseeded by the caller for this decision (seed x transactionId).
   */
  decide(req: RetryContext, routes: readonly string[], history: AttemptHistory, rng: Rng): RetryDecision {
    const verdict = allowedActions(
      {
        cardNetwork: req.cardNetwork,
        declineCode: req.declineCode,
        merchantAdviceCode: req.merchantAdviceCode,
        attempt: req.attempt,
        previousRoute: req.previousRoute,
        routes,
        firstAttemptAtMs: req.firstAttemptAtMs,
      },
      history,
      this.space,
      req.occurredAtMs,
    );
    const context = retryPolicyContext(req, verdict.decline);
    if (verdict.action === 'stop') {
      return { action: 'stop', reason: verdict.reason, propensity: 1, decline: verdict.decline, context };
    }
    const prefix = this.stratify ? `${stratumOf(verdict.decline, req.attempt)}|` : '';
    const ids = this.ids;
    ids.length = 0;
    for (const a of verdict.actions) ids.push(prefix + a.id);
    this.policy.decide(context, ids, rng, this.out);
    const chosen = verdict.actions[this.out.chosen];
    if (!chosen) throw new Error(`policy ${this.policy.name} chose index ${this.out.chosen} of ${ids.length}`);
    const plain = this.out.toPlain(ids);
    const ruleText = verdict.rules.length > 0 ? verdict.rules.join(', ') : `${req.cardNetwork === 'visa' ? `visa-category-${verdict.decline.category}` : 'soft-decline'}`;
    const how = verdict.requires3DS
      ? 'retry only with 3-D Secure authentication'
      : verdict.requiresCardUpdate
        ? 'retry only with updated card data'
        : `retry in ${formatDelay(chosen.delaySeconds)} on ${chosen.route}`;
    return {
      action: 'retry',
      delaySeconds: chosen.delaySeconds,
      route: chosen.route,
      propensity: plain.propensity,
      reason: `${how}; ${ruleText}; reattempt ${verdict.counted + 1} of ${verdict.limit.maxReattempts} (${verdict.limit.name})`,
      requires3DS: verdict.requires3DS,
      requiresCardUpdate: verdict.requiresCardUpdate,
      decline: verdict.decline,
      context,
      candidates: [...ids],
      probabilities: plain.probabilities,
      scores: plain.scores,
      chosen: ids[this.out.chosen]!,
    };
  }

  /** Learn from the outcome of a retry decision (`decision.context`, `decision.chosen`). */
  learn(context: Context, chosen: string, reward: number, weight = 1): void {
    this.policy.update(context, chosen, reward, weight);
  }
}

/** Decline kind and retry number (1, 2, 3+): what a non-contextual policy keeps one arm set for. */
export function stratumOf(decline: DeclineClass, attempt: number): string {
  return `${decline.kind}#${Math.min(Math.max(1, Math.floor(attempt)), 3)}`;
}

function formatDelay(s: number): string {
  if (s === 0) return 'now';
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
