/**
 * The retry world: declined payments with a hidden ground truth of when and where a retry recovers them
 * (`truth.ts`), on top of the payments world (`../world.ts`: merchants, cards, amounts, candidate routes,
 * each route's pass-through and fees). Scenarios differ by their decline mix.
 *
 * ```ts
 * const world = createRetryWorld('mixed', { payments: 20_000 });
 * rng.reseed(seed, `pay:${i}`);
 * const p = world.paymentAt(i, rng);                  // first decline: context, candidates, code, advice, truth
 * world.approvalProbability(p, 'acq-eu', atMs);       // ground truth of a retry then and there
 * world.adviceAt(p, atMs);                             // Mastercard MAC the issuer sends with a decline at atMs
 * world.retryFeeMinor(p, 'acq-eu');                    // what one more attempt costs
 * ```
 */

import type { CardNetwork, PaymentContext } from '../../../policies/core/context.ts';
import type { Rng } from '../../../policies/core/rng.ts';
import { InvalidConfigError } from '../../../policies/errors.ts';
import type { DeclineKind } from '../../../policies/retry/rules-table.ts';
import { ACQUIRERS } from '../catalog.ts';
import { eurPerMinor } from '../model.ts';
import { createWorld, type World } from '../world.ts';
import { PRESENCE_MEAN_MS, READY_AFTER, recoveryProbability, type RetryTruth } from './truth.ts';

export const RETRY_SCENARIO_NAMES = ['mixed', 'subscriptions', 'issuer-outage'] as const;
export type RetryScenarioName = (typeof RETRY_SCENARIO_NAMES)[number];

/** First-decline mix per scenario (weights over decline kinds). */
export const DECLINE_MIX: Readonly<Record<RetryScenarioName, Readonly<Partial<Record<DeclineKind, number>>>>> = {
  // e-commerce and subscriptions together, shaped after published decline breakdowns
  mixed: {
    'insufficient-funds': 0.3,
    'do-not-honor': 0.22,
    'issuer-unavailable': 0.08,
    'authentication-required': 0.07,
    'limit-exceeded': 0.05,
    'suspected-fraud': 0.05,
    'card-data': 0.04,
    restricted: 0.03,
    hard: 0.12,
    never: 0.04,
  },
  // recurring billing: mostly money, some closed cards
  subscriptions: {
    'insufficient-funds': 0.45,
    'do-not-honor': 0.18,
    'limit-exceeded': 0.07,
    'issuer-unavailable': 0.05,
    restricted: 0.03,
    hard: 0.16,
    never: 0.06,
  },
  // a bad day at some issuers' processors
  'issuer-outage': {
    'issuer-unavailable': 0.35,
    'insufficient-funds': 0.2,
    'do-not-honor': 0.18,
    'authentication-required': 0.05,
    'suspected-fraud': 0.04,
    hard: 0.13,
    never: 0.05,
  },
};

/** How the issuer uses Mastercard merchant advice codes on this payment (drawn once). */
type AdviceMode = 'none' | 'window' | 'try-later' | 'never' | 'cancelled' | 'update';

export interface DeclinedPayment {
  readonly index: number;
  readonly context: PaymentContext;
  readonly candidates: readonly string[];
  /** The ISO 8583 code of every decline of this payment. */
  readonly declineCode: string;
  readonly firstRoute: string;
  readonly truth: RetryTruth;
  readonly adviceMode: AdviceMode;
  /** Pass-through of each candidate route (payments world ground truth), aligned with `candidates`. */
  readonly passThrough: readonly number[];
}

export interface RetryWorldOptions {
  /** Declined payments over the run. Default 20,000. */
  readonly payments?: number;
  /** They arrive evenly over this many days. Default 30. */
  readonly spanDays?: number;
  readonly startMs?: number;
}

