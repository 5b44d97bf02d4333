/**
 * The learning state of one served policy: the policy itself and the outcome stream sequence its state
 * includes. Snapshots of both are plain JSON, tagged with the sequence, so a restart restores them and
 * replays only what came after. Which outcome of a decision is applied (exactly once) is not held here:
 * the store marks the first one accepted (`Store.markOutcomes`), so a snapshot's size does not grow with
 * traffic.
 */
import { InvalidStateError } from '../../policies/errors.ts';
import type { Policy, PolicySnapshot } from '../../policies/core/policy.ts';
import type { DecisionKind } from '../decisions/decision-record.ts';

export const SNAPSHOT_FORMAT = 'router-state/2';
/**
 * The earlier format, still restored: it also listed the decisions applied within the TTL, which the
 * store's marks replace; `restore` answers them, for the learner to mark (APPLIED_BEFORE_MARKS) before
 * it consumes, so that an outcome for one of them after the upgrade is still a duplicate.
 */
const SNAPSHOT_FORMAT_1 = 'router-state/1';

export interface StateSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly seq: number;
  readonly policy: PolicySnapshot;
}

export class PolicyState {
  /** Highest outcome stream sequence included. */
  seq = 0;

  /** The configured values (ROUTE_POLICY_PARAMS) of the params in `pinnedKeys`, as the policy holds them. */
  private readonly pinned: ReadonlyMap<string, string>;

  constructor(
    readonly policy: Policy,
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

  snapshot(): StateSnapshot {
    return { format: SNAPSHOT_FORMAT, seq: this.seq, policy: this.policy.snapshot() };
  }

  /**
   * Restore a snapshot; answers the decisions an earlier-format snapshot lists as applied (none for the
   * current format).
   */
  restore(s: unknown): string[] {
    const snap = s as { format?: unknown; seq?: unknown; policy?: PolicySnapshot; applied?: unknown } | null;
    const earlier = snap?.format === SNAPSHOT_FORMAT_1;
    if (!snap || (snap.format !== SNAPSHOT_FORMAT && !earlier) || typeof snap.seq !== 'number' || !snap.policy || (earlier && !Array.isArray(snap.applied))) {
      throw new InvalidStateError(this.policy.name, `not a ${SNAPSHOT_FORMAT} snapshot (nor a ${SNAPSHOT_FORMAT_1} one)`);
    }
    const applied = earlier ? (snap.applied as unknown[]).flatMap((e) => (Array.isArray(e) && typeof e[0] === 'string' ? [e[0]] : [])) : [];
    this.policy.restore(snap.policy);
    this.seq = snap.seq;
    return applied;
  }
}
