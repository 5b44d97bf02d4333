/** Linear contextual bandits on encoded contexts: LinUCB and Linear Thompson sampling. */
export { createLinUcbPolicy, LINUCB_NAME, LINUCB_VERSION, LINUCB_DEFAULT_ALPHA } from './linucb.ts';
export { createLinTsPolicy, LINTS_NAME, LINTS_VERSION, LINTS_DEFAULT_V } from './lints.ts';
export { type LinearPolicy, type LinearRule, createLinearPolicy } from './linear-policy.ts';
export { type LinearParams, LINEAR_DEFAULTS, parseLinearParams } from './linear-params.ts';
export { RidgeModel, RidgeStore, type RidgeSettings } from './ridge-store.ts';
