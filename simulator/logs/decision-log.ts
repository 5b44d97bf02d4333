/**
 * The router's own decision log (JSONL): `decision` records and `outcome` records, one JSON object per line,
 * in the order the router processed them (format in docs/simulator-ope.md). `forEachDecisionLogRecord`
 * validates each record and hands it over in file order (the bit-exact replay needs exactly that);
 * `readDecisionLog` joins each decision with its outcome into a LoggedRow for off-policy evaluation.
 *
 * Memory is bounded by the decisions still waiting for their outcome, not by the file size.
 */
import type { Context, ContextValue } from '../../policies/core/context.ts';
import { BadRowTracker } from './bad-rows.ts';
import { forEachLine } from './lines.ts';
import type { ReadOptions } from './read-options.ts';
import type { LoggedRow, ReadSummary } from './row.ts';

export interface DecisionRecord {
  readonly type: 'decision';
  readonly line: number;
  readonly decisionId: string;
  readonly kind: string;
  readonly policy: string | null;
  readonly policyVersion: string | null;
  /** null when not logged (then the decision cannot be replayed bit-exactly). */
  readonly seed: number | null;
  readonly key: string | null;
  readonly observations: number | null;
  readonly context: Context;
  readonly candidates: readonly string[];
  readonly probabilities: readonly number[] | null;
  readonly scores: readonly number[] | null;
  readonly chosen: string;
  /** NaN when not logged. */
  readonly propensity: number;
}

export interface OutcomeRecord {
  readonly type: 'outcome';
  readonly line: number;
  readonly decisionId: string;
  readonly approved: boolean;
  readonly responseCode: string | null;
  /** NaN when not logged. */
  readonly feeMinor: number;
  /** The reward the router applied; `approved ? 1 : 0` when not logged. */
  readonly reward: number;
  /** The blame weight the router applied; 1 when not logged. */
  readonly weight: number;
}

export type DecisionLogRecord = DecisionRecord | OutcomeRecord;

class FieldError extends Error {}

function fail(field: string, message: string): never {
  throw new FieldError(`${field}: ${message}`);
}

function str(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v === '') fail(field, `expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function optStr(o: Record<string, unknown>, field: string): string | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(field, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function optNum(o: Record<string, unknown>, field: string): number | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `expected a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function numArray(o: Record<string, unknown>, field: string, length: number): number[] | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(field, `expected ${length} finite numbers (one per candidate)`);
  }
  return v as number[];
}

function parseContext(v: unknown): Context {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('context', 'expected an object');
  const out: Record<string, ContextValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === null || x === undefined) continue;
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') fail(`context.${k}`, 'expected a string, number or boolean');
    out[k] = x;
  }
  return out;
}

/** Validate one parsed line; throws an Error naming the field. */
export function parseDecisionLogRecord(value: unknown, line: number): DecisionLogRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('record', 'expected a JSON object');
  const o = value as Record<string, unknown>;
  const type = o['type'];
  if (type === 'decision') {
    const candidates = o['candidates'];
    if (!Array.isArray(candidates) || candidates.length === 0 || !candidates.every((c) => typeof c === 'string' && c !== '')) {
      fail('candidates', 'expected a non-empty array of route ids');
    }
    if (new Set(candidates).size !== candidates.length) fail('candidates', 'duplicate route id');
    const cands = candidates as string[];
    const chosen = str(o, 'chosen');
    if (!cands.includes(chosen)) fail('chosen', `"${chosen}" is not among candidates`);
    const propensity = optNum(o, 'propensity');
    if (propensity !== null && !(propensity > 0 && propensity <= 1)) fail('propensity', `expected a number in (0, 1], got ${propensity}`);
    const seed = optNum(o, 'seed');
    return {
      type,
      line,
      decisionId: str(o, 'decisionId'),
      kind: optStr(o, 'kind') ?? 'route',
      policy: optStr(o, 'policy'),
      policyVersion: optStr(o, 'policyVersion'),
      seed,
      key: optStr(o, 'key'),
      observations: optNum(o, 'observations'),
      context: parseContext(o['context']),
      candidates: cands,
      probabilities: numArray(o, 'probabilities', cands.length),
      scores: numArray(o, 'scores', cands.length),
      chosen,
      propensity: propensity ?? Number.NaN,
    };
  }
  if (type === 'outcome') {
    const approved = o['approved'];
    if (typeof approved !== 'boolean') fail('approved', `expected true or false, got ${JSON.stringify(approved)}`);
    const weight = optNum(o, 'weight');
    if (weight !== null && !(weight >= 0)) fail('weight', `expected a number >= 0, got ${weight}`);
    return {
      type,
      line,
      decisionId: str(o, 'decisionId'),
      approved,
      responseCode: optStr(o, 'responseCode'),
      feeMinor: optNum(o, 'feeMinor') ?? Number.NaN,
      reward: optNum(o, 'reward') ?? (approved ? 1 : 0),
      weight: weight ?? 1,
    };
  }
  fail('type', `expected "decision" or "outcome", got ${JSON.stringify(type)}`);
}

