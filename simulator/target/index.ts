/** OPE target policies: `uniform`, or any route policy name of the registry. */
import type { PolicySnapshot } from '../../policies/core/policy.ts';
import { InvalidArgumentError } from '../../policies/errors.ts';
import { POLICY_NAMES, isPolicyName } from '../../policies/registry.ts';
import { routePolicyTarget } from './route-policy.ts';
import type { TargetPolicy } from './target-policy.ts';
import { uniformTarget } from './uniform.ts';

export type { TargetPolicy } from './target-policy.ts';
export { uniformTarget } from './uniform.ts';
export { routePolicyTarget } from './route-policy.ts';
export { parseSnapshot } from './snapshot.ts';
export { empiricalTargetFromLog } from './empirical.ts';

export interface TargetOptions {
  readonly seed: number;
  readonly params?: { readonly [key: string]: unknown };
  readonly snapshot?: PolicySnapshot;
  readonly maxCandidates?: number;
}

/** Names accepted by --target. */
export function targetNames(): string[] {
  return ['uniform', 'empirical', ...POLICY_NAMES];
}

/** Build a target by name (`empirical` needs a log: use empiricalTargetFromLog and pass it as a policy). */
export function createTarget(name: string, options: TargetOptions): TargetPolicy {
  if (name === 'empirical') throw new InvalidArgumentError('--target', 'empirical needs --target-log FILE (the log whose action frequencies define it)');
  if (name === 'uniform') {
    if (options.snapshot || (options.params && Object.keys(options.params).length > 0)) {
      throw new InvalidArgumentError('--target', 'uniform takes no params or snapshot');
    }
    return uniformTarget();
  }
  if (!isPolicyName(name)) throw new InvalidArgumentError('--target', `unknown policy "${name}"; known: ${targetNames().join(', ')}`);
  return routePolicyTarget(name, options);
}
