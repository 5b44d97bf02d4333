/**
 * Cholesky factorisation A = L L^T of a symmetric positive definite matrix, and the inverse of A from it,
 * used to re-factorise the ridge models' inverses from A (periodically, after Sherman–Morrison updates, and
 * when the regularisation changes). Row-major Float64Array, in place or into caller buffers.
 * Cost: d^3 / 6 multiply-adds for the factorisation, about d^3 / 2 for the inverse.
 */
import { NumericalError } from '../errors.ts';

/**
 * Overwrite m's lower triangle with L (A = L L^T) and zero the strict upper triangle. Reads only the lower
 * triangle of m. Throws NumericalError if m is not (numerically) positive definite.
 */
export function choleskyInPlace(m: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    const rj = j * d;
    let s = m[rj + j]!;
    for (let k = 0; k < j; k++) s -= m[rj + k]! * m[rj + k]!;
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new NumericalError(`Cholesky: matrix is not positive definite (pivot ${j} = ${s})`);
    }
    const ljj = Math.sqrt(s);
    m[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let t = m[ri + j]!;
      for (let k = 0; k < j; k++) t -= m[ri + k]! * m[rj + k]!;
      m[ri + j] = t * inv;
    }
    for (let k = j + 1; k < d; k++) m[rj + k] = 0;
  }
}

/**
 * Overwrite a lower-triangular L (non-zero diagonal) with L^-1, in place, row by row:
 * row i of L^-1 = (e_i - sum_{k<i} L[i][k] (row k of L^-1)) / L[i][i], accumulated in `row` (length d) with
 * contiguous row updates (rows k < i already hold L^-1).
 */
export function invertLowerInPlace(l: Float64Array, d: number, row: Float64Array = new Float64Array(d)): void {
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    row.fill(0, 0, i + 1);
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k]!;
      if (lik === 0) continue;
      const rk = k * d;
      for (let j = 0; j <= k; j++) row[j] = row[j]! - lik * l[rk + j]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let j = 0; j < i; j++) l[ri + j] = row[j]! * inv;
    l[ri + i] = inv;
  }
}

/**
 * out <- A^-1 for symmetric positive definite A, via Cholesky: A^-1 = L^-T L^-1. `work` (d * d) is
 * scratch; `a` is left untouched (out must not alias a or work). out is exactly symmetric. Throws NumericalError if A is not positive
 * definite.
 */
export function spdInverse(a: Float64Array, d: number, out: Float64Array, work: Float64Array): void {
  const dd = d * d;
  for (let i = 0; i < dd; i++) work[i] = a[i]!;
  choleskyInPlace(work, d);
  // out's first row is free until the product below: use it as the row buffer
  invertLowerInPlace(work, d, out);
  // out = W^T W with W = L^-1 lower triangular: out[i][j] = sum_{k >= max(i,j)} W[k][i] W[k][j].
  out.fill(0, 0, dd);
  for (let k = 0; k < d; k++) {
    const rk = k * d;
    for (let i = 0; i <= k; i++) {
      const wki = work[rk + i]!;
      if (wki === 0) continue;
      const ri = i * d;
      for (let j = i; j <= k; j++) out[ri + j] = out[ri + j]! + wki * work[rk + j]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[j * d + i] = out[i * d + j]!;
}

/** log det A from its Cholesky factor L (2 sum log L_ii). */
export function logDetFromCholesky(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!);
  return 2 * s;
}
