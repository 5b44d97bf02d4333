/**
 * Reward functions: map an authorisation outcome (and the decision's context) to a reward in [0, 1].
 *
 * Default: approval (1 if approved, else 0). Cost-sensitive rewards are a mathjs expression over the symbols in
 * REWARD_SYMBOLS with an explicit output range { expression, min, max }: the value v maps to (v - min) / (max - min),
 * clipped to [0, 1] (clips are counted, so a badly chosen range shows in the stats). The expression is parsed and
 * compiled ONCE, validated at load (parse error, unknown symbol or function, assignment, a non-numeric or
 * non-finite result on any of a set of probe outcomes -> InvalidRewardExpressionError naming the expression), and
 * evaluated against one reused scope Map.
 *
 * Strings: mathjs's `==` converts strings to numbers, so compare text with equalText(cardNetwork, "visa").
 * Example: `approved * (1 - feeMinor / max(amountMinor, 1) * 10) - issuerDecline * 0` with min -1, max 1.
 */

import * as mathjs from 'mathjs';
import { isFunctionNode, isSymbolNode, parse, type EvalFunction, type MathNode } from 'mathjs';
import { InvalidRewardExpressionError } from '../errors.ts';
import type { Context, ContextValue } from '../core/context.ts';
import { classifyResponseCode } from './blame.ts';

/** What the payment core reports for a decision (contract: only `approved` is required). */
export interface RewardOutcome {
  readonly approved: boolean;
  readonly responseCode?: string | undefined;
  readonly feeMinor?: number | undefined;
  readonly latencyMs?: number | undefined;
}

export interface RewardExpressionConfig {
  readonly expression: string;
  /** Value of the expression that maps to reward 0. */
  readonly min: number;
  /** Value of the expression that maps to reward 1. */
  readonly max: number;
}

/** Symbols an expression may use, and what they hold. Missing optional outcome fields are 0 (or ""). */
export const REWARD_SYMBOLS: Readonly<Record<string, string>> = {
  approved: '1 if approved, else 0',
  responseCode: 'ISO 8583 response code as text ("" if absent)',
  feeMinor: 'fee in minor units (0 if absent)',
  latencyMs: 'authorisation latency in ms (0 if absent)',
  amountMinor: 'payment amount in minor units (context)',
  currency: 'ISO 4217 currency (context)',
  cardNetwork: 'card network (context)',
  cardType: 'credit, debit or prepaid (context)',
  issuerCountry: 'ISO 3166 issuer country (context)',
  channel: 'ecom, recurring, moto or pos (context)',
  mcc: 'merchant category code as text (context)',
  threeDS: '1 if 3-D Secure authenticated, else 0 (context)',
  attempt: 'authorisation attempt number for retries (context; 0 if absent)',
  issuerDecline: '1 if declined with an issuer-side code (blame table), else 0',
  routeDecline: '1 if declined with a route-side/technical code (blame table), else 0',
};

const TEXT_SYMBOLS = new Set(['responseCode', 'currency', 'cardNetwork', 'cardType', 'issuerCountry', 'channel', 'mcc']);
const CONSTANTS = new Set(['pi', 'e', 'tau', 'phi', 'Infinity', 'NaN']);
/** mathjs functions an expression may not call: they evaluate code, touch configuration or build new types. */
const FORBIDDEN_FUNCTIONS = new Set(['import', 'createUnit', 'evaluate', 'parse', 'compile', 'simplify', 'derivative', 'resolve', 'config', 'chain', 'help', 'parser', 'rationalize', 'reviver', 'replacer', 'typed', 'unit']);

const mathRecord = mathjs as unknown as Readonly<Record<string, unknown>>;

export interface RewardStats {
  evaluated: number;
  clippedLow: number;
  clippedHigh: number;
}

export interface RewardFunction {
  /** The expression, or null for the approval reward. */
  readonly expression: string | null;
  /** Reward in [0, 1]. Throws InvalidRewardExpressionError if the expression is not finite for this outcome. */
  evaluate(outcome: RewardOutcome, context: Context): number;
  readonly stats: Readonly<RewardStats>;
}

/** Approval reward: 1 if approved, else 0. */
export function approvalReward(): RewardFunction {
  const stats: RewardStats = { evaluated: 0, clippedLow: 0, clippedHigh: 0 };
  return {
    expression: null,
    stats,
    evaluate(outcome) {
      stats.evaluated++;
      return outcome.approved ? 1 : 0;
    },
  };
}

