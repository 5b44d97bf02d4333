/** Retry timing: network rules as data, the evaluator, the action space, and the retry policy wrapper. */
export * from './actions.ts';
export * from './context.ts';
export * from './fixed.ts';
export * from './retry-policy.ts';
export * from './rules.ts';
export * from './rules-table.ts';
export * from './factory.ts';
export * from './features.ts';
