/** Replay: the Li et al. (2011) replay method over any log, and the bit-exact replay of a decision log. */
export { replayPolicy } from './li-replay.ts';
export type { ReplayOptions, ReplayPoint, ReplayReport } from './li-replay.ts';
export { verifyDecisionLog } from './verify.ts';
export type { Mismatch, VerifyOptions, VerifyReport } from './verify.ts';
