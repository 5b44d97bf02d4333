/**
 * Epsilon-greedy baseline: empirical mean reward per (segment, route), greedy with probability 1 - epsilon
 * (ties split evenly) and uniform with probability epsilon, then the exploration floor. The probabilities are
 * explicit, so the logged propensity is exact. Segments (optional) and forgetting work as in Thompson sampling
 * (the same segment tree), but without pooling: a route's score is its empirical mean at the finest level where
 * it has evidence, else the next coarser one; a route never seen anywhere scores 1 (optimistic), so new routes get
 * tried by the greedy step.
 */

import { InvalidConfigError, InvalidStateError } from '../errors.ts';
import type { Context } from '../core/context.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';
import type { Policy, PolicyParams, PolicySnapshot } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { numberParam, rejectUnknownParams, stringArrayParam } from '../core/params.ts';
import { applyFloor, argmaxDistribution, sampleIndex } from '../core/sampling.ts';
import { checkCandidates, checkRewardWeight, DEFAULT_FLOOR, MAX_FLOOR } from '../thompson/decision-checks.ts';
import { decayFactor, SegmentTree, type SegmentNode } from '../thompson/segment-tree.ts';

export const EPSILON_GREEDY_VERSION = 'epsilon-greedy/1';
const NAME = 'epsilon-greedy';

interface EpsilonGreedyParams {
  readonly epsilon: number;
  readonly segments: readonly string[];
  readonly discount: number;
  readonly floor: number;
}

const DEFAULTS: EpsilonGreedyParams = { epsilon: 0.05, segments: [], discount: 1, floor: DEFAULT_FLOOR };

function parseParams(raw: { readonly [key: string]: unknown }, base: EpsilonGreedyParams = DEFAULTS): EpsilonGreedyParams {
  rejectUnknownParams(NAME, raw, ['epsilon', 'segments', 'discount', 'floor']);
  const segments = stringArrayParam(NAME, raw, 'segments', base.segments);
  if (new Set(segments).size !== segments.length) throw new InvalidConfigError(`${NAME}.segments`, 'fields must be unique');
  const discount = numberParam(NAME, raw, 'discount', base.discount, 0, 1);
  if (!(discount > 0)) throw new InvalidConfigError(`${NAME}.discount`, 'must be in (0, 1] (1 = no forgetting)');
  const floor = numberParam(NAME, raw, 'floor', base.floor, 0, MAX_FLOOR);
  if (!(floor > 0)) throw new InvalidConfigError(`${NAME}.floor`, `must be in (0, ${MAX_FLOOR}] so that no propensity is 0`);
  return { epsilon: numberParam(NAME, raw, 'epsilon', base.epsilon, 0, 1), segments: [...segments], discount, floor };
}

export function createEpsilonGreedyPolicy(rawParams: { readonly [key: string]: unknown } = {}): Policy {
  let p = parseParams(rawParams);
  let tree = new SegmentTree(p.segments);
  let path: (SegmentNode | undefined)[] = new Array<SegmentNode | undefined>(tree.levels).fill(undefined);
  let greedy = new Float64Array(32);

  /** Empirical mean of `route` at the finest level of `path` with evidence; 1 if none. */
  const score = (route: string): number => {
    for (let l = path.length - 1; l >= 0; l--) {
      const cell = path[l]?.routes.get(route);
      if (cell === undefined) continue;
      const d = decayFactor(cell, tree.tick, p.discount);
      const w = (cell.s + cell.f) * d;
      if (w > 0) return (cell.s * d) / w;
    }
    return 1;
  };

  return {
    name: NAME,
    version: EPSILON_GREEDY_VERSION,
    get observations() {
      return tree.tick;
    },
    params(): PolicyParams {
      return { epsilon: p.epsilon, segments: [...p.segments], discount: p.discount, floor: p.floor };
    },
    tune(patch) {
      const next = parseParams(patch, p);
      if (next.segments.join('\u0000') !== p.segments.join('\u0000')) {
        throw new InvalidConfigError(`${NAME}.segments`, 'cannot change on a live policy (the learned cells are keyed by them); start a new state');
      }
      p = next;
    },
    decide(context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer) {
      checkCandidates(candidates, out);
      const n = candidates.length;
      if (greedy.length < n) greedy = new Float64Array(out.capacity);
      tree.path(context, path);
      for (let i = 0; i < n; i++) out.scores[i] = score(candidates[i]!);
      argmaxDistribution(out.scores, n, greedy);
      const q = out.probabilities;
      const e = p.epsilon;
      for (let i = 0; i < n; i++) q[i] = (1 - e) * greedy[i]! + e / n;
      applyFloor(q, n, p.floor);
      out.count = n;
      out.chosen = sampleIndex(q, n, rng);
    },
    update(context: Context, route: string, reward: number, weight: number) {
      checkRewardWeight(reward, weight);
      tree.update(context, route, reward, weight, p.discount);
    },
    predict(context: Context, route: string) {
      tree.path(context, path);
      const s = score(route);
      return s;
    },
    snapshot(): PolicySnapshot {
      return { policy: NAME, version: EPSILON_GREEDY_VERSION, params: this.params(), observations: tree.tick, state: tree.toJson() };
    },
    restore(snapshot) {
      if (snapshot.policy !== NAME || snapshot.version !== EPSILON_GREEDY_VERSION) {
        throw new InvalidStateError(NAME, `expected ${EPSILON_GREEDY_VERSION}, got ${snapshot.policy} ${snapshot.version}`);
      }
      let next: EpsilonGreedyParams;
      try {
        next = parseParams(snapshot.params);
      } catch (err) {
        throw new InvalidStateError(NAME, `bad params: ${(err as Error).message}`, { cause: err });
      }
      const t = new SegmentTree(next.segments);
      try {
        t.loadJson(snapshot.state);
      } catch (err) {
        throw new InvalidStateError(NAME, (err as Error).message, { cause: err });
      }
      if (snapshot.observations !== t.tick) throw new InvalidStateError(NAME, `observations ${snapshot.observations} does not match state.tick ${t.tick}`);
      p = next;
      tree = t;
      path = new Array<SegmentNode | undefined>(t.levels).fill(undefined);
    },
  };
}
