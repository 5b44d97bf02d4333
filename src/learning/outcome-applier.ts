/**
 * Applies the outcome stream to the served policies' states, one message at a time in stream order, so
 * every replica that reads the same stream from the same snapshots reaches the same state. Each outcome is
 * joined to its decision (stored with a TTL) and applied to the state of the decision's kind (route or
 * retry) exactly once: only the first outcome accepted for a decision is applied, and the store keeps
 * which one that is (its stream sequence, marked in the join's round trip, for as long as the record
 * lives), so every replica and every restart from any snapshot applies the same one. Then it is
 * acknowledged; unknown, expired and malformed ones are counted and dead-lettered once. Admin changes travel on the same stream, so they reach every replica at the same
 * position and are replayed after a restart.
 */
import { RouterError } from '../../policies/errors.ts';
import type { BusMessage } from '../bus/bus.ts';
import { decidedAtOf } from '../decisions/decision-id.ts';
import type { DecisionLog, OutcomeRecord } from '../decisions/decision-log.ts';
import { ttlStartOf } from '../decisions/decision-record.ts';
import { parseJoinedDecision, type JoinedDecision } from '../decisions/join-record.ts';
import type { RecentDecisions } from '../decisions/recent-decisions.ts';
import type { ApprovalWindow } from '../metrics/approval-window.ts';
import type { Metrics, RejectReason } from '../metrics/metrics.ts';
import type { Store } from '../store/store.ts';
import type { AdminChange } from './admin-change.ts';
import { parseAdminChange } from './admin-change.ts';
import { expiredById, parseOutcomeMessage } from './outcome-message.ts';
import type { RewardOf } from './reward.ts';
import type { ServedPolicies } from './served-policies.ts';

/** An outcome record under construction (complete once reward and weight are set). */
type PartialOutcomeRecord = { -readonly [K in keyof OutcomeRecord]?: OutcomeRecord[K] };
const decoder = new TextDecoder();

export interface DeadLetter {
  readonly seq: number;
  readonly subject: string;
  readonly reason: RejectReason;
  readonly detail: string;
  /** Stream time of the message. */
  readonly at: string;
  readonly payload: string;
}

export interface OutcomeApplierDeps {
  readonly policies: ServedPolicies;
  readonly store: Store;
  readonly recent: RecentDecisions;
  readonly metrics: Metrics;
  readonly approval: ApprovalWindow;
  readonly log: DecisionLog;
  /** Reward of route outcomes. */
  readonly rewardOf: RewardOf;
  /** Reward of retry outcomes (default: the route reward). */
  readonly retryRewardOf?: RewardOf;
  readonly ttlMs: number;
  readonly adminSubject: string;
  readonly deadLetter: (entry: DeadLetter) => void;
  readonly onAdmin?: (change: AdminChange, error: unknown) => void;
  readonly onApplied?: (seq: number) => void;
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
  /** How long an outcome waits for its decision record to appear (write-behind after a store outage). */
  readonly joinGraceMs?: number;
  /** Called before each retry while the store is unreachable. */
  readonly isStopping?: () => boolean;
}

/** A state's `router_policy_observations` series, for the policy it serves now. */
interface ObservationSeries {
  readonly policy: string;
  readonly cell: { set(value: number): void };
}

export class OutcomeApplier {
  private readonly now: () => number;
  private storeUpSince = 0;
  // the per-outcome series resolved once (prom-client hashes, and for a gauge sorts, the labels on every call)
  private readonly receivedFromStream: { inc(): void };
  private readonly appliedRoute: { inc(): void };
  private readonly appliedRetry: { inc(): void };
  private readonly observations = new Map<object, ObservationSeries>();

  constructor(private readonly deps: OutcomeApplierDeps) {
    this.now = deps.now ?? Date.now;
    this.receivedFromStream = deps.metrics.receivedCells.cell({ source: 'stream' });
    this.appliedRoute = deps.metrics.appliedCells.cell({ kind: 'route' });
    this.appliedRetry = deps.metrics.appliedCells.cell({ kind: 'retry' });
    deps.store.onState((s) => {
      if (s === 'connected' || s === 'memory') this.storeUpSince = this.now();
    });
  }

