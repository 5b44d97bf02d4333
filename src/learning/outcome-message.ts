/**
 * The checks of an outcome message made before its join: its body (JSON, the `Outcome` schema, a valid
 * `occurredAt`) and its decision's age by the time in its id. One definition for the applier and the join's
 * read-ahead, so the read-ahead marks an outcome as its decision's first only when the applier would join
 * it too (a malformed message must never take a decision's mark).
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { decidedAtOf, decisionKindOf } from '../decisions/decision-id.ts';
import { MAX_RETRY_DELAY_MS } from '../decisions/decision-record.ts';
import { Outcome } from '../http/schemas.ts';
import { parseTimestamp } from '../time.ts';

const checkOutcome = TypeCompiler.Compile(Outcome);

export type ParsedOutcome = { readonly ok: true; readonly outcome: Outcome } | { readonly ok: false; readonly detail: string };

export function parseOutcomeMessage(payload: string): ParsedOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message}` };
  }
  if (!checkOutcome.Check(parsed)) {
    const first = checkOutcome.Errors(parsed).First();
    const field = first ? first.path.replace(/^\//, '').replace(/\//g, '.') || 'outcome' : 'outcome';
    return { ok: false, detail: `${field}: ${first?.message ?? 'invalid'}` };
  }
  if (parsed.occurredAt !== undefined && parseTimestamp(parsed.occurredAt) === undefined) {
    return { ok: false, detail: 'occurredAt: not a valid ISO 8601 timestamp' };
  }
  return { ok: true, outcome: parsed };
}

/**
 * Whether the decision is past its TTL by the time in its id, at stream time `streamTimeMs` (a retry's TTL
 * counts from its scheduled time, at most MAX_RETRY_DELAY_MS later; the record says exactly when).
 */
export function expiredById(decisionId: string, streamTimeMs: number, ttlMs: number): boolean {
  const decidedAt = decidedAtOf(decisionId);
  const longest = ttlMs + (decisionKindOf(decisionId) === 'retry' ? MAX_RETRY_DELAY_MS : 0);
  return decidedAt !== undefined && streamTimeMs - decidedAt > longest;
}
