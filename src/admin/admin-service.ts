/**
 * The admin API behind `GET /v1/policies` and `PATCH /v1/policies/{name}`, for both served policies (the
 * route policy and the retry policy). A name is resolved to the route policy when it is the route
 * policy's, else to the retry policy; `kind` ("route" or "retry") picks one explicitly when both policies
 * have the same name (the defaults do). A change is validated here (on a copy of the policy: a bad value is
 * a 400 naming the field and changes nothing), then published on the outcome stream so every replica
 * applies it at the same position and a restart replays it; the answer waits (briefly) until this replica
 * has applied it.
 */
import { HttpError, ERROR_CODES, InvalidConfigError } from '../../policies/errors.ts';
import type { Policy } from '../../policies/core/policy.ts';
import type { Bus } from '../bus/bus.ts';
import type { Learner } from '../learning/learner.ts';
import type { PolicyState } from '../learning/policy-state.ts';
import type { ServedPolicies } from '../learning/served-policies.ts';
import type { AdminChange } from '../learning/admin-change.ts';
import type { DecisionKind } from '../decisions/decision-record.ts';
import type { Store } from '../store/store.ts';
import type { PolicyInfo } from '../http/schemas.ts';

const encoder = new TextEncoder();

export interface AdminServiceDeps {
  readonly policies: ServedPolicies;
  readonly bus: Bus;
  readonly store: Store;
  readonly learner: Learner;
  readonly adminSubject: string;
  readonly applyTimeoutMs?: number;
  /** Builds a copy of a served policy to validate a change on. */
  readonly policyFactory: (kind: DecisionKind, name: string, params?: { readonly [key: string]: unknown }) => Policy;
}

export class AdminService {
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();

  constructor(private readonly deps: AdminServiceDeps) {}

  /** The policies this router serves: the route policy, then the retry policy. */
  list(): PolicyInfo[] {
    return this.deps.policies.all.map((s) => this.info(s));
  }

  private info(state: PolicyState): PolicyInfo {
    const p = state.policy;
    return { name: p.name, kind: state.kind, active: true, params: { ...p.params() }, observations: p.observations, version: p.version };
  }

  private served(name: string, kind: DecisionKind | undefined): PolicyState {
    const { route, retry } = this.deps.policies;
    const found = kind !== undefined ? this.deps.policies.of(kind) : name === route.policy.name ? route : retry;
    if (found.policy.name !== name) {
      const which = kind !== undefined ? `${kind} policy` : 'router';
      throw new HttpError(404, ERROR_CODES.NOT_FOUND, `name: policy "${name}" is not served by this ${which} (route policy: ${route.policy.name}, retry policy: ${retry.policy.name})`);
    }
    return found;
  }

  async patch(name: string, patch: { readonly [key: string]: unknown }, kind?: DecisionKind): Promise<PolicyInfo> {
    const state = this.served(name, kind);
    const current = state.policy;
    if (Object.keys(patch).length === 0) throw new InvalidConfigError('params', 'no tunable to change');
    // validate on a copy: throws InvalidConfigError naming the field
    const probe = this.deps.policyFactory(state.kind, current.name, current.params());
    probe.tune(patch);
    const change: AdminChange = { type: 'tune', kind: state.kind, policy: name, patch };
    const seq = await this.deps.bus.publish(this.deps.adminSubject, encoder.encode(JSON.stringify(change)), { timeoutMs: 2000 });
    await this.appliedThrough(seq);
    return this.info(state);
  }

  private appliedThrough(seq: number): Promise<void> {
    if (this.deps.policies.seq >= seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { seq, resolve: () => resolve() };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) {
          reject(new HttpError(503, ERROR_CODES.DEPENDENCY_UNAVAILABLE, `change published at stream sequence ${seq} but not applied yet (applied through ${this.deps.policies.seq}); it will apply when the consumer catches up`));
        }
      }, this.deps.applyTimeoutMs ?? 5000).unref();
    });
  }

  /** Called after each applied stream message. */
  onApplied(seq: number): void {
    for (const w of this.waiters) {
      if (seq >= w.seq) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  stateOf(name: string, kind?: DecisionKind): { name: string; seq: number; snapshot: unknown } {
    const snap = this.served(name, kind).snapshot();
    return { name, seq: snap.seq, snapshot: snap.policy };
  }

  async deadLetters(limit: number): Promise<unknown[]> {
    const rows = await this.deps.store.listDeadLetters(limit);
    return rows.map((r) => JSON.parse(r) as unknown);
  }
}