  /** Bus handler: resolves once the message is applied (or rejected) and acknowledged. */
  readonly handle = async (msg: BusMessage): Promise<void> => {
    const { policies, metrics } = this.deps;
    if (msg.seq <= policies.seq) {
      msg.ack(); // already included in every state (redelivery, or replay overlapping the snapshots)
      return;
    }
    if (msg.subject === this.deps.adminSubject) {
      this.applyAdmin(msg);
      this.advance(msg);
      return;
    }
    // a message some state has already handled (one state's snapshot is behind the other's) was counted then
    if (msg.seq > policies.handledSeq) this.receivedFromStream.inc();
    const payload = decoder.decode(msg.data);
    const parsed = parseOutcomeMessage(payload);
    if (!parsed.ok) {
      this.reject(msg, payload, 'malformed', parsed.detail);
      return;
    }
    const outcome = parsed.outcome;
    // the state of its kind already includes it (the other state had caught up to here): before the join,
    // so that an outcome this state has handled never takes its decision's mark now
    if (policies.includesOutcome(outcome.decisionId, msg.seq)) {
      this.advance(msg);
      return;
    }
    if (expiredById(outcome.decisionId, msg.timestampMs, this.deps.ttlMs)) {
      this.reject(msg, payload, 'expired_decision', `decision ${outcome.decisionId} is older than the decision TTL`);
      return;
    }
    const joined = await this.join(outcome.decisionId, msg);
    if (joined === undefined) return; // stopping while the store is down: not acknowledged, redelivered
    if (joined === null) {
      this.reject(msg, payload, 'unknown_decision', `no decision ${outcome.decisionId} (never made, or its record expired)`);
      return;
    }
    const record = joined.record;
    const ttlFrom = ttlStartOf(record);
    // an expired outcome (marked now or not) is not applied; a later one for the decision is expired too
    // (a limit of marking in the join: docs/service.md, "Known limits")
    if (msg.timestampMs - ttlFrom > this.deps.ttlMs) {
      this.reject(msg, payload, 'expired_decision', `decision ${outcome.decisionId} is older than the decision TTL`);
      return;
    }
    const state = policies.of(record.kind);
    if (msg.seq <= state.seq) {
      this.advance(msg);
      return;
    }
    if (joined.firstSeq !== msg.seq) {
      metrics.outcomesDuplicate.inc(); // another outcome of the decision came first: that one is applied
      this.advance(msg);
      return;
    }
    const rewardOf = record.kind === 'retry' ? (this.deps.retryRewardOf ?? this.deps.rewardOf) : this.deps.rewardOf;
    const { reward, weight } = rewardOf(outcome, record.context);
    state.policy.update(record.context, record.chosen, reward, weight);
    (record.kind === 'retry' ? this.appliedRetry : this.appliedRoute).inc();
    this.observationsOf(state, record.kind).set(state.policy.observations);
    // per-route approval of first attempts: retries go to cards that were just declined
    if (record.kind === 'route') this.deps.approval.record(record.chosen, outcome.approved);
    // built field by field (the same keys in the same order as before, so the same JSON line), without a
    // temporary object per optional field
    const logged: PartialOutcomeRecord = { type: 'outcome', decisionId: record.decisionId, approved: outcome.approved };
    if (outcome.responseCode !== undefined) logged.responseCode = outcome.responseCode;
    if (outcome.feeMinor !== undefined) logged.feeMinor = outcome.feeMinor;
    if (outcome.latencyMs !== undefined) logged.latencyMs = outcome.latencyMs;
    if (outcome.occurredAt !== undefined) logged.occurredAt = outcome.occurredAt;
    logged.reward = reward;
    logged.weight = weight;
    this.deps.log.outcome(logged as OutcomeRecord);
    this.advance(msg);
  };

