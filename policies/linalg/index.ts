/** Small dense linear algebra for the linear policies (row-major Float64Array, allocation-free). */
export * from './dense.ts';
export * from './cholesky.ts';
export * from './sherman-morrison.ts';
