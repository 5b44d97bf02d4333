/**
 * The card networks' retry rules, as DATA. The evaluator (`rules.ts`) reads these tables and nothing else, so
 * a rule change is a change of a row here, reviewed against its source.
 *
 * Sources (summarised in docs/retry.md, which also lists what is a project choice rather than a network rule):
 * - [visa-categories] Visa Core Rules, "Decline Response Code Categories" and the Excessive Reattempts rule
 *   (effective April 2021, fees from April 2022): Category 1 "issuer will never approve" -> no reattempt;
 *   Categories 2 "cannot approve at this time" and 3 "cannot approve with these details" -> at most 15
 *   reattempts of the same card at the same merchant in 30 days; Category 4 "generic": every other decline
 *   code. Code lists as in Visa's April 2021 revision (03, 62, 78, 93 moved from Category 1 to 2; 14 counts
 *   as both 1 and 3). Acquirer summaries: checkout.com "Visa response code categories" (2022),
 *   cardpointe.com "Visa decline rules", midmetrics.com "Visa's rule changes for declined transaction codes".
 *   Several acquirers (e.g. Evolve's "Processing Integrity Fee" page) apply the 15-in-30-days count to
 *   Category 4 too; we do (conservative).
 * - [mastercard-mac] Mastercard Merchant Advice Codes (DE 48 SE 84), Transaction Processing Excellence (TPE)
 *   program: 01 new account information (update the card data), 02 cannot approve now, try later, 03 do not try
 *   again, 21 payment cancellation (both: fee on any reattempt of the same card within 30 days), 24..30 retry
 *   after 1 h, 24 h, 2, 4, 6, 8, 10 days. Summaries: Braintree "Merchant advice codes", Everonet, Solidgate.
 * - [mastercard-tpe-excessive] Mastercard TPE "Excessive Authorization Attempts": fee on attempts after 20
 *   declines of the same card in 24 h (US/Canada, 2021), and the revised excessive-retry standard (from
 *   November 2023): fee past 35 reattempts of the same card in 30 days.
 * - [3ds-soft-decline] PSD2 strong customer authentication soft declines: Visa response code 1A "additional
 *   customer authentication required"; Mastercard response code 65 used by EEA issuers for the same meaning
 *   (Mastercard "Authentication Guide for Europe"). Retry only as a new, 3-D Secure authenticated
 *   authorization while the cardholder is present.
 * - [hard-decline] ISO 8583 response codes that name a card which cannot ever be charged as it is: pick-up
 *   (04, 07, 33, 34), invalid card number (14), no such issuer (15), lost (41), stolen (43), closed (46),
 *   expired (54). A retry cannot succeed; every network penalises it or counts it as excessive.
 * - [project] a project choice, not a network rule (documented in docs/retry.md).
 */

import type { CardNetwork } from '../core/context.ts';

/** What a decline says about the money, used as a context feature and by the simulator. */
export const DECLINE_KINDS = [
  'hard',
  'never',
  'insufficient-funds',
  'limit-exceeded',
  'issuer-unavailable',
  'do-not-honor',
  'suspected-fraud',
  'authentication-required',
  'card-data',
  'restricted',
  'generic',
] as const;
export type DeclineKind = (typeof DECLINE_KINDS)[number];

export type VisaCategory = 1 | 2 | 3 | 4;

/** One ISO 8583 response code: Visa category, kind, description. Codes not listed are Visa Category 4, kind "generic". */
export interface ResponseCodeRow {
  readonly code: string;
  readonly description: string;
  /** Visa decline category [visa-categories]; absent: Category 4 (generic). */
  readonly visaCategory?: VisaCategory;
  readonly kind: DeclineKind;
}