  private observationsOf(state: { readonly policy: { readonly name: string } }, kind: string): { set(value: number): void } {
    const policy = state.policy.name;
    let series = this.observations.get(state);
    if (series === undefined || series.policy !== policy) {
      series = { policy, cell: this.deps.metrics.observationCells.cell({ kind, policy }) };
      this.observations.set(state, series);
    }
    return series.cell;
  }

  private advance(msg: BusMessage): void {
    this.deps.policies.advance(msg.seq);
    this.deps.metrics.outcomeSeq.set(msg.seq);
    msg.ack();
    this.deps.onApplied?.(msg.seq);
  }

  private reject(msg: BusMessage, payload: string, reason: RejectReason, detail: string): void {
    if (msg.seq <= this.deps.policies.handledSeq) {
      this.advance(msg); // counted and dead-lettered when a state first handled it
      return;
    }
    this.deps.metrics.outcomesRejected.inc({ reason });
    this.deps.deadLetter({
      seq: msg.seq,
      subject: msg.subject,
      reason,
      detail,
      at: new Date(msg.timestampMs).toISOString(),
      payload: payload.length > 8192 ? payload.slice(0, 8192) : payload,
    });
    this.advance(msg);
  }

  private applyAdmin(msg: BusMessage): void {
    const change = parseAdminChange(decoder.decode(msg.data));
    if (!change) {
      this.deps.onAdmin?.({ type: 'tune', kind: 'route', policy: '?', patch: {} }, new Error(`admin message ${msg.seq} is malformed`));
      return;
    }
    const state = this.deps.policies.of(change.kind);
    if (msg.seq <= state.seq || change.policy !== state.policy.name) return;
    try {
      state.policy.tune(change.patch);
      this.deps.metrics.adminChanges.inc({ kind: change.kind, policy: change.policy });
      this.deps.onAdmin?.(change, undefined);
    } catch (err) {
      this.deps.onAdmin?.(change, err);
    }
  }

  /**
   * The decision record of `decisionId` (from memory when the store is known to hold it, else from the
   * store) and the sequence of the first outcome accepted for it, marked by the store as `msg`'s unless
   * another came first: one store call. null when the decision has no record (after a short grace for
   * write-behind); undefined when stopping while the store is unreachable. Retries while the store is down:
   * outcomes wait, decisions keep flowing.
   */
  private async join(decisionId: string, msg: BusMessage): Promise<{ record: JoinedDecision; firstSeq: number } | null | undefined> {
    const { recent, store, metrics } = this.deps;
    const local = store.kind === 'memory' ? recent.byDecisionId(decisionId) : recent.persistedByDecisionId(decisionId);
    const mark = { decisionId, seq: msg.seq, withRecord: local === undefined };
    const grace = this.deps.joinGraceMs ?? 2000;
    let backoff = 50;
    for (;;) {
      if (this.deps.isStopping?.()) return undefined;
      try {
        const [marked] = await store.markOutcomes([mark]);
        // no record in the store is no decision, whatever this replica remembers: the mark lives with it
        if (marked !== undefined && marked.firstSeq !== 0) {
          const record = local ?? (marked.record === null ? null : parseJoinedDecision(marked.record));
          if (record !== null) return { record, firstSeq: marked.firstSeq };
        }
        if (store.kind === 'memory') return null;
        // wait only for one of our ids that may still be in a write-behind buffer: a fresh decision, or
        // any decision right after the store came back
        const decidedAt = decidedAtOf(decisionId);
        const now = this.now();
        const fresh = now - msg.timestampMs < grace && decidedAt !== undefined && now - decidedAt < grace;
        const recovering = now - this.storeUpSince < grace && decidedAt !== undefined;
        if (!fresh && !recovering) return null;
      } catch (err) {
        metrics.degraded.inc({ dependency: 'store', operation: 'join-outcome' });
        if (!(err instanceof RouterError)) this.deps.onError?.(err);
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 1000);
    }
  }
}
