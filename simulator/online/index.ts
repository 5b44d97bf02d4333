/**
 * On-policy simulation against a synthetic world (see `simulator/worlds/index.ts`).
 *
 * ```ts
 * import { runExperiment } from './simulator/online/index.ts';
 * const result = runExperiment({
 *   scenario: 'stable', n: 20_000, seeds: 5, seed: 1, batch: 50,
 *   policies: ['thompson', 'best-static', 'oracle', { name: 'epsilon-greedy', params: { epsilon: 0.05 } }],
 * });
 * result.policies[0].approvalRate.mean;  // also .regret, .netRevenueEur, .curves, .calibration ...
 * ```
 * Lower level: `runSeed(world, policies, seed, { n, batch })` runs given Policy instances in lockstep over
 * one seed; `createReferencePolicy('oracle' | 'best-static', world)` gives the reference lines.
 */
export { runSeed, approvalReward, unitWeight } from './runner.ts';
export type { Curves, PolicyRun, RewardFunction, RunSeedOptions, WeightFunction } from './runner.ts';
export { runExperiment, instantiatePolicy } from './experiment.ts';
export type { CurveBand, ExperimentOptions, ExperimentResult, PolicySpec, PolicySummary } from './experiment.ts';
export { createReferencePolicy, isReferencePolicyName, REFERENCE_POLICY_NAMES } from './reference-policies.ts';
export type { ReferencePolicyName } from './reference-policies.ts';
export { spreadOf, tQuantile975 } from './spread.ts';
export type { Spread } from './spread.ts';
export { OutcomeQueue } from './outcome-queue.ts';
export { decisionIdOf, decisionRecord, outcomeRecord } from './decision-log-writer.ts';
export type { DecisionLogSink } from './decision-log-writer.ts';
export { groundTruthValue } from './policy-value.ts';
export type { PolicyValue } from './policy-value.ts';
