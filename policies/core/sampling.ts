import type { Rng } from './rng.ts';

/**
 * Mix a base distribution with the exploration floor, in place: q_i = f + (1 - n f) p_i, so every candidate
 * keeps at least probability f. When n f >= 1 the result is uniform. Renormalises p first (guards drift).
 */
export function applyFloor(p: Float64Array, n: number, floor: number): void {
  FLOOR[0] = floor;
  applyFloorAt(p, n, FLOOR, 0);
}

const FLOOR = new Float64Array(1);

/**
 * applyFloor with the floor read from floors[slot]: for a caller holding the floor in an object field, which
 * V8 would copy into a new heap number when passing it to a call it does not inline.
 */
export function applyFloorAt(p: Float64Array, n: number, floors: Float64Array, slot: number): void {
  const floor = floors[slot]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i]!;
  if (!(sum > 0) || !Number.isFinite(sum)) {
    for (let i = 0; i < n; i++) p[i] = 1 / n;
    return;
  }
  const f = Math.min(Math.max(floor, 0), 1 / n);
  const scale = (1 - n * f) / sum;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const q = f + scale * p[i]!;
    p[i] = q;
    total += q;
  }
  // exact renormalisation against rounding
  for (let i = 0; i < n; i++) p[i] = p[i]! / total;
}

/**
 * Draw an index from a discrete distribution p[0..n) (assumed normalised) with one uniform (`Rng.pick`: the
 * uniform never leaves the generator, so no heap number is allocated).
 */
export function sampleIndex(p: Float64Array, n: number, rng: Rng): number {
  return rng.pick(p, n);
}

/**
 * Put all mass on the maxima of scores[0..n) (ties split evenly) into p. Used by argmax policies before the
 * floor is applied.
 */
export function argmaxDistribution(scores: Float64Array, n: number, p: Float64Array): void {
  let best = -Infinity;
  for (let i = 0; i < n; i++) if (scores[i]! > best) best = scores[i]!;
  let ties = 0;
  for (let i = 0; i < n; i++) if (scores[i]! === best) ties++;
  for (let i = 0; i < n; i++) p[i] = scores[i]! === best ? 1 / ties : 0;
  if (ties === 0) for (let i = 0; i < n; i++) p[i] = 1 / n; // all NaN: uniform
}
