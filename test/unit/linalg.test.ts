import { describe, expect, it } from 'vitest';
import {
  addSparseOuter,
  choleskyInPlace,
  invertLowerInPlace,
  matMul,
  maxAbsDiff,
  packUpper,
  setIdentity,
  shermanMorrisonSparse,
  sparseDot,
  sparseQuadForm,
  sparseSymMatVec,
  spdInverse,
  unpackUpper,
} from '../../policies/linalg/index.ts';
import { NumericalError } from '../../policies/errors.ts';

const A3 = new Float64Array([4, 12, -16, 12, 37, -43, -16, -43, 98]);

describe('Cholesky', () => {
  it('factorises the textbook example exactly', () => {
    const l = new Float64Array(A3);
    choleskyInPlace(l, 3);
    expect(Array.from(l)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it('inverts a lower-triangular matrix in place', () => {
    const l = new Float64Array([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    const orig = new Float64Array(l);
    invertLowerInPlace(l, 3);
    const prod = new Float64Array(9);
    matMul(orig, l, 3, prod);
    const id = new Float64Array(9);
    setIdentity(id, 3);
    expect(maxAbsDiff(prod, id, 9)).toBeLessThan(1e-12);
  });

  it('spdInverse gives the inverse, exactly symmetric, leaving A untouched', () => {
    const a = new Float64Array(A3);
    const inv = new Float64Array(9);
    spdInverse(a, 3, inv, new Float64Array(9));
    expect(Array.from(a)).toEqual(Array.from(A3));
    const prod = new Float64Array(9);
    matMul(a, inv, 3, prod);
    const id = new Float64Array(9);
    setIdentity(id, 3);
    expect(maxAbsDiff(prod, id, 9)).toBeLessThan(1e-10);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(inv[i * 3 + j]).toBe(inv[j * 3 + i]);
    // known inverse of the example: [[49.36, -13.56, 2.22], [-13.56, 3.78, -0.56], [2.22, -0.56, 0.11]]
    expect(inv[0]).toBeCloseTo(49.36111, 4);
    expect(inv[8]).toBeCloseTo(0.11111, 4);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => choleskyInPlace(new Float64Array([1, 2, 2, 1]), 2)).toThrow(NumericalError);
    expect(() => choleskyInPlace(new Float64Array([0, 0, 0, 1]), 2)).toThrow(/pivot 0/);
    expect(() => spdInverse(new Float64Array([1, Number.NaN, Number.NaN, 1]), 2, new Float64Array(4), new Float64Array(4))).toThrow(NumericalError);
  });
});

describe('sparse products', () => {
  const d = 5;
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j] = 1 / (1 + i + j); // Hilbert: symmetric
  const idx = new Int32Array([3, 0, 4]);
  const val = new Float64Array([2, -1, 0.5]);
  const dense = new Float64Array([-1, 0, 0, 2, 0.5]);

  it('quadratic form, dot and mat-vec agree with the dense computation', () => {
    let q = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) q += dense[i]! * m[i * d + j]! * dense[j]!;
    expect(sparseQuadForm(m, d, idx, val, 3)).toBeCloseTo(q, 14);
    const v = new Float64Array([1, 2, 3, 4, 5]);
    expect(sparseDot(v, idx, val, 3)).toBe(-1 + 8 + 2.5);
    const out = new Float64Array(d);
    sparseSymMatVec(m, d, idx, val, 3, out);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += m[i * d + j]! * dense[j]!;
      expect(out[i]).toBeCloseTo(s, 14);
    }
  });

  it('addSparseOuter adds w x x^T and keeps exact symmetry', () => {
    const a = new Float64Array(d * d);
    addSparseOuter(a, d, idx, val, 3, 0.3);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        expect(a[i * d + j]).toBeCloseTo(0.3 * dense[i]! * dense[j]!, 15);
        expect(a[i * d + j]).toBe(a[j * d + i]);
      }
    }
  });

  it('Sherman–Morrison equals the fresh inverse and returns q and g', () => {
    const a = new Float64Array(d * d);
    setIdentity(a, d, 2);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = a[i * d + j]! + 0.1 * m[i * d + j]!;
    const ainv = new Float64Array(d * d);
    spdInverse(a, d, ainv, new Float64Array(d * d));
    const qExpected = sparseQuadForm(ainv, d, idx, val, 3);
    const g = new Float64Array(d);
    const q = shermanMorrisonSparse(ainv, d, idx, val, 3, 0.7, g);
    expect(q).toBeCloseTo(qExpected, 14);
    addSparseOuter(a, d, idx, val, 3, 0.7);
    const fresh = new Float64Array(d * d);
    spdInverse(a, d, fresh, new Float64Array(d * d));
    expect(maxAbsDiff(ainv, fresh, d * d)).toBeLessThan(1e-13);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(ainv[i * d + j]).toBe(ainv[j * d + i]);
  });

  it('Sherman–Morrison with w = 0 changes nothing', () => {
    const ainv = new Float64Array(d * d);
    setIdentity(ainv, d, 0.5);
    const before = new Float64Array(ainv);
    const g = new Float64Array(d);
    expect(shermanMorrisonSparse(ainv, d, idx, val, 3, 0, g)).toBeCloseTo(0.5 * (4 + 1 + 0.25), 15);
    expect(Array.from(ainv)).toEqual(Array.from(before));
    expect(Array.from(g)).toEqual([0, 0, 0, 0, 0]);
  });

  it('packUpper / unpackUpper round-trip a symmetric matrix', () => {
    const packed = packUpper(m, d);
    expect(packed.length).toBe(15);
    const back = new Float64Array(d * d);
    unpackUpper(packed, d, back);
    expect(Array.from(back)).toEqual(Array.from(m));
  });
});
