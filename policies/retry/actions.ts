/**
 * Retry actions: (delay bucket, route), encoded as opaque candidate ids `"<delaySeconds>@<route>"` (e.g.
 * `"3600@acq-c"`), so any `Policy` of the registry decides over them unchanged. An id may carry a stratum
 * prefix `"<stratum>|"` (see retry-policy.ts: non-contextual policies learn one arm per decline kind).
 */

import { InvalidConfigError } from '../errors.ts';

/** Now (on another route), 5 min, 1 h, 6 h, 24 h, 72 h. */
export const DEFAULT_DELAY_BUCKETS: readonly number[] = [0, 300, 3600, 21600, 86400, 259200];

export interface RetryAction {
  /** Candidate id given to the policy (without stratum). */
  readonly id: string;
  readonly delaySeconds: number;
  readonly route: string;
}

export function actionId(delaySeconds: number, route: string): string {
  return `${delaySeconds}@${route}`;
}

/** Parse `"[stratum|]<delay>@<route>"`; undefined if the id is not a retry action. */
export function parseActionId(id: string): { readonly delaySeconds: number; readonly route: string } | undefined {
  const bar = id.lastIndexOf('|');
  const body = bar >= 0 ? id.slice(bar + 1) : id;
  const at = body.indexOf('@');
  if (at <= 0 || at === body.length - 1) return undefined;
  const digits = body.slice(0, at);
  if (!/^\d{1,9}$/.test(digits)) return undefined;
  return { delaySeconds: Number(digits), route: body.slice(at + 1) };
}

/** Validate a delay-bucket list (config): non-empty, unique, ascending integers in [0, 30 days). */
export function validateDelayBuckets(field: string, delays: readonly unknown[]): readonly number[] {
  if (delays.length === 0) throw new InvalidConfigError(field, 'needs at least one delay');
  const out: number[] = [];
  for (const d of delays) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d >= 30 * 86400) {
      throw new InvalidConfigError(field, `delays are integer seconds in [0, 2592000), got ${JSON.stringify(d)}`);
    }
    if (out.length > 0 && d <= out[out.length - 1]!) throw new InvalidConfigError(field, 'delays must be strictly ascending');
    out.push(d);
  }
  return out;
}