export interface RecordReadResult {
  readonly decisions: number;
  readonly outcomes: number;
  readonly bad: BadRowTracker;
}

/**
 * Every valid record in file order; invalid lines go to the tracker with their line number. `onRecord` may
 * return an error message to reject a record that parsed but does not fit (counted as bad like the others).
 */
export async function forEachDecisionLogRecord(
  file: string,
  onRecord: (record: DecisionLogRecord) => string | void,
  options: ReadOptions = {},
): Promise<RecordReadResult> {
  const bad = new BadRowTracker(file, options.onBadRow);
  let decisions = 0;
  let outcomes = 0;
  await forEachLine(
    file,
    (line, lineNumber) => {
      if (line.trim() === '') return;
      let record: DecisionLogRecord;
      try {
        record = parseDecisionLogRecord(JSON.parse(line), lineNumber);
      } catch (e) {
        if (e instanceof FieldError) return bad.record(lineNumber, e.message);
        return bad.record(lineNumber, `invalid JSON: ${(e as Error).message}`);
      }
      const rejected = onRecord(record);
      if (typeof rejected === 'string') return bad.record(lineNumber, rejected);
      if (record.type === 'decision') decisions++;
      else outcomes++;
    },
    options,
  );
  return { decisions, outcomes, bad };
}

/**
 * Decisions of `options.kind` ("route" by default; retry decisions are another policy's) joined with their
 * outcomes, emitted when the outcome arrives (so rows come in outcome order).
 * An outcome whose decision is unknown (or already joined: the router applies an outcome once) is a bad
 * row; decisions still without an outcome at the end are counted as `unjoined` and not evaluated.
 */
export async function readDecisionLog(file: string, onRow: (row: LoggedRow) => void, options: ReadOptions = {}): Promise<ReadSummary> {
  const pending = new Map<string, DecisionRecord>();
  const otherKind = new Set<string>();
  const kind = options.kind ?? 'route';
  const actions = new Map<string, number>();
  let rows = 0;
  const result = await forEachDecisionLogRecord(
    file,
    (r) => {
      if (r.type === 'decision') {
        if (r.kind !== kind) {
          otherKind.add(r.decisionId);
          return;
        }
        if (pending.has(r.decisionId)) return `decisionId: duplicate decision "${r.decisionId}"`;
        pending.set(r.decisionId, r);
        return;
      }
      if (otherKind.delete(r.decisionId)) return;
      const d = pending.get(r.decisionId);
      if (!d) return `decisionId: outcome for an unknown or already-joined decision "${r.decisionId}"`;
      pending.delete(r.decisionId);
      for (const c of d.candidates) if (!actions.has(c)) actions.set(c, actions.size);
      onRow({
        index: rows,
        line: d.line,
        key: d.key ?? d.decisionId,
        context: d.context,
        candidates: d.candidates,
        action: d.chosen,
        reward: r.reward,
        propensity: d.propensity,
        loggingProbabilities: d.probabilities,
        feeMinor: r.feeMinor,
      });
      rows++;
    },
    options,
  );
  // Count lines, not joined pairs: a decision and its outcome are two good lines.
  result.bad.check(result.decisions + result.outcomes);
  return { file, format: 'jsonl', rows, bad: result.bad.count, badSamples: result.bad.samples, unjoined: pending.size, actions: [...actions.keys()] };
}
