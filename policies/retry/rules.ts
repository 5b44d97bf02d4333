/**
 * The retry rules evaluator: pure, no I/O, no clock. Given a decline, the card's reattempt history and the
 * action space, it answers either `stop` with the name of the rule that forbids a retry, or the list of
 * (delay, route) actions every applicable rule allows. Learning policies only ever choose among those.
 *
 * The rules themselves are data (`rules-table.ts`, with sources). Combination: any non-retryable row stops
 * (hard declines first, then advice codes, then categories); minimum delays take the largest, maximum delays
 * the smallest; `requires3DS` / `requiresCardUpdate` are OR-ed; every attempt limit of the network must hold.
 */

import type { CardNetwork } from '../core/context.ts';
import { actionId, type RetryAction } from './actions.ts';
import {
  ATTEMPT_LIMITS,
  DEFAULT_LIMITS,
  RESPONSE_CODES,
  RETRY_RULES,
  type AttemptLimit,
  type DeclineKind,
  type ResponseCodeRow,
  type RetryRuleRow,
  type VisaCategory,
} from './rules-table.ts';

/** What the rules need to know about the decline (a subset of the `/v1/retry` request). */
export interface DeclineContext {
  readonly cardNetwork: CardNetwork;
  /** ISO 8583 response code of the last attempt, two characters. */
  readonly declineCode: string;
  /** Mastercard merchant advice code, two digits, if the issuer sent one. */
  readonly merchantAdviceCode?: string | undefined;
  /** Authorization attempts made so far for this payment (>= 1). */
  readonly attempt: number;
  /** The route that declined. */
  readonly previousRoute: string;
  /** Routes the payment core may use for the retry. */
  readonly routes: readonly string[];
  /** Epoch ms of the first attempt of this payment, if known. */
  readonly firstAttemptAtMs?: number | undefined;
}

/** The card's reattempts (at this merchant) known to the counter store, as epoch ms (scheduled times). */
export interface AttemptHistory {
  readonly reattemptsAtMs: readonly number[];
}

export interface ActionSpaceConfig {
  /** Delay buckets in seconds, ascending. */
  readonly delays: readonly number[];
  /** At most this many actions are offered to the policy (the DecisionBuffer's capacity). */
  readonly maxActions: number;
  /** Project budget: retries per payment (the schedule teams use today makes 3). */
  readonly maxRetriesPerPayment: number;
}

export interface DeclineClass {
  readonly code: string;
  /** Visa category of the code (Category 4 when not listed), used as a feature for every network. */
  readonly category: VisaCategory;
  readonly kind: DeclineKind;
  readonly description: string;
  /** False when the code is not in the table. */
  readonly known: boolean;
}

export type RuleVerdict =
  | {
      readonly action: 'stop';
      /** Name of the rule that forbids the retry. */
      readonly reason: string;
      readonly decline: DeclineClass;
    }
  | {
      readonly action: 'retry';
      readonly actions: readonly RetryAction[];
      readonly requires3DS: boolean;
      readonly requiresCardUpdate: boolean;
      readonly minDelaySeconds: number;
      readonly maxDelaySeconds: number;
      /** Names of the rules that shaped the allowed set (for `reason`). */
      readonly rules: readonly string[];
      readonly decline: DeclineClass;
      /** Reattempts counted against the tightest limit, and that limit. */
      readonly counted: number;
      readonly limit: AttemptLimit;
    };

const CODE_INDEX: ReadonlyMap<string, ResponseCodeRow> = new Map(RESPONSE_CODES.map((r) => [r.code, r]));

/** Rule precedence when several forbid a retry: hard declines name the card's state best. */
const STOP_PRECEDENCE: Readonly<Record<string, number>> = { 'hard-decline': 0, 'mastercard-mac': 1, 'visa-categories': 2 };

export const ISO_RESPONSE_CODE = /^[0-9A-Z]{2}$/;
export const ADVICE_CODE = /^[0-9]{2}$/;

export function classifyDecline(cardNetwork: CardNetwork, declineCode: string): DeclineClass {
  const row = CODE_INDEX.get(declineCode);
  if (!row) return { code: declineCode, category: 4, kind: 'generic', description: 'generic decline', known: false };
  // Mastercard EEA issuers use 65 for "authentication required" (PSD2 soft decline).
  const kind: DeclineKind = cardNetwork === 'mastercard' && declineCode === '65' ? 'authentication-required' : row.kind;
  return { code: declineCode, category: row.visaCategory ?? 4, kind, description: row.description, known: true };
}

function rowApplies(row: RetryRuleRow, d: DeclineContext, cls: DeclineClass): boolean {
  if (row.network !== '*' && row.network !== d.cardNetwork) return false;
  if (row.exceptCodes?.includes(d.declineCode)) return false;
  switch (row.field) {
    case 'declineCode':
      return row.value === d.declineCode;
    case 'merchantAdviceCode':
      return d.merchantAdviceCode !== undefined && row.value === d.merchantAdviceCode;
    case 'visaCategory':
      return row.value === String(cls.category);
  }
}

