import type { Json, PolicySnapshot, PolicyParams } from '../../policies/core/policy.ts';
import { InvalidArgumentError } from '../../policies/errors.ts';

/** Validate a policy snapshot read from a file (`--snapshot`); errors name the field. */
export function parseSnapshot(option: string, value: Record<string, unknown>): PolicySnapshot {
  const { policy, version, params, observations, state } = value;
  if (typeof policy !== 'string' || policy === '') throw new InvalidArgumentError(option, 'snapshot.policy: expected a policy name');
  if (typeof version !== 'string' || version === '') throw new InvalidArgumentError(option, 'snapshot.version: expected a string');
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new InvalidArgumentError(option, 'snapshot.params: expected an object');
  if (typeof observations !== 'number' || !(observations >= 0)) throw new InvalidArgumentError(option, 'snapshot.observations: expected a number >= 0');
  if (state === undefined) throw new InvalidArgumentError(option, 'snapshot.state: missing');
  return { policy, version, params: params as PolicyParams, observations, state: state as Json };
}