export const RESPONSE_CODES: readonly ResponseCodeRow[] = [
  { code: '03', description: 'invalid merchant', visaCategory: 2, kind: 'restricted' },
  { code: '04', description: 'pick up card (no fraud)', visaCategory: 1, kind: 'hard' },
  { code: '05', description: 'do not honor', kind: 'do-not-honor' },
  { code: '07', description: 'pick up card, special conditions (fraud)', visaCategory: 1, kind: 'hard' },
  { code: '12', description: 'invalid transaction', visaCategory: 1, kind: 'never' },
  { code: '14', description: 'invalid account number (no such number)', visaCategory: 1, kind: 'hard' },
  { code: '15', description: 'no such issuer', visaCategory: 1, kind: 'hard' },
  { code: '19', description: 're-enter transaction', visaCategory: 2, kind: 'issuer-unavailable' },
  { code: '33', description: 'expired card, pick up', kind: 'hard' },
  { code: '34', description: 'suspected fraud, pick up', kind: 'hard' },
  { code: '41', description: 'lost card, pick up', visaCategory: 1, kind: 'hard' },
  { code: '43', description: 'stolen card, pick up', visaCategory: 1, kind: 'hard' },
  { code: '46', description: 'closed account', visaCategory: 1, kind: 'hard' },
  { code: '51', description: 'insufficient funds', visaCategory: 2, kind: 'insufficient-funds' },
  { code: '54', description: 'expired card', visaCategory: 3, kind: 'hard' },
  { code: '55', description: 'incorrect PIN', visaCategory: 3, kind: 'card-data' },
  { code: '57', description: 'transaction not permitted to cardholder', visaCategory: 1, kind: 'never' },
  { code: '59', description: 'suspected fraud', visaCategory: 2, kind: 'suspected-fraud' },
  { code: '61', description: 'exceeds withdrawal amount limit', visaCategory: 2, kind: 'limit-exceeded' },
  { code: '62', description: 'restricted card (invalid in region or country)', visaCategory: 2, kind: 'restricted' },
  { code: '65', description: 'exceeds withdrawal frequency limit (Mastercard EEA: authentication required)', visaCategory: 2, kind: 'limit-exceeded' },
  { code: '6P', description: 'verification data failed', visaCategory: 3, kind: 'card-data' },
  { code: '75', description: 'allowable PIN-entry tries exceeded', visaCategory: 2, kind: 'card-data' },
  { code: '78', description: 'blocked, first used', visaCategory: 2, kind: 'restricted' },
  { code: '82', description: 'negative online CAM, dCVV, iCVV or CVV result', visaCategory: 3, kind: 'card-data' },
  { code: '86', description: 'cannot verify PIN', visaCategory: 2, kind: 'card-data' },
  { code: '91', description: 'issuer or switch inoperative', visaCategory: 2, kind: 'issuer-unavailable' },
  { code: '93', description: 'transaction cannot be completed (violation of law)', visaCategory: 2, kind: 'restricted' },
  { code: '96', description: 'system malfunction', visaCategory: 2, kind: 'issuer-unavailable' },
  { code: '1A', description: 'additional customer authentication required', visaCategory: 3, kind: 'authentication-required' },
  { code: 'N3', description: 'cash service not available', visaCategory: 2, kind: 'restricted' },
  { code: 'N4', description: 'cash request exceeds issuer or approved limit', visaCategory: 2, kind: 'limit-exceeded' },
  { code: 'N7', description: 'decline for CVV2 failure', visaCategory: 3, kind: 'card-data' },
  { code: 'R0', description: 'stop payment order', visaCategory: 1, kind: 'never' },
  { code: 'R1', description: 'revocation of authorization order', visaCategory: 1, kind: 'never' },
  { code: 'R3', description: 'revocation of all authorizations order', visaCategory: 1, kind: 'never' },
];

/**
 * A retry constraint: the evaluator applies every row matching the decline (network x response code, or
 * network x merchant advice code) and combines them (any stop wins; min delays take the max; flags OR).
 */
