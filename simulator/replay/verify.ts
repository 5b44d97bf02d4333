/**
 * Bit-exact replay of the router's own decision log: rebuild the policy from its initial state (fresh with
 * `params`, or a snapshot), then walk the log in the order the router processed it. For each decision:
 * reseed the Rng with the logged (seed, key), call `decide` on the logged context and candidates, and
 * compare the chosen route, the probabilities and the observation count with the log, bit for bit. For each
 * outcome: apply `update(decision.context, decision.chosen, reward, weight)` with the logged reward and
 * weight. Any difference is reported with its line number: it means the policy code, its params, the
 * initial state or the log's order differ from what the router ran.
 */
import type { PolicyFactory, PolicySnapshot } from '../../policies/core/policy.ts';
import { DecisionBuffer, MAX_CANDIDATES } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidArgumentError, LogFormatError } from '../../policies/errors.ts';
import { createPolicy } from '../../policies/registry.ts';
import { forEachDecisionLogRecord, type DecisionRecord } from '../logs/decision-log.ts';
import type { BadRow } from '../logs/row.ts';

export interface VerifyOptions {
  readonly file: string;
  /** Policy to replay; default: the `policy` of the first decision of `kind`. */
  readonly policy?: string;
  readonly params?: { readonly [key: string]: unknown };
  readonly snapshot?: PolicySnapshot;
  /** Build the policy with this factory instead of the registry (tests, policies not registered yet). */
  readonly factory?: PolicyFactory;
  /** Which decisions to verify: "route" (default) or "retry". */
  readonly kind?: string;
  /** Mismatches kept in the report (all are counted); default 20. */
  readonly keep?: number;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  readonly onBadRow?: (bad: BadRow) => void;
}

export interface Mismatch {
  readonly line: number;
  readonly decisionId: string;
  readonly field: 'chosen' | 'probabilities' | 'observations' | 'seed' | 'policy';
  readonly logged: unknown;
  readonly replayed: unknown;
}

export interface VerifyReport {
  readonly policy: string;
  readonly kind: string;
  /** Decisions of this kind and policy replayed. */
  readonly decisions: number;
  /** Decisions whose chosen route, probabilities and observation count all matched. */
  readonly reproduced: number;
  readonly mismatched: number;
  readonly mismatches: readonly Mismatch[];
  readonly outcomesApplied: number;
  /** Decisions of other kinds or policies (not replayed) and their outcomes. */
  readonly skipped: number;
  /** Decisions never followed by an outcome. */
  readonly withoutOutcome: number;
  readonly bad: number;
  readonly badSamples: readonly BadRow[];
}

export async function verifyDecisionLog(options: VerifyOptions): Promise<VerifyReport> {
  const kind = options.kind ?? 'route';
  const keep = options.keep ?? 20;
  let name = options.policy ?? null;
  let policy: ReturnType<typeof createPolicy> | null = null;
  const rng = new Rng(0);
  const out = new DecisionBuffer(MAX_CANDIDATES);
  const pending = new Map<string, DecisionRecord>();
  const skippedIds = new Set<string>();
  const mismatches: Mismatch[] = [];
  let decisions = 0, reproduced = 0, mismatched = 0, outcomesApplied = 0, skipped = 0;
  const miss = (m: Mismatch): void => {
    if (mismatches.length < keep) mismatches.push(m);
  };
  const result = await forEachDecisionLogRecord(
    options.file,
    (r) => {
      if (r.type === 'decision') {
        if (r.kind !== kind || (name !== null && r.policy !== null && r.policy !== name)) {
          skipped++;
          skippedIds.add(r.decisionId);
          return;
        }
        if (policy === null) {
          name ??= r.policy;
          if (name === null) throw new InvalidArgumentError('--policy', `the log does not name the policy of its ${kind} decisions; pass --policy`);
          policy = options.factory ? options.factory(options.params ?? {}) : createPolicy(name, options.params ?? {});
          if (options.snapshot) policy.restore(options.snapshot);
        }
        decisions++;
        pending.set(r.decisionId, r);
        if (r.seed === null || r.key === null) {
          mismatched++;
          miss({ line: r.line, decisionId: r.decisionId, field: 'seed', logged: { seed: r.seed, key: r.key }, replayed: 'cannot replay without seed and key' });
          return;
        }
        if (r.candidates.length > out.capacity) return `candidates: ${r.candidates.length} exceed the policy limit ${out.capacity}`;
        let ok = true;
        if (r.observations !== null && r.observations !== policy.observations) {
          ok = false;
          miss({ line: r.line, decisionId: r.decisionId, field: 'observations', logged: r.observations, replayed: policy.observations });
        }
        rng.reseed(r.seed, r.key);
        policy.decide(r.context, r.candidates, rng, out);
        const chosen = r.candidates[out.chosen];
        if (chosen !== r.chosen) {
          ok = false;
          miss({ line: r.line, decisionId: r.decisionId, field: 'chosen', logged: r.chosen, replayed: chosen });
        } else if (r.probabilities !== null) {
          for (let i = 0; i < r.candidates.length; i++) {
            if (out.probabilities[i] !== r.probabilities[i]) {
              ok = false;
              miss({ line: r.line, decisionId: r.decisionId, field: 'probabilities', logged: r.probabilities, replayed: Array.from(out.probabilities.subarray(0, r.candidates.length)) });
              break;
            }
          }
        }
        if (ok) reproduced++;
        else mismatched++;
        return;
      }
      if (skippedIds.delete(r.decisionId)) {
        skipped++;
        return;
      }
      const d = pending.get(r.decisionId);
      if (!d) return `decisionId: outcome for an unknown or already-applied decision "${r.decisionId}"`;
      pending.delete(r.decisionId);
      policy!.update(d.context, d.chosen, r.reward, r.weight);
      outcomesApplied++;
    },
    {
      ...(options.onProgress ? { onBytes: options.onProgress } : {}),
      ...(options.onBadRow ? { onBadRow: options.onBadRow } : {}),
    },
  );
  result.bad.check(result.decisions + result.outcomes);
  if (decisions === 0) throw new LogFormatError(options.file, 0, `no ${kind} decisions${name ? ` of policy "${name}"` : ''} to replay`);
  return {
    policy: name!,
    kind,
    decisions,
    reproduced,
    mismatched,
    mismatches,
    outcomesApplied,
    skipped,
    withoutOutcome: pending.size,
    bad: result.bad.count,
    badSamples: result.bad.samples,
  };
}
