/**
 * An outcome message's body, checked: JSON, the `Outcome` schema, and a valid `occurredAt`. One check for
 * the applier and the join's read-ahead, so the read-ahead marks an outcome as its decision's first only
 * when the applier would accept it too (a malformed message must never take a decision's mark).
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
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
