/**
 * Blame: how much a declined authorisation says about the ROUTE (acquirer) that carried it.
 *
 * Many declines are the issuer's or the cardholder's doing and would have happened on any route (no funds,
 * expired card, stolen card). Counting them fully against the route adds noise that is the same for every route,
 * which slows learning and makes routes look alike. Technical failures on the route's side (switch down, time-out,
 * routing error) are exactly what routing should learn from. `blameWeight` returns the weight an outcome gets
 * in `policy.update(ctx, route, reward, weight)`: approvals and route-side declines 1, issuer-side declines
 * `issuerWeight`, ambiguous ones (05 "do not honour", which issuers also use for risk decisions that depend on
 * the acquirer, merchant descriptor, 3-DS data...) `ambiguousWeight`, unknown codes `unknownWeight`.
 *
 * The default (blame off) comes from the seeded experiment in test/bench/blame-experiment.ts (numbers in
 * docs/policies-thompson.md, section "Blame").
 *
 * Codes: ISO 8583 (1987) field 39 as used by Visa / Mastercard, plus Visa's two-character alphanumeric codes.
 */

import { InvalidConfigError } from '../errors.ts';

export type BlameClass = 'approved' | 'issuer' | 'route' | 'ambiguous' | 'unknown';

interface CodeInfo {
  readonly blame: Exclude<BlameClass, 'unknown'>;
  readonly meaning: string;
}

/** The table (data, not logic): response code -> who is to blame, and what the code means. */
export const RESPONSE_CODES: Readonly<Record<string, CodeInfo>> = {
  '00': { blame: 'approved', meaning: 'approved' },
  '08': { blame: 'approved', meaning: 'honour with identification' },
  '10': { blame: 'approved', meaning: 'partial approval' },
  '11': { blame: 'approved', meaning: 'approved (VIP)' },
  '85': { blame: 'approved', meaning: 'no reason to decline (account verification)' },
  // issuer / cardholder: would have been declined on any route
  '04': { blame: 'issuer', meaning: 'pick up card' },
  '07': { blame: 'issuer', meaning: 'pick up card, special condition' },
  '14': { blame: 'issuer', meaning: 'invalid card number' },
  '15': { blame: 'issuer', meaning: 'no such issuer' },
  '33': { blame: 'issuer', meaning: 'expired card, pick up' },
  '36': { blame: 'issuer', meaning: 'restricted card, pick up' },
  '38': { blame: 'issuer', meaning: 'PIN tries exceeded, pick up' },
  '41': { blame: 'issuer', meaning: 'lost card' },
  '43': { blame: 'issuer', meaning: 'stolen card' },
  '51': { blame: 'issuer', meaning: 'insufficient funds' },
  '54': { blame: 'issuer', meaning: 'expired card' },
  '55': { blame: 'issuer', meaning: 'incorrect PIN' },
  '61': { blame: 'issuer', meaning: 'exceeds withdrawal amount limit' },
  '75': { blame: 'issuer', meaning: 'PIN tries exceeded' },
  '78': { blame: 'issuer', meaning: 'blocked, first used / no account' },
  R0: { blame: 'issuer', meaning: 'stop payment order (Visa)' },
  R1: { blame: 'issuer', meaning: 'revocation of authorisation order (Visa)' },
  R3: { blame: 'issuer', meaning: 'revocation of all authorisations order (Visa)' },
  N7: { blame: 'issuer', meaning: 'CVV2 mismatch (Visa)' },
  // route / technical: the acquirer, the switch or the network path failed
  '03': { blame: 'route', meaning: 'invalid merchant (not set up on this acquirer)' },
  '06': { blame: 'route', meaning: 'error' },
  '12': { blame: 'route', meaning: 'invalid transaction (acquirer configuration)' },
  '19': { blame: 'route', meaning: 're-enter transaction' },
  '30': { blame: 'route', meaning: 'format error' },
  '58': { blame: 'route', meaning: 'transaction not permitted to terminal / acquirer' },
  '68': { blame: 'route', meaning: 'response received too late' },
  '90': { blame: 'route', meaning: 'cut-off in progress' },
  '91': { blame: 'route', meaning: 'issuer or switch inoperative' },
  '92': { blame: 'route', meaning: 'destination cannot be found for routing' },
  '94': { blame: 'route', meaning: 'duplicate transmission' },
  '96': { blame: 'route', meaning: 'system malfunction' },
  // ambiguous: issuers use these for decisions that may depend on the route (risk, descriptor, 3-DS data)
  '01': { blame: 'ambiguous', meaning: 'refer to card issuer' },
  '02': { blame: 'ambiguous', meaning: 'refer to card issuer, special condition' },
  '05': { blame: 'ambiguous', meaning: 'do not honour' },
  '13': { blame: 'ambiguous', meaning: 'invalid amount' },
  '34': { blame: 'ambiguous', meaning: 'suspected fraud' },
  '59': { blame: 'ambiguous', meaning: 'suspected fraud' },
  '63': { blame: 'ambiguous', meaning: 'security violation' },
  '93': { blame: 'ambiguous', meaning: 'transaction cannot be completed, violation of law' },
  // issuer codes that issuers also send for where and how the payment was acquired, so the route can matter
  '57': { blame: 'ambiguous', meaning: 'transaction not permitted to cardholder (also cross-border or merchant-category blocks)' },
  '62': { blame: 'ambiguous', meaning: 'restricted card (often: not valid in the acquiring region or country)' },
  '65': { blame: 'ambiguous', meaning: 'exceeds withdrawal frequency limit; Mastercard in the EEA: strong customer authentication required' },
  '1A': { blame: 'ambiguous', meaning: 'additional customer authentication required (Visa; depends on the route\'s 3-DS and exemption handling)' },
};

