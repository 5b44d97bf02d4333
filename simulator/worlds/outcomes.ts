/**
 * ISO 8583 response codes of the synthetic world, split by who caused the decline.
 *
 * - Issuer-side (the card or the cardholder; the same on every route, no router can avoid them):
 *   51 insufficient funds, 05 do not honour, 54 expired card, 14 invalid card number, 61 exceeds amount
 *   limit, 62 restricted card.
 * - Route-side (avoidable by routing): technical 91 issuer or switch inoperative, 96 system malfunction;
 *   risk 05 do not honour (the issuer's fraud model distrusts this acquirer's traffic), 59 suspected fraud,
 *   65 soft decline for missing strong customer authentication (EU e-commerce without 3-D Secure).
 */
import type { Features } from './model.ts';

export const APPROVED_CODE = '00';
export const ISSUER_DECLINE_CODES = ['51', '05', '54', '14', '61', '62'] as const;
export const ROUTE_TECHNICAL_CODES = ['91', '96'] as const;
export const ROUTE_RISK_CODES = ['05', '59', '65'] as const;

const ISSUER_BASE = [0.42, 0.25, 0.1, 0.06, 0.09, 0.08];
const issuerWeights = new Float64Array(ISSUER_BASE.length);

/** Pick an issuer-side decline code with uniform `u` (prepaid: more 51; recurring: more 54 expired cards). */
export function issuerDeclineCode(f: Features, u: number): string {
  let total = 0;
  for (let i = 0; i < ISSUER_BASE.length; i++) {
    let w = ISSUER_BASE[i]!;
    if (i === 0 && f.cardType === 2) w *= 2; // prepaid: insufficient funds
    if (i === 2 && f.channel === 1) w *= 3; // recurring: expired cards on file
    issuerWeights[i] = w;
    total += w;
  }
  let acc = 0;
  const x = u * total;
  for (let i = 0; i < ISSUER_BASE.length - 1; i++) {
    acc += issuerWeights[i]!;
    if (x < acc) return ISSUER_DECLINE_CODES[i]!;
  }
  return ISSUER_DECLINE_CODES[ISSUER_BASE.length - 1]!;
}

/** Pick a route-side decline code with uniform `u`, given the acquirer's technical share. */
export function routeDeclineCode(f: Features, technicalShare: number, u: number): string {
  if (u < technicalShare) return u < technicalShare * 0.6 ? '91' : '96';
  const v = (u - technicalShare) / (1 - technicalShare); // uniform on [0,1) again
  if (f.scaCase) return v < 0.5 ? '65' : v < 0.85 ? '05' : '59';
  return v < 0.75 ? '05' : '59';
}

/** Code of a failed attempt on a route that is down. */
export function outageCode(u: number): string {
  return u < 0.8 ? '91' : '96';
}

/** Whether a response code is an issuer-side decline in this world (route-independent). */
export function isIssuerSideCode(code: string): boolean {
  return code === '51' || code === '54' || code === '14' || code === '61' || code === '62';
}