/** Every rule row that applies to this decline, in table order. */
export function applicableRules(d: DeclineContext): readonly RetryRuleRow[] {
  const cls = classifyDecline(d.cardNetwork, d.declineCode);
  return RETRY_RULES.filter((r) => rowApplies(r, d, cls));
}

export function limitsFor(cardNetwork: CardNetwork): readonly AttemptLimit[] {
  return ATTEMPT_LIMITS[cardNetwork] ?? DEFAULT_LIMITS;
}

/**
 * Reattempts to count against `limit` for a retry decided at `nowMs`: every known reattempt later than
 * `nowMs - window` (scheduled ones included), and at least the retries this payment already made when they
 * may fall in the window (`attempt - 1`; the store may not know them). Conservative: any window that could
 * contain the new retry contains at most this many earlier ones.
 */
export function countAgainst(limit: AttemptLimit, d: DeclineContext, history: AttemptHistory, nowMs: number): number {
  const from = nowMs - limit.windowSeconds * 1000;
  let n = 0;
  for (const t of history.reattemptsAtMs) if (t > from) n++;
  const paymentInWindow = d.firstAttemptAtMs === undefined || d.firstAttemptAtMs > from;
  return paymentInWindow ? Math.max(n, d.attempt - 1) : n;
}

/**
 * The evaluator: `stop` with the rule's name, or the actions every rule allows.
 * `nowMs` is the time of the decline being answered (the request's occurredAt).
 */
export function allowedActions(d: DeclineContext, history: AttemptHistory, space: ActionSpaceConfig, nowMs: number): RuleVerdict {
  const decline = classifyDecline(d.cardNetwork, d.declineCode);
  const rows = applicableRules(d);

  let stopRow: RetryRuleRow | undefined;
  for (const r of rows) {
    if (r.retryable) continue;
    if (!stopRow || (STOP_PRECEDENCE[r.source] ?? 9) < (STOP_PRECEDENCE[stopRow.source] ?? 9)) stopRow = r;
  }
  if (stopRow) return { action: 'stop', reason: stopRow.name, decline };

  let tightest: AttemptLimit | undefined;
  let tightestRoom = Infinity;
  let tightestCount = 0;
  for (const limit of limitsFor(d.cardNetwork)) {
    const counted = countAgainst(limit, d, history, nowMs);
    if (counted + 1 > limit.maxReattempts) return { action: 'stop', reason: limit.name, decline };
    const room = limit.maxReattempts - counted;
    if (room < tightestRoom) {
      tightest = limit;
      tightestRoom = room;
      tightestCount = counted;
    }
  }
  if (d.attempt - 1 >= space.maxRetriesPerPayment) return { action: 'stop', reason: 'retry-budget-per-payment-exhausted', decline };

  let minDelay = 0;
  let maxDelay = Infinity;
  let requires3DS = false;
  let requiresCardUpdate = false;
  const names: string[] = [];
  for (const r of rows) {
    names.push(r.name);
    if (r.minDelaySeconds !== undefined) minDelay = Math.max(minDelay, r.minDelaySeconds);
    if (r.maxDelaySeconds !== undefined) maxDelay = Math.min(maxDelay, r.maxDelaySeconds);
    if (r.requires3DS) requires3DS = true;
    if (r.requiresCardUpdate) requiresCardUpdate = true;
  }

  const delays = space.delays.filter((s) => s >= minDelay && s <= maxDelay);
  // An advice window between buckets (e.g. Mastercard MAC 27: 4 days) is itself an action: the earliest allowed time.
  if (minDelay > 0 && minDelay <= maxDelay && !delays.includes(minDelay)) {
    delays.push(minDelay);
    delays.sort((a, b) => a - b);
  }
  const routes = uniqueRoutes(d.routes);
  const actions: RetryAction[] = [];
  const perDelay = Math.max(1, Math.floor(space.maxActions / Math.max(1, delays.length)));
  for (const s of delays) {
    let used = 0;
    for (const route of routes) {
      if (used >= perDelay || actions.length >= space.maxActions) break;
      // Retrying at once on the route that just declined only makes sense as a new, authenticated request.
      if (s === 0 && route === d.previousRoute && !requires3DS) continue;
      actions.push({ id: actionId(s, route), delaySeconds: s, route });
      used++;
    }
  }
  if (actions.length === 0) return { action: 'stop', reason: 'no-action-within-rules', decline };
  if (!tightest) throw new Error('every network has at least one attempt limit');
  return {
    action: 'retry',
    actions,
    requires3DS,
    requiresCardUpdate,
    minDelaySeconds: minDelay,
    maxDelaySeconds: maxDelay,
    rules: names,
    decline,
    counted: tightestCount,
    limit: tightest,
  };
}

function uniqueRoutes(routes: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of routes) {
    if (!seen.has(r)) {
      seen.add(r);
      out.push(r);
    }
  }
  return out;
}