/** Build a reward function: approval when `config` is undefined/null, else the validated expression. */
export function createRewardFunction(config?: RewardExpressionConfig | null): RewardFunction {
  if (config === undefined || config === null) return approvalReward();
  const { expression, min, max } = config;
  if (typeof expression !== 'string' || expression.trim() === '') throw new InvalidRewardExpressionError(String(expression), 'must be a non-empty string');
  if (expression.length > 2000) throw new InvalidRewardExpressionError(expression.slice(0, 60) + '...', 'longer than 2000 characters');
  if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new InvalidRewardExpressionError(expression, `needs a finite output range with min < max, got min ${String(min)}, max ${String(max)}`);
  }
  let node: MathNode;
  try {
    node = parse(expression);
  } catch (err) {
    throw new InvalidRewardExpressionError(expression, `parse error: ${(err as Error).message}`, { cause: err });
  }
  checkSymbols(expression, node);
  let code: EvalFunction;
  try {
    code = node.compile();
  } catch (err) {
    throw new InvalidRewardExpressionError(expression, `compile error: ${(err as Error).message}`, { cause: err });
  }

  const scope = new Map<string, unknown>();
  const span = max - min;
  const stats: RewardStats = { evaluated: 0, clippedLow: 0, clippedHigh: 0 };

  const raw = (outcome: RewardOutcome, context: Context): number => {
    fillScope(scope, outcome, context);
    let v: unknown;
    try {
      v = code.evaluate(scope);
    } catch (err) {
      throw new InvalidRewardExpressionError(expression, `evaluation failed: ${(err as Error).message}`, { cause: err });
    }
    const x = typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : toNumber(v);
    if (!Number.isFinite(x)) {
      throw new InvalidRewardExpressionError(expression, `evaluated to ${typeof v === 'number' ? String(v) : typeof v} (not a finite number) for outcome ${JSON.stringify(outcome)}`);
    }
    return x;
  };

  // probe: every kind of outcome must give a finite number
  for (const probe of PROBES) raw(probe.outcome, probe.context);

  return {
    expression,
    stats,
    evaluate(outcome, context) {
      const x = (raw(outcome, context) - min) / span;
      stats.evaluated++;
      if (x < 0) {
        stats.clippedLow++;
        return 0;
      }
      if (x > 1) {
        stats.clippedHigh++;
        return 1;
      }
      return x;
    },
  };
}

function checkSymbols(expression: string, node: MathNode): void {
  node.traverse((n, path, parent) => {
    if (n.type === 'AssignmentNode' || n.type === 'FunctionAssignmentNode' || n.type === 'BlockNode') {
      throw new InvalidRewardExpressionError(expression, 'assignments and multiple statements are not allowed');
    }
    if (isFunctionNode(n) && !isSymbolNode(n.fn)) throw new InvalidRewardExpressionError(expression, 'only named functions may be called');
    if (!isSymbolNode(n)) return;
    if (parent !== null && isFunctionNode(parent) && path === 'fn') {
      if (FORBIDDEN_FUNCTIONS.has(n.name) || typeof mathRecord[n.name] !== 'function') {
        throw new InvalidRewardExpressionError(expression, `unknown or forbidden function "${n.name}"`);
      }
      return;
    }
    if (!(n.name in REWARD_SYMBOLS) && !CONSTANTS.has(n.name)) {
      throw new InvalidRewardExpressionError(expression, `unknown symbol "${n.name}"; known: ${Object.keys(REWARD_SYMBOLS).join(', ')}`);
    }
  });
}

function toNumber(v: unknown): number {
  // BigNumber / Fraction results (from functions returning them) expose valueOf; anything else is not a reward
  if (v !== null && typeof v === 'object' && 'valueOf' in v) {
    const x = Number((v as { valueOf(): unknown }).valueOf());
    return x;
  }
  return NaN;
}

function num(v: ContextValue): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : 0;
}

function text(v: ContextValue): string {
  return typeof v === 'string' ? v : v === undefined ? '' : String(v);
}

function fillScope(scope: Map<string, unknown>, o: RewardOutcome, c: Context): void {
  const cls = o.approved ? 'approved' : classifyResponseCode(o.responseCode);
  scope.set('approved', o.approved ? 1 : 0);
  scope.set('responseCode', o.responseCode ?? '');
  scope.set('feeMinor', o.feeMinor ?? 0);
  scope.set('latencyMs', o.latencyMs ?? 0);
  scope.set('amountMinor', num(c['amountMinor']));
  scope.set('threeDS', num(c['threeDS']));
  scope.set('attempt', num(c['attempt']));
  for (const key of TEXT_SYMBOLS) if (key !== 'responseCode') scope.set(key, text(c[key]));
  scope.set('issuerDecline', cls === 'issuer' ? 1 : 0);
  scope.set('routeDecline', cls === 'route' ? 1 : 0);
}

const PROBE_CONTEXT: Context = {
  transactionId: 'probe',
  merchantId: 'probe',
  amountMinor: 2500,
  currency: 'EUR',
  cardNetwork: 'visa',
  cardType: 'credit',
  issuerCountry: 'DE',
  channel: 'ecom',
  mcc: '5411',
  threeDS: true,
  occurredAtMs: 0,
};

const PROBES: readonly { readonly outcome: RewardOutcome; readonly context: Context }[] = [
  { outcome: { approved: true, responseCode: '00', feeMinor: 12, latencyMs: 240 }, context: PROBE_CONTEXT },
  { outcome: { approved: false, responseCode: '51', feeMinor: 0, latencyMs: 300 }, context: PROBE_CONTEXT },
  { outcome: { approved: false, responseCode: '91', latencyMs: 5000 }, context: { ...PROBE_CONTEXT, threeDS: false, cardNetwork: 'mastercard' } },
  { outcome: { approved: false, responseCode: 'N7' }, context: { ...PROBE_CONTEXT, amountMinor: 0, attempt: 2 } },
  { outcome: { approved: true }, context: { transactionId: 'probe-min' } },
];
