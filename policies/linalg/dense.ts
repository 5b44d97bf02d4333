/**
 * Small dense matrices as row-major Float64Array(d * d), and the sparse-vector products the linear policies
 * need. Everything writes into caller-provided buffers: no allocation. Sparse vectors are given as
 * (indices, values, nnz) with unique indices.
 */

/** m <- scale * I. */
export function setIdentity(m: Float64Array, d: number, scale = 1): void {
  m.fill(0, 0, d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = scale;
}

/** out <- m x (dense). */
export function matVec(m: Float64Array, d: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    const row = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += m[row + j]! * x[j]!;
    out[i] = s;
  }
}

/** out <- a b (dense, d x d); out must not alias a or b. */
export function matMul(a: Float64Array, b: Float64Array, d: number, out: Float64Array): void {
  out.fill(0, 0, d * d);
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    for (let k = 0; k < d; k++) {
      const aik = a[ri + k]!;
      if (aik === 0) continue;
      const rk = k * d;
      for (let j = 0; j < d; j++) out[ri + j] = out[ri + j]! + aik * b[rk + j]!;
    }
  }
}

/** v . x for a sparse x. */
export function sparseDot(v: Float64Array, idx: Int32Array, val: Float64Array, nnz: number): number {
  let s = 0;
  for (let k = 0; k < nnz; k++) s += v[idx[k]!]! * val[k]!;
  return s;
}

/** x^T m x for a symmetric m and a sparse x: O(nnz^2), independent of d. */
export function sparseQuadForm(m: Float64Array, d: number, idx: Int32Array, val: Float64Array, nnz: number): number {
  let diag = 0;
  let off = 0;
  for (let k = 0; k < nnz; k++) {
    const ik = idx[k]!;
    const vk = val[k]!;
    const row = ik * d;
    diag += vk * vk * m[row + ik]!;
    let s = 0;
    for (let l = k + 1; l < nnz; l++) s += m[row + idx[l]!]! * val[l]!;
    off += vk * s;
  }
  return diag + 2 * off;
}

/** out <- m x for a symmetric m and sparse x (reads rows of m: contiguous). O(d nnz). */
export function sparseSymMatVec(m: Float64Array, d: number, idx: Int32Array, val: Float64Array, nnz: number, out: Float64Array): void {
  out.fill(0, 0, d);
  for (let k = 0; k < nnz; k++) {
    const vk = val[k]!;
    if (vk === 0) continue;
    const row = idx[k]! * d;
    for (let j = 0; j < d; j++) out[j] = out[j]! + vk * m[row + j]!;
  }
}

/**
 * out <- m x for a symmetric m of which only the UPPER triangle is valid (see shermanMorrisonSparseUpper),
 * and a sparse x. O(d nnz): the part of row k right of the diagonal is contiguous, the part left of it is
 * read down column k.
 */
export function sparseUpperMatVec(m: Float64Array, d: number, idx: Int32Array, val: Float64Array, nnz: number, out: Float64Array): void {
  out.fill(0, 0, d);
  for (let k = 0; k < nnz; k++) {
    const vk = val[k]!;
    if (vk === 0) continue;
    const r = idx[k]!;
    for (let j = 0; j < r; j++) out[j] = out[j]! + vk * m[j * d + r]!;
    const row = r * d;
    for (let j = r; j < d; j++) out[j] = out[j]! + vk * m[row + j]!;
  }
}

/** x^T m x for a symmetric m of which only the upper triangle is valid, and a sparse x: O(nnz^2). */
export function sparseUpperQuadForm(m: Float64Array, d: number, idx: Int32Array, val: Float64Array, nnz: number): number {
  let diag = 0;
  let off = 0;
  for (let k = 0; k < nnz; k++) {
    const ik = idx[k]!;
    const vk = val[k]!;
    diag += vk * vk * m[ik * d + ik]!;
    let s = 0;
    for (let l = k + 1; l < nnz; l++) {
      const il = idx[l]!;
      s += (ik < il ? m[ik * d + il]! : m[il * d + ik]!) * val[l]!;
    }
    off += vk * s;
  }
  return diag + 2 * off;
}

/** Copy the upper triangle of m onto its lower triangle (m becomes fully symmetric). */
export function mirrorUpper(m: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m[j * d + i] = m[i * d + j]!;
}

/** m <- m + w x x^T for a sparse x: O(nnz^2). Keeps m exactly symmetric. */
export function addSparseOuter(m: Float64Array, d: number, idx: Int32Array, val: Float64Array, nnz: number, w: number): void {
  SCRATCH[0] = w;
  addSparseOuterAt(m, d, idx, val, nnz, SCRATCH, 0);
}

const SCRATCH = new Float64Array(1);

/**
 * addSparseOuter with w = weights[slot] (and addSparseAt below): for hot paths whose weight is not a small
 * integer, which V8 would box in a new heap number when passed to a call it does not inline.
 */
export function addSparseOuterAt(m: Float64Array, d: number, idx: Int32Array, val: Float64Array, nnz: number, weights: Float64Array, slot: number): void {
  const w = weights[slot]!;
  for (let k = 0; k < nnz; k++) {
    const ik = idx[k]!;
    const wk = w * val[k]!;
    m[ik * d + ik] = m[ik * d + ik]! + wk * val[k]!;
    for (let l = k + 1; l < nnz; l++) {
      const il = idx[l]!;
      const t = wk * val[l]!;
      m[ik * d + il] = m[ik * d + il]! + t;
      m[il * d + ik] = m[il * d + ik]! + t;
    }
  }
}

/** v <- v + w x for a sparse x. */
export function addSparse(v: Float64Array, idx: Int32Array, val: Float64Array, nnz: number, w: number): void {
  for (let k = 0; k < nnz; k++) v[idx[k]!] = v[idx[k]!]! + w * val[k]!;
}

/** addSparse with w = weights[slot] (see addSparseOuterAt). */
export function addSparseAt(v: Float64Array, idx: Int32Array, val: Float64Array, nnz: number, weights: Float64Array, slot: number): void {
  const w = weights[slot]!;
  for (let k = 0; k < nnz; k++) v[idx[k]!] = v[idx[k]!]! + w * val[k]!;
}

/** Upper triangle (row by row, diagonal included) as a plain array: d (d + 1) / 2 numbers. */
export function packUpper(m: Float64Array, d: number): number[] {
  const out: number[] = new Array<number>((d * (d + 1)) / 2);
  let p = 0;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out[p++] = m[i * d + j]!;
  return out;
}

/** Inverse of packUpper: fill the symmetric matrix m from its packed upper triangle. */
export function unpackUpper(packed: readonly number[], d: number, m: Float64Array): void {
  let p = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = packed[p++]!;
      m[i * d + j] = v;
      m[j * d + i] = v;
    }
  }
}

/** Largest absolute entry-wise difference of the first n entries. */
export function maxAbsDiff(a: Float64Array, b: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (e > m || Number.isNaN(e)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

/** Largest absolute entry. */
export function maxAbs(a: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(a[i]!);
    if (e > m || Number.isNaN(e)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}
