/**
 * The learning state of one served policy: the policy itself, the outcome stream sequence its state
 * includes, and the decisions already applied (exactly-once by decisionId). Snapshots of all three are
 * plain JSON, tagged with the sequence, so a restart restores them and replays only what came after.
 */
import { InvalidStateError } from '../../policies/errors.ts';
import type { Policy, PolicySnapshot } from '../../policies/core/policy.ts';
import type { DecisionKind } from '../decisions/decision-record.ts';

export const SNAPSHOT_FORMAT = 'router-state/1';

export interface StateSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly seq: number;
  readonly policy: PolicySnapshot;
  /** [decisionId, ms the decision's TTL counts from] of applied decisions still within the TTL. */
  readonly applied: readonly (readonly [string, number])[];
}

export class PolicyState {
  /** Highest outcome stream sequence included. */
  seq = 0;
  private readonly applied = new Map<string, number>();

  /** The configured values (ROUTE_POLICY_PARAMS) of the params in `pinnedKeys`, as the policy holds them. */
  private readonly pinned: ReadonlyMap<string, string>;

  constructor(
    readonly policy: Policy,
    private readonly ttlMs: number,
    /** Which decisions this state learns from: `/v1/route`'s or `/v1/retry`'s. */
    readonly kind: DecisionKind = 'route',
    /** Params set by configuration: a restored snapshot that holds other values for them is reported. */
    pinnedKeys: readonly string[] = [],
  ) {
    const params = policy.params();
    this.pinned = new Map(pinnedKeys.map((k) => [k, JSON.stringify(params[k])] as const));
  }

  /**
   * The configured params whose values the policy no longer has (after `restore`: a snapshot learned with other
   * values keeps them, since its state was learned with them; a new ROUTER_NAMESPACE starts afresh).
   */
  overriddenParams(): string[] {
    const params = this.policy.params();
    return [...this.pinned].filter(([k, v]) => JSON.stringify(params[k]) !== v).map(([k]) => k);
  }

  /** The store's snapshot name: one per kind and policy, so changing one policy keeps the other's state. */
  get snapshotName(): string {
    return `${this.kind}:${this.policy.name}`;
  }

  hasApplied(decisionId: string): boolean {
    return this.applied.has(decisionId);
  }

  /**
   * `ttlFromMs`: when the decision's TTL starts counting (a route decision: when it was made; a retry: when
   * the retry was scheduled to run, since its outcome may come days after the decision).
   */
  markApplied(decisionId: string, ttlFromMs: number): void {
    this.applied.set(decisionId, ttlFromMs);
  }

  get appliedCount(): number {
    return this.applied.size;
  }

  /**
   * Forget applied decisions that expired before `streamTimeMs`: an outcome for them is rejected as expired
   * before the applied-set is consulted, so pruning never changes what is applied.
   */
  prune(streamTimeMs: number): void {
    const applied = this.applied;
    const ttlMs = this.ttlMs;
    // forEach rather than for-of over entries: no [id, at] array per entry (deleting while iterating is defined)
    applied.forEach((at, id) => {
      if (at + ttlMs < streamTimeMs) applied.delete(id);
    });
  }

  snapshot(): StateSnapshot {
    return { format: SNAPSHOT_FORMAT, seq: this.seq, policy: this.policy.snapshot(), applied: [...this.applied] };
  }

  restore(s: unknown): void {
    const snap = s as Partial<StateSnapshot> | null;
    if (!snap || snap.format !== SNAPSHOT_FORMAT || typeof snap.seq !== 'number' || !snap.policy || !Array.isArray(snap.applied)) {
      throw new InvalidStateError(this.policy.name, `not a ${SNAPSHOT_FORMAT} snapshot`);
    }
    this.policy.restore(snap.policy);
    this.seq = snap.seq;
    this.applied.clear();
    for (const [id, at] of snap.applied) this.applied.set(id, at);
  }
}
