/**
 * A sparse vector in preallocated buffers: the first `nnz` entries of `indices` / `values` are the
 * non-zero slots (indices unique; the encoder emits them in ascending order, the linear algebra accepts
 * any order). Reused across calls: encoding into it
 * allocates nothing.
 */
export class SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
  nnz = 0;

  constructor(readonly capacity: number) {
    this.indices = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Dense copy into `out` (zeroed first) of length >= the largest index + 1. */
  toDense(out: Float64Array): Float64Array {
    out.fill(0);
    for (let k = 0; k < this.nnz; k++) out[this.indices[k]!] = out[this.indices[k]!]! + this.values[k]!;
    return out;
  }

  /** Squared Euclidean norm. */
  squaredNorm(): number {
    let s = 0;
    for (let k = 0; k < this.nnz; k++) s += this.values[k]! * this.values[k]!;
    return s;
  }
}
