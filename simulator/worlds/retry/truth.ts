/**
 * Ground truth of the retry world: what a declined payment's issuer will do on a retry at a given time and
 * route. Each declined payment carries a hidden state drawn once at the first decline:
 *
 * - insufficient funds (51): recoverable or not; if so, money arrives at `readyAtMs` (exponential, mean
 *   36 h: payday, a transfer); before that a retry almost never passes (2%), after it 90%.
 * - limit exceeded (61): same shape, limits reset within a day (mean 20 h).
 * - issuer unavailable (91, 96): the path from the declining acquirer to the issuer is down until
 *   `readyAtMs` (mean 20 min); another acquirer reaches the issuer at once (85%).
 * - do not honor (05): the issuer's risk engine; 7% on the same route, 12% on another, +5 points a day later.
 * - suspected fraud (59): 3%. Restricted / generic: 2%.
 * - authentication required (Visa 1A, Mastercard 65): an authenticated retry passes 80% while the cardholder
 *   is still there (`presentUntilMs`, mean 8 min), 0 after.
 * - card data (CVV / verification failures): the card data gets fixed (account updater, customer) with
 *   probability 35% after an hour: then 85%, else 2%.
 * - hard declines and Visa category 1 "never": 0, always. A Mastercard MAC 03 / 21 marks the payment never
 *   recoverable (`never`).
 *
 * The probability is then scaled by the route's pass-through in the payments world (the same ground truth as
 * routing: acquirers differ), so the route of a retry matters too.
 */

import type { DeclineKind } from '../../../policies/retry/rules-table.ts';

export interface RetryTruth {
  readonly kind: DeclineKind;
  /** Nothing will ever approve (hard decline, category 1, MAC 03/21, unrecoverable insufficient funds). */
  readonly never: boolean;
  /** When the cause goes away (funds, limit reset, outage end, data fixed); Infinity if it never does. */
  readonly readyAtMs: number;
  /** Authentication-required declines: the cardholder's session ends here. */
  readonly presentUntilMs: number;
  /** The route that declined first (the issuer path that is down for "issuer unavailable"). */
  readonly firstRoute: string;
  readonly firstDeclineAtMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Route-independent recovery probability of a retry at `atMs` on `route` (before the route's pass-through).
 */
export function recoveryProbability(truth: RetryTruth, route: string, atMs: number): number {
  if (truth.never) return 0;
  const other = route !== truth.firstRoute;
  const ready = atMs >= truth.readyAtMs;
  switch (truth.kind) {
    case 'hard':
    case 'never':
      return 0;
    case 'insufficient-funds':
    case 'limit-exceeded':
      return ready ? 0.9 : 0.02;
    case 'issuer-unavailable':
      return other || ready ? 0.85 : 0.03;
    case 'do-not-honor':
      return (other ? 0.12 : 0.07) + (atMs - truth.firstDeclineAtMs >= DAY_MS ? 0.05 : 0);
    case 'suspected-fraud':
      return 0.03;
    case 'authentication-required':
      return atMs <= truth.presentUntilMs ? 0.8 : 0;
    case 'card-data':
      return ready ? 0.85 : 0.02;
    case 'restricted':
    case 'generic':
      return 0.02;
  }
}

/** Mean time until the cause goes away, per kind (ms), and the share of payments where it ever does. */
export const READY_AFTER: Readonly<Partial<Record<DeclineKind, { readonly meanMs: number; readonly share: number; readonly minMs: number }>>> = {
  'insufficient-funds': { meanMs: 36 * HOUR_MS, share: 0.6, minMs: 0 },
  'limit-exceeded': { meanMs: 20 * HOUR_MS, share: 0.7, minMs: 0 },
  'issuer-unavailable': { meanMs: 20 * 60_000, share: 1, minMs: 0 },
  'card-data': { meanMs: 0, share: 0.35, minMs: HOUR_MS },
};

export const PRESENCE_MEAN_MS = 8 * 60_000;
