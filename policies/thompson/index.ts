/** Beta-Bernoulli Thompson sampling (registry name `thompson`). */
export { createThompsonPolicy, THOMPSON_VERSION } from './thompson.ts';
export { parseThompsonParams, THOMPSON_DEFAULTS, type ThompsonParams } from './params.ts';
export { checkCandidates, checkRewardWeight, DEFAULT_FLOOR } from './decision-checks.ts';
