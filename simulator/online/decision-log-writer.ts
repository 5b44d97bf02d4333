/**
 * Writes a simulated policy's decisions and applied outcomes in the router's decision-log format (JSONL,
 * see the brief / docs/simulator-ope.md): a `decision` record when the policy decides, an `outcome` record
 * when the outcome is applied to it (so delayed and batched outcomes appear where the policy learned from
 * them). `seed` + `key` reproduce each decision's Rng, so `router-sim replay --verify` can replay the log
 * bit-exactly, and `router-sim ope` can be checked against the simulator's known ground truth.
 */
import type { PaymentContext } from '../../policies/core/context.ts';
import type { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import type { Policy } from '../../policies/core/policy.ts';
import type { Outcome } from '../worlds/index.ts';

export interface DecisionLogSink {
  /** Receives one complete line (JSON + "\n"). */
  write(line: string): void;
}

export function decisionIdOf(seed: number, t: number): string {
  return `d-${seed}-${t}`;
}

export function decisionRecord(
  policy: Policy,
  seed: number,
  t: number,
  context: PaymentContext,
  candidates: readonly string[],
  out: DecisionBuffer,
): string {
  const plain = out.toPlain(candidates);
  return `${JSON.stringify({
    type: 'decision',
    decisionId: decisionIdOf(seed, t),
    kind: 'route',
    at: new Date(context.occurredAtMs).toISOString(),
    policy: policy.name,
    policyVersion: policy.version,
    seed,
    key: String(t),
    observations: policy.observations,
    context,
    candidates,
    probabilities: plain.probabilities,
    scores: plain.scores,
    chosen: plain.route,
    propensity: plain.propensity,
  })}\n`;
}

export function outcomeRecord(seed: number, t: number, context: PaymentContext, outcome: Outcome, reward: number, weight: number): string {
  return `${JSON.stringify({
    type: 'outcome',
    decisionId: decisionIdOf(seed, t),
    approved: outcome.approved,
    responseCode: outcome.responseCode,
    feeMinor: outcome.feeMinor,
    latencyMs: outcome.latencyMs,
    occurredAt: new Date(context.occurredAtMs + outcome.latencyMs).toISOString(),
    reward,
    weight,
  })}\n`;
}
