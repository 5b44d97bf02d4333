/**
 * The fields of a stored decision record the outcome join needs (its id, kind, time, chosen action and
 * context), read without parsing the rest. The record is about 700 bytes of which the candidates,
 * probabilities and scores (doubles) are most of `JSON.parse`'s work and none of the join's.
 *
 * A record in the layout this router writes (`recordJsonOf`: its keys in their order, plain strings) is
 * checked by one pattern over everything but the context, which `JSON.parse` reads; anything else (another
 * layout, an escaped string, corrupt text) goes to `parseDecisionRecord`. The fast path accepts a text only
 * if it is valid JSON that `parseDecisionRecord` accepts, with the same values, so the join sees the same
 * thing either way (a property test compares both).
 */
import { parseDecisionRecord, type DecisionRecord } from './decision-record.ts';

export type JoinedDecision = Pick<DecisionRecord, 'decisionId' | 'kind' | 'at' | 'chosen' | 'context'>;

/** A JSON string with no escape and no control character: its text is its value. */
const STR = '"([^"\\\\\\u0000-\\u001f]*)"';
const PLAIN = '"[^"\\\\\\u0000-\\u001f]*"';
const NUM = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';
const NUM_OR_NULL = `(?:${NUM}|null)`;
const HEAD = new RegExp(
  `^\\{"type":"decision","decisionId":${STR},"kind":${STR},"at":${STR},"policy":${PLAIN},"policyVersion":${PLAIN},"seed":${NUM_OR_NULL},"key":${PLAIN},"observations":${NUM_OR_NULL},"context":$`,
);
const TAIL = new RegExp(
  `^,"candidates":\\[(?:${PLAIN}(?:,${PLAIN})*)?\\],"probabilities":\\[(?:${NUM_OR_NULL}(?:,${NUM_OR_NULL})*)?\\],"scores":\\[(?:${NUM_OR_NULL}(?:,${NUM_OR_NULL})*)?\\],"chosen":${STR},"propensity":${NUM_OR_NULL}\\}$`,
);
const CONTEXT_KEY = ',"context":{';
/** Where the context ends in the writer's layout (cannot occur inside a JSON string, see below). */
const CONTEXT_END = '},"candidates":[';

class Joined implements JoinedDecision {
  constructor(
    readonly decisionId: string,
    readonly kind: DecisionRecord['kind'],
    readonly at: string,
    readonly chosen: string,
    readonly context: DecisionRecord['context'],
  ) {}
}

/** `parseDecisionRecord`'s answer for the join's fields; null when that is null. */
export function parseJoinedDecision(json: string): JoinedDecision | null {
  return fastJoined(json) ?? parseDecisionRecord(json);
}

function fastJoined(json: string): JoinedDecision | null {
  const c = json.indexOf(CONTEXT_KEY);
  if (c < 0) return null;
  // `},"` is outside any string (a string's quotes are escaped, and a string ending in `}` is followed by
  // its closing quote); the first such end after the context's start is its end or inside it, and inside
  // it the braces do not balance, so JSON.parse below throws and the full parse decides
  const e = json.indexOf(CONTEXT_END, c);
  if (e < 0) return null;
  const head = HEAD.exec(json.slice(0, c + CONTEXT_KEY.length - 1));
  if (head === null) return null;
  const tail = TAIL.exec(json.slice(e + 1));
  if (tail === null) return null;
  let context: unknown;
  try {
    context = JSON.parse(json.slice(c + CONTEXT_KEY.length - 1, e + 1));
  } catch {
    return null;
  }
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return null;
  return new Joined(head[1]!, head[2] as DecisionRecord['kind'], head[3]!, tail[1]!, context as DecisionRecord['context']);
}
