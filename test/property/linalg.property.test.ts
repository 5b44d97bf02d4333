import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addSparseOuter, matMul, maxAbsDiff, mirrorUpper, setIdentity, shermanMorrisonSparse, shermanMorrisonSparseUpper, sparseQuadForm, sparseUpperQuadForm, spdInverse } from '../../policies/linalg/index.ts';

/** A random sparse vector over d slots (unique indices). */
const sparse = (d: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: d - 1 }), { minLength: 1, maxLength: Math.min(d, 8) }).chain((idx) =>
    fc.tuple(fc.constant(idx), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: idx.length, maxLength: idx.length })),
  );

describe('linalg properties', () => {
  it('spdInverse(A) A = I for random SPD A = lambda I + sum x x^T', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.double({ min: 0.05, max: 10, noNaN: true }), fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 24, maxLength: 24 }), { maxLength: 30 }), (d, lambda, rows) => {
        const a = new Float64Array(d * d);
        setIdentity(a, d, lambda);
        for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = a[i * d + j]! + r[i]! * r[j]!;
        const inv = new Float64Array(d * d);
        spdInverse(a, d, inv, new Float64Array(d * d));
        const prod = new Float64Array(d * d);
        matMul(a, inv, d, prod);
        const id = new Float64Array(d * d);
        setIdentity(id, d);
        // error grows with the condition number (<= (lambda + sum |x|^2) / lambda)
        let trace = 0;
        for (let i = 0; i < d; i++) trace += a[i * d + i]!;
        expect(maxAbsDiff(prod, id, d * d)).toBeLessThan(1e-12 * (trace / lambda) * d + 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('a sequence of weighted Sherman–Morrison updates equals the fresh inverse', () => {
    const d = 12;
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 5, noNaN: true }), fc.array(fc.tuple(sparse(d), fc.double({ min: 0, max: 3, noNaN: true })), { minLength: 1, maxLength: 60 }), (lambda, updates) => {
        const a = new Float64Array(d * d);
        const ainv = new Float64Array(d * d);
        const upper = new Float64Array(d * d);
        setIdentity(a, d, lambda);
        setIdentity(ainv, d, 1 / lambda);
        setIdentity(upper, d, 1 / lambda);
        const g = new Float64Array(d);
        const g2 = new Float64Array(d);
        const result = new Float64Array(2);
        for (const [[idx, val], w] of updates) {
          const ii = Int32Array.from(idx);
          const vv = Float64Array.from(val);
          // the upper-triangle variant reads the same quadratic form and produces the same g
          expect(sparseUpperQuadForm(upper, d, ii, vv, ii.length)).toBeCloseTo(sparseQuadForm(ainv, d, ii, vv, ii.length), 9);
          const q = shermanMorrisonSparse(ainv, d, ii, vv, ii.length, w, g);
          shermanMorrisonSparseUpper(upper, d, ii, vv, ii.length, w, g2, result);
          expect(result[0]).toBeCloseTo(q, 9);
          expect(maxAbsDiff(g, g2, d)).toBeLessThan(1e-9);
          addSparseOuter(a, d, ii, vv, ii.length, w);
        }
        const fresh = new Float64Array(d * d);
        spdInverse(a, d, fresh, new Float64Array(d * d));
        expect(maxAbsDiff(ainv, fresh, d * d)).toBeLessThan(1e-9 / lambda);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(ainv[i * d + j]).toBe(ainv[j * d + i]);
        mirrorUpper(upper, d);
        expect(maxAbsDiff(upper, fresh, d * d)).toBeLessThan(1e-9 / lambda);
      }),
      { numRuns: 200 },
    );
  });
});
