/**
 * An auditor of retry answers, written independently of policies/retry/rules-table.ts (from the network
 * rules as the issue states them), so the simulator counts rule violations with a second implementation
 * rather than trusting the one under test. A violation is a retry that a card network forbids: a hard
 * decline, Visa category 1, Mastercard MAC 03 / 21, before a MAC 24..30 window, or past the reattempt caps
 * (Visa 15 in 30 days; Mastercard 35 in 30 days and 20 in 24 hours; others 15 in 30 days).
 */

const DAY_MS = 86_400_000;
const HARD = new Set(['04', '07', '14', '15', '33', '34', '41', '43', '46', '54']);
const VISA_NEVER = new Set(['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3']);
const MAC_NEVER = new Set(['03', '21']);
const MAC_WAIT_MS: Readonly<Record<string, number>> = {
  '24': 3_600_000,
  '25': DAY_MS,
  '26': 2 * DAY_MS,
  '27': 4 * DAY_MS,
  '28': 6 * DAY_MS,
  '29': 8 * DAY_MS,
  '30': 10 * DAY_MS,
};
const CAPS: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  visa: [[30 * DAY_MS, 15]],
  mastercard: [
    [30 * DAY_MS, 35],
    [DAY_MS, 20],
  ],
};

export interface AuditedRetry {
  readonly cardNetwork: string;
  readonly declineCode: string;
  readonly merchantAdviceCode?: string | undefined;
  /** When the decline being answered happened. */
  readonly declinedAtMs: number;
  /** When the retry will be sent. */
  readonly retryAtMs: number;
  /** Earlier reattempts of the same card (send times), not including this one. */
  readonly earlierRetriesAtMs: readonly number[];
}

/** The violated rule, or undefined when the retry is allowed. */
export function auditRetry(r: AuditedRetry): string | undefined {
  if (HARD.has(r.declineCode)) return `hard decline ${r.declineCode} retried`;
  if (r.cardNetwork === 'visa' && VISA_NEVER.has(r.declineCode)) return `Visa category 1 code ${r.declineCode} retried`;
  if (r.cardNetwork === 'mastercard' && r.merchantAdviceCode !== undefined) {
    if (MAC_NEVER.has(r.merchantAdviceCode)) return `Mastercard MAC ${r.merchantAdviceCode} retried`;
    const wait = MAC_WAIT_MS[r.merchantAdviceCode];
    if (wait !== undefined && r.retryAtMs - r.declinedAtMs < wait) return `Mastercard MAC ${r.merchantAdviceCode} window not respected`;
  }
  for (const [windowMs, max] of CAPS[r.cardNetwork] ?? [[30 * DAY_MS, 15] as const]) {
    // the window ending at this retry, and every window starting at an earlier one that contains it
    const all = [...r.earlierRetriesAtMs, r.retryAtMs].sort((a, b) => a - b);
    for (let i = 0; i < all.length; i++) {
      let n = 0;
      for (let j = i; j < all.length && all[j]! < all[i]! + windowMs; j++) n++;
      if (n > max) return `more than ${max} reattempts in ${windowMs / DAY_MS} days`;
    }
  }
  return undefined;
}
