import { UnknownPolicyError } from './errors.ts';
import type { Policy, PolicyFactory } from './core/policy.ts';
import { createRandomPolicy } from './baselines/random.ts';
import { createLinTsPolicy, createLinUcbPolicy } from './linear/index.ts';
import { createThompsonPolicy } from './thompson/index.ts';
import { createEpsilonGreedyPolicy } from './baselines/epsilon-greedy.ts';
import { createStaticPolicy } from './baselines/static.ts';

/**
 * Policy name -> factory. The service (ROUTE_POLICY / RETRY_POLICY), the simulator and the tests all build
 * policies through here, so what is evaluated is exactly what is served.
 */
const FACTORIES: ReadonlyMap<string, PolicyFactory> = new Map<string, PolicyFactory>([
  ['thompson', createThompsonPolicy],
  ['linucb', createLinUcbPolicy],
  ['lints', createLinTsPolicy],
  ['epsilon-greedy', createEpsilonGreedyPolicy],
  ['static', createStaticPolicy],
  ['random', createRandomPolicy],
]);

export const POLICY_NAMES: readonly string[] = [...FACTORIES.keys()];

export function createPolicy(name: string, params: { readonly [key: string]: unknown } = {}): Policy {
  const factory = FACTORIES.get(name);
  if (!factory) throw new UnknownPolicyError(name, POLICY_NAMES);
  return factory(params);
}

export function isPolicyName(name: string): boolean {
  return FACTORIES.has(name);
}
