/** Public surface of the policy core. */
export * from './errors.ts';
export * from './core/context.ts';
export * from './core/decision-buffer.ts';
export * from './core/policy.ts';
export * from './core/rng.ts';
export * from './core/sampling.ts';
export * from './registry.ts';
