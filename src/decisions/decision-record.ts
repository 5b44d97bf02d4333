/**
 * A decision as the router keeps and logs it: the join record stored with a TTL (so an outcome can be
 * applied to the decision's context later, on any replica) is exactly the decision-log record
 * (`{"type":"decision", ...}`), and the HTTP answer is derived from it, so a repeated transactionId gets a
 * byte-identical answer from whichever replica decided.
 */
import type { PaymentContext } from '../../policies/core/context.ts';
import { parseActionId } from '../../policies/retry/actions.ts';

export type DecisionKind = 'route' | 'retry';

export interface DecisionRecord {
  readonly type: 'decision';
  readonly decisionId: string;
  readonly kind: DecisionKind;
  /** ISO time the router decided. */
  readonly at: string;
  readonly policy: string;
  readonly policyVersion: string;
  readonly seed: number;
  readonly key: string;
  readonly observations: number;
  readonly context: PaymentContext;
  readonly candidates: readonly string[];
  readonly probabilities: readonly number[];
  readonly scores: readonly number[];
  readonly chosen: string;
  readonly propensity: number;
}

/** The longest delay a retry action may have (the delay buckets are below 30 days). */
export const MAX_RETRY_DELAY_MS = 30 * 86_400_000;

/**
 * When the decision's TTL starts counting: a route decision's outcome follows it at once; a retry's
 * follows the retry, which may be scheduled days later (its delay is in the chosen action id).
 */
export function ttlStartOf(record: Pick<DecisionRecord, 'kind' | 'at' | 'chosen'>): number {
  const at = Date.parse(record.at);
  if (record.kind !== 'retry') return at;
  return at + (parseActionId(record.chosen)?.delaySeconds ?? 0) * 1000;
}

export interface RankedRoute {
  readonly route: string;
  readonly probability: number;
  readonly score: number;
}

export interface RouteAnswer {
  readonly decisionId: string;
  readonly route: string;
  readonly propensity: number;
  readonly policy: string;
  readonly ranking: RankedRoute[];
}

/** The candidates' indices, best first: by probability of being chosen, then score, then the caller's order. */
export function rankOrder(record: Pick<DecisionRecord, 'candidates' | 'probabilities' | 'scores'>): number[] {
  const order = record.candidates.map((_, i) => i);
  order.sort((a, b) => record.probabilities[b]! - record.probabilities[a]! || record.scores[b]! - record.scores[a]! || a - b);
  return order;
}

/**
 * `rankOrder` of a record whose probabilities and scores are all finite numbers (the order is then a
 * strict total order, so any correct sort gives the same permutation), by insertion into `order` (its
 * first `candidates.length` slots): no copy of the array, no comparator closure, none of the sort's own
 * work arrays. The answer's hot path, for a handful of candidates.
 */
export function rankOrderFinite(record: Pick<DecisionRecord, 'candidates' | 'probabilities' | 'scores'>, order: number[]): void {
  const p = record.probabilities;
  const s = record.scores;
  const n = record.candidates.length;
  for (let i = 0; i < n; i++) {
    const pi = p[i]!;
    const si = s[i]!;
    let j = i;
    // move the ranked candidates that i beats one slot back (ties keep the caller's order: i comes last)
    for (; j > 0; j--) {
      const o = order[j - 1]!;
      const po = p[o]!;
      if (pi < po || (pi === po && si <= s[o]!)) break;
      order[j] = o;
    }
    order[j] = i;
  }
}

/** Every candidate, best first (`rankOrder`). */
export function rankingOf(record: Pick<DecisionRecord, 'candidates' | 'probabilities' | 'scores'>): RankedRoute[] {
  return rankOrder(record).map((i) => ({ route: record.candidates[i]!, probability: record.probabilities[i]!, score: record.scores[i]! }));
}

export function answerOf(record: DecisionRecord): RouteAnswer {
  return { decisionId: record.decisionId, route: record.chosen, propensity: record.propensity, policy: record.policy, ranking: rankingOf(record) };
}

/** Parse a stored record; null when it is not a decision record (corrupt or foreign value). */
export function parseDecisionRecord(json: string): DecisionRecord | null {
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null) return null;
    const r = v as Partial<DecisionRecord>;
    if (r.type !== 'decision' || typeof r.decisionId !== 'string' || typeof r.chosen !== 'string' || typeof r.context !== 'object' || !Array.isArray(r.candidates)) return null;
    return r as DecisionRecord;
  } catch {
    return null;
  }
}
