/**
 * Sherman–Morrison rank-one update of an inverse: if M = A^-1 then
 *   (A + w x x^T)^-1 = M - w (M x)(M x)^T / (1 + w x^T M x).
 * For a sparse x, M x costs d * nnz (rows of the symmetric M), the update itself d^2. The update is written
 * as M <- M - g g^T with g = sqrt(w / (1 + w q)) M x, so M stays exactly symmetric.
 */
import { NumericalError } from '../errors.ts';
import { sparseSymMatVec, sparseUpperMatVec } from './dense.ts';

/**
 * Apply the update to `minv` (symmetric, d x d) in place for A <- A + w x x^T (w >= 0). Returns
 * q = x^T M_old x. On return `g` holds c M_old x with c = sqrt(w / (1 + w q)), so a caller keeping a
 * ridge estimate theta = A^-1 b current for b <- b + w r x adds c (r - x.theta_old) g to theta
 * (since w M_old x / (1 + w q) = c g).
 */
export function shermanMorrisonSparse(
  minv: Float64Array,
  d: number,
  idx: Int32Array,
  val: Float64Array,
  nnz: number,
  w: number,
  g: Float64Array,
): number {
  sparseSymMatVec(minv, d, idx, val, nnz, g);
  let q = 0;
  for (let k = 0; k < nnz; k++) q += val[k]! * g[idx[k]!]!;
  if (w === 0) {
    g.fill(0, 0, d);
    return q;
  }
  const denom = 1 + w * q;
  if (!(denom > 0) || !Number.isFinite(denom)) {
    throw new NumericalError(`Sherman–Morrison: 1 + w x'A^-1x = ${denom} (w = ${w}, q = ${q})`);
  }
  const c = Math.sqrt(w / denom);
  for (let i = 0; i < d; i++) g[i] = c * g[i]!;
  for (let i = 0; i < d; i++) {
    const gi = g[i]!;
    if (gi === 0) continue;
    const row = i * d;
    for (let j = 0; j < d; j++) minv[row + j] = minv[row + j]! - gi * g[j]!;
  }
  return q;
}

/**
 * The same update on the UPPER triangle only (half the d^2 work): `minv`'s upper triangle (diagonal
 * included) holds the symmetric inverse and is the only part read or written; the strict lower triangle is
 * left stale. Read such a matrix with sparseUpperMatVec / sparseUpperQuadForm, or mirrorUpper it first.
 * Same `g` as shermanMorrisonSparse; q = x^T M_old x and c are written to result[0] and result[1]
 * rather than returned (a double returned from a call V8 does not inline is boxed: an allocation).
 */
export function shermanMorrisonSparseUpper(
  minv: Float64Array,
  d: number,
  idx: Int32Array,
  val: Float64Array,
  nnz: number,
  w: number,
  g: Float64Array,
  result: Float64Array,
): void {
  WEIGHT[0] = w;
  shermanMorrisonSparseUpperAt(minv, d, idx, val, nnz, WEIGHT, 0, g, result);
}

const WEIGHT = new Float64Array(1);

/**
 * shermanMorrisonSparseUpper with the weight read from weights[slot]: for hot paths whose weight is not a
 * small integer (a double argument to a call V8 does not inline is boxed, 16 B; a typed array is not).
 */
export function shermanMorrisonSparseUpperAt(
  minv: Float64Array,
  d: number,
  idx: Int32Array,
  val: Float64Array,
  nnz: number,
  weights: Float64Array,
  slot: number,
  g: Float64Array,
  result: Float64Array,
): void {
  const w = weights[slot]!;
  sparseUpperMatVec(minv, d, idx, val, nnz, g);
  let q = 0;
  for (let k = 0; k < nnz; k++) q += val[k]! * g[idx[k]!]!;
  result[0] = q;
  if (w === 0) {
    result[1] = 0;
    g.fill(0, 0, d);
    return;
  }
  const denom = 1 + w * q;
  if (!(denom > 0) || !Number.isFinite(denom)) {
    throw new NumericalError(`Sherman–Morrison: 1 + w x'A^-1x = ${denom} (w = ${w}, q = ${q})`);
  }
  const c = Math.sqrt(w / denom);
  result[1] = c;
  for (let i = 0; i < d; i++) g[i] = c * g[i]!;
  for (let i = 0; i < d; i++) {
    const gi = g[i]!;
    if (gi === 0) continue;
    const row = i * d;
    let j = i;
    // unrolled by 4: ~30% faster in V8 on this, the update's dominant d^2 / 2 loop
    for (; j + 3 < d; j += 4) {
      const p = row + j;
      minv[p] = minv[p]! - gi * g[j]!;
      minv[p + 1] = minv[p + 1]! - gi * g[j + 1]!;
      minv[p + 2] = minv[p + 2]! - gi * g[j + 2]!;
      minv[p + 3] = minv[p + 3]! - gi * g[j + 3]!;
    }
    for (; j < d; j++) minv[row + j] = minv[row + j]! - gi * g[j]!;
  }
}
