/**
 * Beta-Bernoulli Thompson sampling with hierarchical pooling over context segments and exponential forgetting.
 *
 * Posterior of (context, route): start from the pooled mean over all routes and all traffic, m0 =
 * (priorAlpha + S_all) / (priorAlpha + priorBeta + S_all + F_all). Then at each level l = 0 (all traffic, this
 * route), 1, ..., L (the context's segment at each field, coarse to fine), the cell's prior is the level above's
 * posterior mean m with `poolStrength` pseudo-counts: alpha = poolStrength m + s_l, beta = poolStrength (1 - m) +
 * f_l, where s_l, f_l are the cell's discounted success and failure weights (0 if the cell or segment was never
 * seen). A thin segment therefore starts at its parent's estimate and moves away as its own evidence grows.
 *
 * Decision = probability matching: the propensities are P(route's posterior draw is the largest), computed by
 * quadrature (core/prob-max.ts), mixed with the exploration floor, and the route is drawn from exactly that
 * vector, so the logged propensity is the probability that was used (in distribution this is Thompson sampling).
 */

import { InvalidConfigError, InvalidStateError } from '../errors.ts';
import type { Context } from '../core/context.ts';
import type { DecisionBuffer } from '../core/decision-buffer.ts';
import type { Policy, PolicyParams, PolicySnapshot } from '../core/policy.ts';
import type { Rng } from '../core/rng.ts';
import { probMaxBeta } from '../core/prob-max.ts';
import { applyFloorAt, sampleIndex } from '../core/sampling.ts';
import { checkCandidates, checkRewardWeight } from './decision-checks.ts';
import { parseThompsonParams, thompsonParamsToJson, type ThompsonParams } from './params.ts';
import { SegmentTree, type SegmentNode } from './segment-tree.ts';

export const THOMPSON_VERSION = 'thompson/1';
const NAME = 'thompson';

export function createThompsonPolicy(rawParams: { readonly [key: string]: unknown } = {}): Policy {
  return new ThompsonPolicy(parseThompsonParams(NAME, rawParams));
}

class ThompsonPolicy implements Policy {
  readonly name = NAME;
  readonly version = THOMPSON_VERSION;
  private p: ThompsonParams;
  private tree: SegmentTree;
  private path: (SegmentNode | undefined)[];
  private alpha = new Float64Array(32);
  private beta = new Float64Array(32);
  /** Posterior (alpha, beta) of the last `posterior()` call (a typed array: double fields would be boxed). */
  private readonly post = new Float64Array(2);
  /**
   * The hot parameters as numbers in a typed array: [floor, discount, poolStrength, priorAlpha, priorBeta]. A
   * double read from an object field and passed to a call V8 does not inline is copied into a new heap number
   * (16 B per decision); set from `p` by `setKnobs`.
   */
  private readonly knobs = new Float64Array(5);

  constructor(params: ThompsonParams) {
    this.p = params;
    this.setKnobs();
    this.tree = new SegmentTree(params.segments);
    this.path = new Array<SegmentNode | undefined>(this.tree.levels).fill(undefined);
  }

  get observations(): number {
    return this.tree.tick;
  }

  params(): PolicyParams {
    return thompsonParamsToJson(this.p);
  }

  tune(patch: { readonly [key: string]: unknown }): void {
    const next = parseThompsonParams(NAME, patch, this.p);
    if (next.segments.join('\u0000') !== this.p.segments.join('\u0000')) {
      throw new InvalidConfigError(`${NAME}.segments`, 'cannot change on a live policy (the learned cells are keyed by them); start a new state');
    }
    this.p = next;
    this.setKnobs();
  }

  private setKnobs(): void {
    const k = this.knobs;
    k[0] = this.p.floor;
    k[1] = this.p.discount;
    k[2] = this.p.poolStrength;
    k[3] = this.p.priorAlpha;
    k[4] = this.p.priorBeta;
  }

  decide(context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer): void {
    checkCandidates(candidates, out);
    const n = candidates.length;
    if (this.alpha.length < n) {
      this.alpha = new Float64Array(out.capacity);
      this.beta = new Float64Array(out.capacity);
    }
    this.tree.path(context, this.path);
    for (let i = 0; i < n; i++) {
      this.posterior(candidates[i]!);
      const a = this.post[0]!;
      const b = this.post[1]!;
      this.alpha[i] = a;
      this.beta[i] = b;
      out.scores[i] = a / (a + b);
    }
    const p = out.probabilities;
    probMaxBeta(this.alpha, this.beta, n, p);
    applyFloorAt(p, n, this.knobs, 0);
    out.count = n;
    out.chosen = sampleIndex(p, n, rng);
  }

  update(context: Context, route: string, reward: number, weight: number): void {
    checkRewardWeight(reward, weight);
    this.tree.update(context, route, reward, weight, this.p.discount);
  }

  predict(context: Context, route: string): number {
    this.tree.path(context, this.path);
    this.posterior(route);
    return this.post[0]! / (this.post[0]! + this.post[1]!);
  }

  /** Posterior Beta(post[0], post[1]) of `route` along the current `path`. */
  private posterior(route: string): void {
    const knobs = this.knobs;
    const g = knobs[1]!;
    const S = knobs[2]!;
    const tick = this.tree.tick;
    const all = this.tree.all;
    // decayFactor inlined (a call taking and returning doubles would box them when not inlined)
    const dAll = g === 1 || all.last === tick ? 1 : Math.pow(g, tick - all.last);
    const priorAlpha = knobs[3]!;
    const priorBeta = knobs[4]!;
    let a = priorAlpha + all.s * dAll;
    let b = priorBeta + all.f * dAll;
    const path = this.path;
    for (let l = 0; l < path.length; l++) {
      const m = a / (a + b);
      a = S * m;
      b = S - a;
      const cell = path[l]?.routes.get(route);
      if (cell !== undefined) {
        const d = g === 1 || cell.last === tick ? 1 : Math.pow(g, tick - cell.last);
        a += cell.s * d;
        b += cell.f * d;
      }
    }
    // guard against b = S - a rounding to 0 when m is 1 to machine precision
    this.post[0] = a > 0 ? a : Number.MIN_VALUE;
    this.post[1] = b > 0 ? b : Number.MIN_VALUE;
  }

  snapshot(): PolicySnapshot {
    return { policy: NAME, version: THOMPSON_VERSION, params: this.params(), observations: this.tree.tick, state: this.tree.toJson() };
  }

  restore(snapshot: PolicySnapshot): void {
    if (snapshot.policy !== NAME || snapshot.version !== THOMPSON_VERSION) {
      throw new InvalidStateError(NAME, `expected ${THOMPSON_VERSION}, got ${snapshot.policy} ${snapshot.version}`);
    }
    let params: ThompsonParams;
    try {
      params = parseThompsonParams(NAME, snapshot.params);
    } catch (err) {
      throw new InvalidStateError(NAME, `bad params: ${(err as Error).message}`, { cause: err });
    }
    const tree = new SegmentTree(params.segments);
    try {
      tree.loadJson(snapshot.state);
    } catch (err) {
      throw new InvalidStateError(NAME, (err as Error).message, { cause: err });
    }
    if (snapshot.observations !== tree.tick) {
      throw new InvalidStateError(NAME, `observations ${snapshot.observations} does not match state.tick ${tree.tick}`);
    }
    this.p = params;
    this.setKnobs();
    this.tree = tree;
    this.path = new Array<SegmentNode | undefined>(tree.levels).fill(undefined);
  }
}
