/**
 * Static priority routing: what payment teams run today. Picks the highest-priority candidate in `priority`;
 * candidates not in the list rank after all listed ones, in candidate order. The exploration floor still applies,
 * so every candidate keeps a propensity > 0 and a log of this policy can evaluate any other policy offline.
 * It learns nothing, but keeps each route's observed mean reward so `predict` is meaningful in calibration reports.
 */

import { InvalidConfigError, InvalidStateError } from '../errors.ts';
import type { Context } from '../core/context.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';
import type { Json, Policy, PolicyParams, PolicySnapshot } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { numberParam, rejectUnknownParams, stringArrayParam } from '../core/params.ts';
import { applyFloor, sampleIndex } from '../core/sampling.ts';
import { checkCandidates, checkRewardWeight, DEFAULT_FLOOR, MAX_FLOOR } from '../thompson/decision-checks.ts';

export const STATIC_VERSION = 'static/1';
const NAME = 'static';

interface StaticParams {
  readonly priority: readonly string[];
  readonly floor: number;
}

function parseParams(raw: { readonly [key: string]: unknown }, base: StaticParams = { priority: [], floor: DEFAULT_FLOOR }): StaticParams {
  rejectUnknownParams(NAME, raw, ['priority', 'floor']);
  const priority = stringArrayParam(NAME, raw, 'priority', base.priority);
  if (new Set(priority).size !== priority.length) throw new InvalidConfigError(`${NAME}.priority`, 'routes must be unique');
  const floor = numberParam(NAME, raw, 'floor', base.floor, 0, MAX_FLOOR);
  if (!(floor > 0)) throw new InvalidConfigError(`${NAME}.floor`, `must be in (0, ${MAX_FLOOR}] so that no propensity is 0`);
  return { priority: [...priority], floor };
}

export function createStaticPolicy(rawParams: { readonly [key: string]: unknown } = {}): Policy {
  let p = parseParams(rawParams);
  let rank = new Map<string, number>(p.priority.map((r, i) => [r, i]));
  let observations = 0;
  /** route -> [Σ w r, Σ w] */
  let seen = new Map<string, [number, number]>();

  return {
    name: NAME,
    version: STATIC_VERSION,
    get observations() {
      return observations;
    },
    params(): PolicyParams {
      return { priority: [...p.priority], floor: p.floor };
    },
    tune(patch) {
      p = parseParams(patch, p);
      rank = new Map(p.priority.map((r, i) => [r, i]));
    },
    decide(_context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer) {
      checkCandidates(candidates, out);
      const n = candidates.length;
      const listed = p.priority.length;
      let best = 0;
      for (let i = 0; i < n; i++) {
        // listed routes: listed - rank (>= 1); unlisted: below every listed one, earlier candidates higher
        const r = rank.get(candidates[i]!);
        out.scores[i] = r === undefined ? -i / n : listed - r;
        if (out.scores[i]! > out.scores[best]!) best = i;
      }
      const q = out.probabilities;
      for (let i = 0; i < n; i++) q[i] = i === best ? 1 : 0;
      applyFloor(q, n, p.floor);
      out.count = n;
      out.chosen = sampleIndex(q, n, rng);
    },
    update(_context: Context, route: string, reward: number, weight: number) {
      checkRewardWeight(reward, weight);
      observations++;
      const s = seen.get(route);
      if (s === undefined) seen.set(route, [weight * reward, weight]);
      else {
        s[0] += weight * reward;
        s[1] += weight;
      }
    },
    predict(_context: Context, route: string) {
      const s = seen.get(route);
      return s !== undefined && s[1] > 0 ? s[0] / s[1] : 0.5;
    },
    snapshot(): PolicySnapshot {
      const routes: Json[] = [...seen].map(([r, [sr, sw]]) => [r, sr, sw]);
      return { policy: NAME, version: STATIC_VERSION, params: this.params(), observations, state: { routes } };
    },
    restore(snapshot) {
      if (snapshot.policy !== NAME || snapshot.version !== STATIC_VERSION) {
        throw new InvalidStateError(NAME, `expected ${STATIC_VERSION}, got ${snapshot.policy} ${snapshot.version}`);
      }
      let next: StaticParams;
      try {
        next = parseParams(snapshot.params);
      } catch (err) {
        throw new InvalidStateError(NAME, `bad params: ${(err as Error).message}`, { cause: err });
      }
      const state = snapshot.state as { readonly routes?: unknown } | null;
      const routes = state?.routes;
      if (!Array.isArray(routes)) throw new InvalidStateError(NAME, 'state.routes must be an array');
      const nextSeen = new Map<string, [number, number]>();
      routes.forEach((e: unknown, i) => {
        if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' || typeof e[1] !== 'number' || typeof e[2] !== 'number' || !(e[1] >= 0) || !(e[2] >= e[1]) || !Number.isFinite(e[2])) {
          throw new InvalidStateError(NAME, `state.routes[${i}] must be [route, Σ w r, Σ w] with 0 <= Σ w r <= Σ w`);
        }
        nextSeen.set(e[0], [e[1], e[2]]);
      });
      if (!Number.isInteger(snapshot.observations) || snapshot.observations < 0) throw new InvalidStateError(NAME, 'observations must be a non-negative integer');
      p = next;
      rank = new Map(p.priority.map((r, i) => [r, i]));
      seen = nextSeen;
      observations = snapshot.observations;
    },
  };
}