export interface RetryWorld {
  readonly scenario: RetryScenarioName;
  readonly payments: number;
  readonly startMs: number;
  readonly spanMs: number;
  /** Pure given rng's state: the i-th declined payment (arrives at context.occurredAtMs). */
  paymentAt(i: number, rng: Rng): DeclinedPayment;
  /** Ground truth: probability a retry at `atMs` on `route` is approved. */
  approvalProbability(p: DeclinedPayment, route: string, atMs: number): number;
  /** The Mastercard merchant advice code sent with a decline of `p` at `atMs` (Mastercard only). */
  adviceAt(p: DeclinedPayment, atMs: number): string | undefined;
  /** Fee of one more attempt on `route` (the acquirer's per-attempt fee), minor units of the payment. */
  retryFeeMinor(p: DeclinedPayment, route: string): number;
  amountEur(p: DeclinedPayment): number;
  feeEur(p: DeclinedPayment, feeMinor: number): number;
  /** The payments world underneath. */
  readonly base: World;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Mastercard advice windows (MAC -> ms), largest first. */
const WINDOWS: readonly (readonly [string, number])[] = [
  ['30', 10 * DAY_MS],
  ['29', 8 * DAY_MS],
  ['28', 6 * DAY_MS],
  ['27', 4 * DAY_MS],
  ['26', 2 * DAY_MS],
  ['25', DAY_MS],
  ['24', HOUR_MS],
];

const HARD_CODES = ['41', '43', '54', '14', '04', '46'] as const;

export function isRetryScenarioName(name: string): name is RetryScenarioName {
  return (RETRY_SCENARIO_NAMES as readonly string[]).includes(name);
}

function drawKind(mix: Readonly<Partial<Record<DeclineKind, number>>>, u: number): DeclineKind {
  const entries = Object.entries(mix) as [DeclineKind, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  for (const [kind, w] of entries) {
    acc += w / total;
    if (u < acc) return kind;
  }
  return entries[entries.length - 1]![0];
}

function codeFor(kind: DeclineKind, network: CardNetwork, u: number): string {
  switch (kind) {
    case 'insufficient-funds':
      return '51';
    case 'limit-exceeded':
      return '61';
    case 'issuer-unavailable':
      return u < 0.6 ? '91' : '96';
    case 'do-not-honor':
      return '05';
    case 'suspected-fraud':
      return '59';
    case 'authentication-required':
      return network === 'mastercard' ? '65' : '1A';
    case 'card-data':
      return 'N7';
    case 'restricted':
      return '62';
    case 'hard':
      return HARD_CODES[Math.min(HARD_CODES.length - 1, Math.floor(u * HARD_CODES.length))]!;
    case 'never':
      return '57';
    case 'generic':
      return '01';
  }
}

export function createRetryWorld(scenario: string, options: RetryWorldOptions = {}): RetryWorld {
  if (!isRetryScenarioName(scenario)) {
    throw new InvalidConfigError('scenario', `unknown retry scenario "${scenario}"; known: ${RETRY_SCENARIO_NAMES.join(', ')}`);
  }
  const payments = options.payments ?? 20_000;
  if (!Number.isInteger(payments) || payments < 1) throw new InvalidConfigError('payments', `must be a positive integer, got ${payments}`);
  const spanDays = options.spanDays ?? 30;
  if (!(spanDays > 0)) throw new InvalidConfigError('spanDays', `must be > 0, got ${spanDays}`);
  const startMs = options.startMs ?? Date.UTC(2026, 10, 1);
  const spanMs = spanDays * DAY_MS;
  const base = createWorld('stable', { horizon: payments, startMs, intervalMs: spanMs / payments });
  const mix = DECLINE_MIX[scenario];
  const fixedEurCents = new Map(ACQUIRERS.map((a) => [a.id, a.fee.fixedEurCents] as const));

  const paymentAt = (i: number, rng: Rng): DeclinedPayment => {
    const tx = base.transactionAt(i, rng);
    const ctx = tx.context;
    const network = ctx.cardNetwork;
    let kind = drawKind(mix, rng.next());
    // strong customer authentication soft declines: Visa and Mastercard e-commerce without 3-D Secure only
    if (kind === 'authentication-required' && (ctx.threeDS || ctx.channel !== 'ecom' || (network !== 'visa' && network !== 'mastercard'))) kind = 'do-not-honor';
    const declineCode = codeFor(kind, network, rng.next());
    const firstRoute = tx.candidates[rng.int(tx.candidates.length)]!;
    const at = ctx.occurredAtMs;
    const ready = READY_AFTER[kind];
    const uReady = rng.next();
    const uDelay = rng.next();
    const readyAtMs = ready && uReady < ready.share ? at + ready.minMs - Math.log(1 - uDelay) * ready.meanMs : Infinity;
    const presentUntilMs = at - Math.log(1 - rng.next()) * PRESENCE_MEAN_MS;
    const uAdvice = rng.next();
    let adviceMode: AdviceMode = 'none';
    if (network === 'mastercard') {
      if (kind === 'insufficient-funds' || kind === 'limit-exceeded') adviceMode = uAdvice < 0.5 ? (Number.isFinite(readyAtMs) ? 'window' : 'try-later') : 'none';
      else if (kind === 'hard' || kind === 'never') adviceMode = ctx.channel === 'recurring' && uAdvice < 0.3 ? 'cancelled' : uAdvice < 0.6 ? 'never' : 'none';
      else if (kind === 'do-not-honor' && uAdvice < 0.08) adviceMode = 'never';
      else if (kind === 'card-data') adviceMode = 'update';
    }
    const never = kind === 'hard' || kind === 'never' || adviceMode === 'never' || adviceMode === 'cancelled';
    const truth: RetryTruth = { kind, never, readyAtMs, presentUntilMs, firstRoute, firstDeclineAtMs: at };
    const issuer = Math.max(1e-9, base.issuerApprovalProbability(ctx));
    const passThrough = tx.candidates.map((r) => Math.min(1, base.approvalProbability(ctx, r, 0) / issuer));
    return { index: i, context: ctx, candidates: tx.candidates, declineCode, firstRoute, truth, adviceMode, passThrough };
  };

  return {
    scenario,
    payments,
    startMs,
    spanMs,
    base,
    paymentAt,
    approvalProbability(p, route, atMs) {
      const k = p.candidates.indexOf(route);
      if (k < 0) return 0;
      return recoveryProbability(p.truth, route, atMs) * p.passThrough[k]!;
    },
    adviceAt(p, atMs) {
      switch (p.adviceMode) {
        case 'none':
          return undefined;
        case 'never':
          return '03';
        case 'cancelled':
          return '21';
        case 'update':
          return '01';
        case 'try-later':
          return '02';
        case 'window': {
          const wait = p.truth.readyAtMs - atMs;
          if (wait <= 0) return undefined;
          for (const [mac, ms] of WINDOWS) if (ms <= wait) return mac;
          return '24';
        }
      }
    },
    retryFeeMinor(p, route) {
      const cents = fixedEurCents.get(route) ?? 10;
      return Math.max(1, Math.round(cents / 100 / eurPerMinor(p.context.currency)));
    },
    amountEur(p) {
      return p.context.amountMinor * eurPerMinor(p.context.currency);
    },
    feeEur(p, feeMinor) {
      return feeMinor * eurPerMinor(p.context.currency);
    },
  };
}