export interface BlameOptions {
  /** Weight of an issuer/cardholder decline against the route, in [0, 1]. */
  readonly issuerWeight: number;
  /** Weight of an ambiguous decline (05, 01, 59, ...), in [0, 1]. */
  readonly ambiguousWeight: number;
  /** Weight of a decline whose code is missing or not in the table, in [0, 1]. */
  readonly unknownWeight: number;
}

/**
 * Defaults, set from the blame experiment (docs/policies-thompson.md, "Blame"): OFF. Down-weighting issuer-coded
 * declines cut regret by 19-50% when those declines really are route-independent, but raised it by 16-48% when
 * routes also differed in issuer-coded declines and by 40-130% when they differed only there. Since whether
 * issuers decline differently per acquirer (domestic vs cross-border acquiring, tokens, descriptors) is not
 * known in advance, every outcome counts fully unless the operator opts in (e.g. issuerWeight 0.5).
 */
export const DEFAULT_BLAME: BlameOptions = { issuerWeight: 1, ambiguousWeight: 1, unknownWeight: 1 };

/** A suggested opt-in setting for operators who know their issuer declines do not depend on the acquirer. */
export const ISSUER_BLAME: BlameOptions = { issuerWeight: 0.5, ambiguousWeight: 1, unknownWeight: 1 };

/** No blame: every outcome counts fully (weight 1). */
export const NO_BLAME: BlameOptions = { issuerWeight: 1, ambiguousWeight: 1, unknownWeight: 1 };

export function classifyResponseCode(responseCode: string | undefined): BlameClass {
  if (responseCode === undefined) return 'unknown';
  return RESPONSE_CODES[responseCode.toUpperCase()]?.blame ?? 'unknown';
}

/**
 * The weight an outcome counts against its route. Approvals always weigh 1 (whatever the code says); a decline
 * weighs 1 if route-side, `issuerWeight` if issuer-side, `ambiguousWeight` if ambiguous, `unknownWeight` if the
 * code is missing or unknown. A code in the approval class on a decline is treated as unknown.
 */
export function blameWeight(responseCode: string | undefined, approved: boolean, options: BlameOptions = DEFAULT_BLAME): number {
  if (approved) return 1;
  switch (classifyResponseCode(responseCode)) {
    case 'route':
      return 1;
    case 'issuer':
      return options.issuerWeight;
    case 'ambiguous':
      return options.ambiguousWeight;
    case 'approved':
    case 'unknown':
      return options.unknownWeight;
  }
}

/** Validate user-supplied blame options over the defaults; throws InvalidConfigError naming `blame.<field>`. */
export function parseBlameOptions(raw: { readonly [key: string]: unknown } | undefined, base: BlameOptions = DEFAULT_BLAME): BlameOptions {
  if (raw === undefined) return base;
  const known = ['issuerWeight', 'ambiguousWeight', 'unknownWeight'] as const;
  for (const key of Object.keys(raw)) {
    if (!(known as readonly string[]).includes(key)) throw new InvalidConfigError(`blame.${key}`, `unknown option; known: ${known.join(', ')}`);
  }
  const pick = (key: (typeof known)[number]): number => {
    const v = raw[key];
    if (v === undefined) return base[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new InvalidConfigError(`blame.${key}`, `must be a number in [0, 1], got ${JSON.stringify(v)}`);
    return v;
  };
  return { issuerWeight: pick('issuerWeight'), ambiguousWeight: pick('ambiguousWeight'), unknownWeight: pick('unknownWeight') };
}
