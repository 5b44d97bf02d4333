/**
 * The simulator as a library: the same pieces the `router-sim` command line composes.
 *
 * ```ts
 * import { evaluateOffPolicy, replayPolicy, verifyDecisionLog } from './simulator/index.ts';
 * const report = await evaluateOffPolicy({ file: 'men.csv', format: 'obd', target: 'uniform', seed: 1 });
 * report.estimates.dr; // { value, ci95: [lo, hi] } — the object `router-sim ope --json` prints
 * ```
 */
export { main } from './cli/main.ts';
export type { CliIo } from './cli/args.ts';
export { runOpe } from './cli/commands/ope.ts';
export { runReplay } from './cli/commands/replay.ts';
export { runSimulate } from './cli/commands/simulate.ts';

export * from './logs/index.ts';
export * from './estimators/index.ts';
export * from './target/index.ts';
export * from './replay/index.ts';
