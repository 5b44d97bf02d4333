/**
 * Input checks shared by the learning policies (Thompson sampling, epsilon-greedy, static): the candidate list
 * of a decision and the (reward, weight) of an update. Cheap enough for the hot path (no allocation).
 */

import { InvalidCandidatesError, ValidationError } from '../errors.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';

/** Throws InvalidCandidatesError for an empty list, more than out.capacity candidates, or a duplicate id. */
export function checkCandidates(candidates: readonly string[], out: DecisionBuffer): void {
  const n = candidates.length;
  if (n === 0) throw new InvalidCandidatesError('at least one candidate is required');
  if (n > out.capacity) throw new InvalidCandidatesError(`${n} candidates, at most ${out.capacity}`);
  for (let i = 1; i < n; i++) {
    const c = candidates[i]!;
    for (let j = 0; j < i; j++) if (candidates[j] === c) throw new InvalidCandidatesError(`duplicate candidate "${c}"`);
  }
}

/** Throws ValidationError naming `reward` or `weight` unless both are finite and in [0, 1]. */
export function checkRewardWeight(reward: number, weight: number): void {
  if (typeof reward !== 'number' || !(reward >= 0 && reward <= 1)) throw new ValidationError('reward', `must be a number in [0, 1], got ${String(reward)}`);
  if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) throw new ValidationError('weight', `must be a number in [0, 1], got ${String(weight)}`);
}

/** Default exploration floor of every policy in this folder: see docs/policies-thompson.md ("Exploration floor"). */
export const DEFAULT_FLOOR = 0.005;
/** Largest accepted floor; a larger floor than 1 / n makes a decision uniform. */
export const MAX_FLOOR = 0.5;
