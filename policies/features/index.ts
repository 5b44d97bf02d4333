/** Feature encoding of contexts for the linear policies: spec, hashing, encoder, sparse vectors. */
export * from './spec.ts';
export * from './encoder.ts';
export * from './sparse-vector.ts';
export { Hasher, fmix32, hashName, hashValue } from './hash.ts';
