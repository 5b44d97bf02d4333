/**
 * `fixed`: the retry schedule teams use today, as a Policy over retry action ids. Retry n (n = attempt, the
 * attempts made so far) waits `schedule[n - 1]` seconds (default 1 h, 24 h, 72 h; the last entry repeats) on
 * the route that declined. When the rules do not offer that exact action, it takes the allowed action on the
 * same route whose delay is the smallest at or above the scheduled one (else the largest below), and only
 * then another route, in the order given. Deterministic by default (`floor` 0): probability 1 on its
 * choice, as teams run it. With `floor` > 0 every allowed action keeps at least that probability, so a log
 * of the fixed schedule can evaluate any other retry policy offline. It learns nothing (`update` only
 * counts outcomes) but is a full Policy, so the service, simulator and tests treat it alike.
 */

import { InvalidConfigError, InvalidStateError } from '../errors.ts';
import type { Context } from '../core/context.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';
import type { Policy, PolicyParams, PolicySnapshot } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { numberParam, rejectUnknownParams } from '../core/params.ts';
import { applyFloor, sampleIndex } from '../core/sampling.ts';
import { MAX_FLOOR } from '../thompson/decision-checks.ts';
import { parseActionId, validateDelayBuckets } from './actions.ts';

const NAME = 'fixed';
const VERSION = 'fixed/1';
export const DEFAULT_FIXED_SCHEDULE: readonly number[] = [3600, 86400, 259200];

function readSchedule(params: { readonly [key: string]: unknown }, fallback: readonly number[]): readonly number[] {
  const v = params['schedule'];
  if (v === undefined) return fallback;
  if (!Array.isArray(v)) throw new InvalidConfigError(`${NAME}.schedule`, 'must be an array of delays in seconds');
  return validateDelayBuckets(`${NAME}.schedule`, v as unknown[]);
}

const KNOWN = ['schedule', 'floor'];

export function createFixedSchedulePolicy(params: { readonly [key: string]: unknown } = {}): Policy {
  rejectUnknownParams(NAME, params, KNOWN);
  let schedule = readSchedule(params, DEFAULT_FIXED_SCHEDULE);
  let floor = numberParam(NAME, params, 'floor', 0, 0, MAX_FLOOR);
  let observations = 0;

  /** Cost of choosing (delay, route) against the target: same route first, then the closest delay at or above. */
  const cost = (delay: number, route: string, target: number, previous: string): number =>
    (route === previous ? 0 : 1e12) + (delay >= target ? delay - target : 1e10 + (target - delay));

  return {
    name: NAME,
    version: VERSION,
    get observations() {
      return observations;
    },
    params(): PolicyParams {
      return { schedule: [...schedule], floor };
    },
    tune(patch) {
      rejectUnknownParams(NAME, patch, KNOWN);
      const nextSchedule = readSchedule(patch, schedule);
      floor = numberParam(NAME, patch, 'floor', floor, 0, MAX_FLOOR);
      schedule = nextSchedule;
    },
    decide(context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer) {
      const n = candidates.length;
      const attempt = typeof context['attempt'] === 'number' && context['attempt'] >= 1 ? Math.floor(context['attempt']) : 1;
      const previous = typeof context['previousRoute'] === 'string' ? context['previousRoute'] : '';
      const target = schedule[Math.min(attempt, schedule.length) - 1]!;
      let best = 0;
      let bestCost = Infinity;
      for (let i = 0; i < n; i++) {
        const a = parseActionId(candidates[i]!);
        const c = a ? cost(a.delaySeconds, a.route, target, previous) : Infinity;
        out.scores[i] = Number.isFinite(c) ? -c : -Number.MAX_VALUE;
        if (c < bestCost) {
          bestCost = c;
          best = i;
        }
      }
      const q = out.probabilities;
      for (let i = 0; i < n; i++) q[i] = i === best ? 1 : 0;
      out.count = n;
      if (floor > 0 && n > 1) {
        applyFloor(q, n, floor);
        out.chosen = sampleIndex(q, n, rng);
      } else out.chosen = best;
    },
    update() {
      observations++;
    },
    predict() {
      return 0;
    },
    snapshot(): PolicySnapshot {
      return { policy: NAME, version: VERSION, params: { schedule: [...schedule], floor }, observations, state: null };
    },
    restore(snapshot) {
      if (snapshot.policy !== NAME || snapshot.version !== VERSION) {
        throw new InvalidStateError(NAME, `expected ${VERSION}, got ${snapshot.policy} ${snapshot.version}`);
      }
      schedule = readSchedule(snapshot.params, DEFAULT_FIXED_SCHEDULE);
      floor = numberParam(NAME, snapshot.params, 'floor', 0, 0, MAX_FLOOR);
      observations = snapshot.observations;
    },
  };
}