export interface RetryRuleRow {
  /** Reason name, returned as `reason` when this row stops a retry (stable: clients may match on it). */
  readonly name: string;
  /** `*` applies to every network. */
  readonly network: CardNetwork | '*';
  /** Which field of the request the row matches. */
  readonly field: 'declineCode' | 'merchantAdviceCode' | 'visaCategory';
  /** The value of that field (for visaCategory: "1".."4"). */
  readonly value: string;
  /** Response codes the row does not apply to (e.g. Visa 1A is Category 3 but is fixed by authentication). */
  readonly exceptCodes?: readonly string[];
  readonly retryable: boolean;
  /** The retry must be at least this long after the decline. */
  readonly minDelaySeconds?: number;
  /** The retry must happen within this long of the decline (the cardholder must still be there). */
  readonly maxDelaySeconds?: number;
  /** Retry only as a 3-D Secure authenticated authorization. */
  readonly requires3DS?: boolean;
  /** Retry only with updated card data (new expiry, account updater). */
  readonly requiresCardUpdate?: boolean;
  /** Which source backs the row (see the header). */
  readonly source: string;
  readonly description: string;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

export const RETRY_RULES: readonly RetryRuleRow[] = [
  // Hard declines: every network.
  ...(
    [
      ['04', 'hard-decline-pick-up-card'],
      ['07', 'hard-decline-pick-up-card-fraud'],
      ['14', 'hard-decline-invalid-card-number'],
      ['15', 'hard-decline-no-such-issuer'],
      ['33', 'hard-decline-expired-card'],
      ['34', 'hard-decline-pick-up-suspected-fraud'],
      ['41', 'hard-decline-lost-card'],
      ['43', 'hard-decline-stolen-card'],
      ['46', 'hard-decline-closed-account'],
      ['54', 'hard-decline-expired-card'],
    ] as const
  ).map(
    ([code, name]): RetryRuleRow => ({
      name,
      network: '*',
      field: 'declineCode',
      value: code,
      retryable: false,
      source: 'hard-decline',
      description: 'the card cannot be charged as it is: never retry',
    }),
  ),
  // Visa categories.
  {
    name: 'visa-category-1-never-approve',
    network: 'visa',
    field: 'visaCategory',
    value: '1',
    retryable: false,
    source: 'visa-categories',
    description: 'issuer will never approve: no reattempt',
  },
  {
    name: 'visa-category-3-update-card-data',
    network: 'visa',
    field: 'visaCategory',
    value: '3',
    exceptCodes: ['1A'],
    retryable: true,
    requiresCardUpdate: true,
    source: 'visa-categories',
    description: 'issuer cannot approve with these details: reattempt only with corrected data',
  },
  // 3-D Secure soft declines (the row for 1A overrides the Category 3 card-update flag: see rules.ts).
  {
    name: 'visa-1a-authentication-required',
    network: 'visa',
    field: 'declineCode',
    value: '1A',
    retryable: true,
    requires3DS: true,
    maxDelaySeconds: 300,
    source: '3ds-soft-decline',
    description: 'retry only with 3-D Secure authentication, while the cardholder is present',
  },
  {
    name: 'mastercard-65-authentication-required',
    network: 'mastercard',
    field: 'declineCode',
    value: '65',
    retryable: true,
    requires3DS: true,
    maxDelaySeconds: 300,
    source: '3ds-soft-decline',
    description: 'retry only with 3-D Secure authentication, while the cardholder is present',
  },
  // Mastercard merchant advice codes.
  {
    name: 'mastercard-mac-01-update-card-data',
    network: 'mastercard',
    field: 'merchantAdviceCode',
    value: '01',
    retryable: true,
    requiresCardUpdate: true,
    source: 'mastercard-mac',
    description: 'new account information available: update the card data before retrying',
  },
  {
    name: 'mastercard-mac-02-try-later',
    network: 'mastercard',
    field: 'merchantAdviceCode',
    value: '02',
    retryable: true,
    minDelaySeconds: HOUR,
    source: 'mastercard-mac',
    description: 'cannot approve at this time, try again later (project reading of "later": at least 1 h)',
  },
  {
    name: 'mastercard-mac-03-do-not-try-again',
    network: 'mastercard',
    field: 'merchantAdviceCode',
    value: '03',
    retryable: false,
    source: 'mastercard-mac',
    description: 'do not try again',
  },
  {
    name: 'mastercard-mac-21-payment-cancelled',
    network: 'mastercard',
    field: 'merchantAdviceCode',
    value: '21',
    retryable: false,
    source: 'mastercard-mac',
    description: 'payment cancellation: stop recurring payments',
  },
  ...(
    [
      ['24', HOUR, '1 hour'],
      ['25', DAY, '24 hours'],
      ['26', 2 * DAY, '2 days'],
      ['27', 4 * DAY, '4 days'],
      ['28', 6 * DAY, '6 days'],
      ['29', 8 * DAY, '8 days'],
      ['30', 10 * DAY, '10 days'],
    ] as const
  ).map(
    ([mac, wait, text]): RetryRuleRow => ({
      name: `mastercard-mac-${mac}-retry-after-${text.replace(' ', '-')}`,
      network: 'mastercard',
      field: 'merchantAdviceCode',
      value: mac,
      retryable: true,
      minDelaySeconds: wait,
      source: 'mastercard-mac',
      description: `retry after ${text}`,
    }),
  ),
];

/** A rolling-window cap on reattempts of the same card at the same merchant. */
export interface AttemptLimit {
  /** Reason name when the cap is reached. */
  readonly name: string;
  readonly windowSeconds: number;
  /** Reattempts (retries after a decline) allowed within any window of that length. */
  readonly maxReattempts: number;
  readonly source: string;
}

/** Caps per network; a network without an entry gets DEFAULT_LIMITS. */
export const ATTEMPT_LIMITS: Readonly<Partial<Record<CardNetwork, readonly AttemptLimit[]>>> = {
  visa: [{ name: 'visa-excessive-reattempts-15-in-30-days', windowSeconds: 30 * DAY, maxReattempts: 15, source: 'visa-categories' }],
  mastercard: [
    { name: 'mastercard-excessive-retries-35-in-30-days', windowSeconds: 30 * DAY, maxReattempts: 35, source: 'mastercard-tpe-excessive' },
    { name: 'mastercard-excessive-attempts-20-in-24-hours', windowSeconds: DAY, maxReattempts: 20, source: 'mastercard-tpe-excessive' },
  ],
};

/** Amex, Discover, JCB, UnionPay, other: no public numeric rule we could source; we apply Visa's cap. [project] */
export const DEFAULT_LIMITS: readonly AttemptLimit[] = [
  { name: 'default-reattempts-15-in-30-days', windowSeconds: 30 * DAY, maxReattempts: 15, source: 'project' },
];

/** The longest window of any limit: how long the attempt counters must remember. */
export const LONGEST_LIMIT_WINDOW_SECONDS = Math.max(
  ...DEFAULT_LIMITS.map((l) => l.windowSeconds),
  ...Object.values(ATTEMPT_LIMITS).flatMap((ls) => (ls ?? []).map((l) => l.windowSeconds)),
);
