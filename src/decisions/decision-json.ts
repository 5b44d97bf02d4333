/**
 * A decision serialised once: the decision-log record (`JSON.stringify(record)`, byte for byte) and the
 * HTTP answer (byte for byte what the `RouteResponse` schema's serializer writes for `answerOf(record)`)
 * built from one set of texts, so each probability, score and string is formatted once. A property test
 * compares both against `JSON.stringify` and fastify's serializer.
 */
import { rankOrderFinite, type DecisionRecord } from './decision-record.ts';

/** Each field of `T` as its JSON text (an array as the texts of its items). */
type JsonTexts<T> = { readonly [K in keyof T]: T[K] extends readonly unknown[] ? readonly string[] : string };

/** The fields of a decision that its record and its answer share, as JSON texts (strings quoted and escaped). */
export type DecisionText = JsonTexts<Pick<DecisionRecord, 'decisionId' | 'policy' | 'candidates' | 'probabilities' | 'scores' | 'chosen' | 'propensity'>> & {
  /**
   * Whether every field of the answer has the type its schema says and every number is finite (otherwise
   * the answer is left to the serializer, which rejects what does not fit: a record read back from the
   * store that is not one this router wrote must not become a 200 with invalid JSON).
   */
  readonly finite: boolean;
};

/** A number as `JSON.stringify` writes it (and fast-json-stringify, for finite numbers). */
function numberText(x: number): string {
  return Number.isFinite(x) ? '' + x : 'null';
}

function numbersText(xs: readonly number[], out: string[]): boolean {
  let finite = true;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!Number.isFinite(x)) finite = false;
    out[i] = numberText(x);
  }
  return finite;
}

function allNumbers(xs: readonly unknown[], n: number): boolean {
  if (!Array.isArray(xs) || xs.length !== n) return false;
  for (let i = 0; i < n; i++) if (typeof xs[i] !== 'number') return false;
  return true;
}

export function decisionTextOf(record: DecisionRecord): DecisionText {
  const n = record.candidates.length;
  const candidates = new Array<string>(n);
  let chosen: string | undefined;
  let typed =
    typeof record.decisionId === 'string' && typeof record.policy === 'string' && typeof record.chosen === 'string' &&
    typeof record.propensity === 'number' && allNumbers(record.probabilities, n) && allNumbers(record.scores, n);
  for (let i = 0; i < n; i++) {
    const c = record.candidates[i]!;
    if (typeof c !== 'string') typed = false;
    candidates[i] = JSON.stringify(c);
    if (c === record.chosen) chosen = candidates[i];
  }
  const ps: readonly number[] = Array.isArray(record.probabilities) ? record.probabilities : [];
  const ss: readonly number[] = Array.isArray(record.scores) ? record.scores : [];
  const probabilities = new Array<string>(ps.length);
  const scores = new Array<string>(ss.length);
  const finiteProbabilities = numbersText(ps, probabilities);
  const finiteScores = numbersText(ss, scores);
  const finite = typed && finiteProbabilities && finiteScores && Number.isFinite(record.propensity);
  return {
    decisionId: JSON.stringify(record.decisionId),
    policy: JSON.stringify(record.policy),
    candidates,
    probabilities,
    scores,
    chosen: chosen ?? JSON.stringify(record.chosen),
    propensity: numberText(record.propensity),
    finite,
  };
}

/** Exactly `JSON.stringify(record)` (the record's keys in their order; the context as `JSON.stringify` writes it). */
export function recordJsonOf(record: DecisionRecord, t: DecisionText): string {
  return (
    '{"type":"decision","decisionId":' + t.decisionId +
    ',"kind":' + JSON.stringify(record.kind) +
    ',"at":' + JSON.stringify(record.at) +
    ',"policy":' + t.policy +
    ',"policyVersion":' + JSON.stringify(record.policyVersion) +
    ',"seed":' + numberText(record.seed) +
    ',"key":' + JSON.stringify(record.key) +
    ',"observations":' + numberText(record.observations) +
    ',"context":' + JSON.stringify(record.context) +
    ',"candidates":[' + t.candidates.join(',') +
    '],"probabilities":[' + t.probabilities.join(',') +
    '],"scores":[' + t.scores.join(',') +
    '],"chosen":' + t.chosen +
    ',"propensity":' + t.propensity +
    '}'
  );
}

/** `answerJsonOf`'s ranking order, reused (JavaScript is single-threaded, and the order is read before it returns). */
const order: number[] = [];

/**
 * The `POST /v1/route` answer's JSON: what the response schema's serializer writes for `answerOf(record)`
 * (its keys in the schema's order). Undefined when a number is not finite (the serializer decides then).
 */
export function answerJsonOf(record: DecisionRecord, t: DecisionText): string | undefined {
  if (!t.finite) return undefined;
  const n = record.candidates.length;
  while (order.length < n) order.push(0);
  rankOrderFinite(record, order);
  let ranking = '';
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    ranking += (ranking === '' ? '{"route":' : ',{"route":') + t.candidates[i]! + ',"probability":' + t.probabilities[i]! + ',"score":' + t.scores[i]! + '}';
  }
  return '{"decisionId":' + t.decisionId + ',"route":' + t.chosen + ',"propensity":' + t.propensity + ',"policy":' + t.policy + ',"ranking":[' + ranking + ']}';
}
