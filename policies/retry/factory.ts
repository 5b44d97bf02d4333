/**
 * Retry policies by name (the contract's RETRY_POLICY): `fixed` (the schedule teams use today), `linucb` and
 * `lints` (with the retry feature spec), and any other name of the policy registry (e.g. `thompson`,
 * stratified by decline kind). `createRetryBasePolicy` gives the bare Policy (what the service stores,
 * snapshots and tunes); `createRetryPolicy` wraps it with the rules.
 */

import type { Policy } from '../core/policy.ts';
import { createPolicy, isPolicyName, POLICY_NAMES } from '../registry.ts';
import { UnknownPolicyError } from '../errors.ts';
import { createLinTsPolicy, createLinUcbPolicy } from '../linear/index.ts';
import { createFixedSchedulePolicy } from './fixed.ts';
import { retryLinearParams } from './features.ts';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.ts';

type Params = { readonly [key: string]: unknown };

const LINEAR: Readonly<Record<string, (p: Params) => Policy>> = {
  // the retry results (docs/retry.md) were measured at alpha 0.5; the route default is now 0.3 (tuned on routing)
  linucb: (p) => createLinUcbPolicy({ alpha: 0.5, ...p }),
  lints: createLinTsPolicy,
};

export const RETRY_POLICY_NAMES: readonly string[] = ['fixed', 'linucb', 'lints'];

export function isRetryPolicyName(name: string): boolean {
  return RETRY_POLICY_NAMES.includes(name) || isPolicyName(name);
}

export function createRetryBasePolicy(name: string, params: Params = {}): Policy {
  if (name === 'fixed') return createFixedSchedulePolicy(params);
  const linear = LINEAR[name];
  if (linear) return linear(retryLinearParams(params));
  if (!isPolicyName(name)) throw new UnknownPolicyError(name, [...new Set([...RETRY_POLICY_NAMES, ...POLICY_NAMES])]);
  return createPolicy(name, params);
}

export function createRetryPolicy(name: string, params: Params = {}, options: RetryPolicyOptions = {}): RetryPolicy {
  return new RetryPolicy(createRetryBasePolicy(name, params), options);
}
