/**
 * The best static routing rule: one priority order over all routes (use the first one the payment allows),
 * chosen to maximise expected approval over the traffic mix and the scenario's whole timeline. Computed
 * from the ground truth on a stratified sample of transactions: every permutation of the routes is scored
 * (at most 6! = 720) against a precomputed samples x routes probability matrix.
 */
import { Rng } from '../../policies/core/rng.ts';
import type { World } from './world.ts';

export interface StaticPriority {
  /** Routes, most preferred first. */
  readonly priority: readonly string[];
  /** Mean ground-truth approval probability of this rule over the sample. */
  readonly expectedApproval: number;
  /** Same for the oracle (upper bound) on the same sample, for reference. */
  readonly oracleApproval: number;
  readonly samples: number;
}

const MAX_PERMUTED_ROUTES = 8;

export function findBestStaticPriority(world: World, samples: number, seed: number): StaticPriority {
  const routes = world.routes;
  const nr = routes.length;
  if (nr > MAX_PERMUTED_ROUTES) throw new RangeError(`best static priority: too many routes to enumerate (${nr})`);
  const prob = new Float64Array(samples * nr).fill(-1); // -1: not a candidate
  const rng = new Rng(seed);
  let oracleSum = 0;
  for (let i = 0; i < samples; i++) {
    const t = Math.min(world.horizon - 1, Math.floor(((i + 0.5) * world.horizon) / samples));
    rng.reseed(seed, `best-static:${i}`);
    const tx = world.transactionAt(t, rng);
    let best = 0;
    for (const route of tx.candidates) {
      const p = world.approvalProbability(tx.context, route, t);
      prob[i * nr + routes.indexOf(route)] = p;
      if (p > best) best = p;
    }
    oracleSum += best;
  }
  const perm = routes.map((_, i) => i);
  let bestOrder = perm.slice();
  let bestSum = -1;
  const score = (order: readonly number[]): number => {
    let sum = 0;
    for (let i = 0; i < samples; i++) {
      const row = i * nr;
      for (let k = 0; k < nr; k++) {
        const p = prob[row + order[k]!]!;
        if (p >= 0) {
          sum += p;
          break;
        }
      }
    }
    return sum;
  };
  // Heap's algorithm over all permutations
  const c = new Array<number>(nr).fill(0);
  const consider = (): void => {
    const s = score(perm);
    if (s > bestSum + 1e-12) {
      bestSum = s;
      bestOrder = perm.slice();
    }
  };
  consider();
  let i = 0;
  while (i < nr) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      const tmp = perm[j]!;
      perm[j] = perm[i]!;
      perm[i] = tmp;
      consider();
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return {
    priority: bestOrder.map((k) => routes[k]!),
    expectedApproval: bestSum / samples,
    oracleApproval: oracleSum / samples,
    samples,
  };
}
