/**
 * The router's Prometheus series (prom-client), on a registry of its own so tests and several routers in
 * one process never share counters. The contract's series first, then operational extras.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApprovalWindow } from './approval-window.ts';
import { CounterCells, GaugeCells, HotHistogram } from './hot-series.ts';

/** Label sets of `router_decisions_total` cached for the hot path before the cache starts over. */
const MAX_DECISION_SERIES_CELLS = 4096;

export type RejectReason = 'unknown_decision' | 'expired_decision' | 'malformed';
export type Dependency = 'bus' | 'store';

export interface Metrics {
  readonly registry: Registry;
  readonly decisions: Counter<'kind' | 'policy' | 'route'>;
  /**
   * Count one decision in `decisions`, for the hot path: the series' cell is looked up once per label set
   * and added to the counter when it is read (prom-client hashes the labels on every `inc`). Route and
   * retry decisions alike, so every series is counted the same way.
   */
  countDecision(kind: string, policy: string, route: string): void;
  readonly decisionDuration: HotHistogram<'kind'>;
  readonly outcomesApplied: Counter<'kind'>;
  /** `outcomesApplied` and `outcomesReceived` series for the outcome applier (added when read). */
  readonly appliedCells: CounterCells<'kind'>;
  readonly receivedCells: CounterCells<'source'>;
  readonly outcomesDuplicate: Counter;
  readonly outcomesRejected: Counter<'reason'>;
  readonly outcomesReceived: Counter<'source'>;
  readonly idempotentReplays: Counter<'source'>;
  readonly idempotencyConflicts: Counter;
  readonly dependencyUp: Gauge<'dependency'>;
  readonly degraded: Counter<'dependency' | 'operation'>;
  readonly bufferDropped: Counter<'buffer'>;
  readonly bufferPending: Gauge<'buffer'>;
  /** `bufferPending` series for the hot path (set on the gauge when it is read). */
  readonly pendingCells: GaugeCells<'buffer'>;
  readonly outcomeSeq: Gauge;
  readonly snapshots: Counter<'result'>;
  readonly policyObservations: Gauge<'kind' | 'policy'>;
  /** `policyObservations` series for the outcome applier (set on the gauge when it is read). */
  readonly observationCells: GaugeCells<'kind' | 'policy'>;
  readonly adminChanges: Counter<'kind' | 'policy'>;
}

/** What `router_slab_bytes` reads: the router's slab arena (`SlabArena`). */
export interface SlabGauges {
  readonly chunkBytes: number;
  readonly spareBytes: number;
}

export function createMetrics(approval: ApprovalWindow, options: { defaultMetrics?: boolean; slabs?: SlabGauges } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const r = [registry];
  const decisionCells = new CounterCells<'kind' | 'policy' | 'route'>();
  const decisionCounters = new Map<string, { inc(): void }>();
  const pendingCells = new GaugeCells<'buffer'>();
  const appliedCells = new CounterCells<'kind'>();
  const receivedCells = new CounterCells<'source'>();
  const observationCells = new GaugeCells<'kind' | 'policy'>();
  const slabs = options.slabs;
  if (slabs) {
    new Gauge({
      name: 'router_slab_bytes',
      help: "Bytes of the slab arena holding the in-memory tables' records (store, embedded bus, recent decisions): reserved (its chunks; a page is resident once written) and spare (emptied slabs kept for reuse).",
      labelNames: ['state'],
      registers: r,
      collect() {
        this.set({ state: 'reserved' }, slabs.chunkBytes);
        this.set({ state: 'spare' }, slabs.spareBytes);
      },
    });
  }
  new Gauge({
    name: 'router_approval_rate',
    help: 'Approval rate per route over its most recent applied outcomes (sliding window).',
    labelNames: ['route'],
    registers: r,
    collect() {
      this.reset();
      for (const [route, rate] of approval.rates()) this.set({ route }, rate);
    },
  });
  const decisions = new Counter<'kind' | 'policy' | 'route'>({
      name: 'router_decisions_total',
      help: 'Decisions answered, by kind, policy and chosen route.',
      labelNames: ['kind', 'policy', 'route'],
      registers: r,
      collect() {
        decisionCells.flush(this);
      },
    });
  return {
    registry,
    decisions,
    countDecision(kind: string, policy: string, route: string): void {
      const key = `${kind}\u0000${policy}\u0000${route}`;
      let counter = decisionCounters.get(key);
      if (counter === undefined) {
        if (decisionCounters.size >= MAX_DECISION_SERIES_CELLS) {
          // routes are caller-chosen strings: stay bounded
          decisionCounters.clear();
          decisionCells.clear(decisions);
        }
        counter = decisionCells.cell({ kind, policy, route });
        decisionCounters.set(key, counter);
      }
      counter.inc();
    },
    decisionDuration: new HotHistogram({
      name: 'router_decision_duration_seconds',
      help: "The router's own time per decision (validation done, until the answer is ready).",
      labelNames: ['kind'],
      // fine below 250 us so a p99 around the 100 us target resolves to 10-25 us
      buckets: [0.00001, 0.00002, 0.00003, 0.00004, 0.00005, 0.00006, 0.00008, 0.0001, 0.000125, 0.00015, 0.0002, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: r,
    }),
    outcomesApplied: new Counter({
      name: 'router_outcomes_applied_total',
      help: 'Outcomes applied to the policy state, by decision kind.',
      labelNames: ['kind'],
      registers: r,
      collect() {
        appliedCells.flush(this);
      },
    }),
    appliedCells,
    receivedCells,
    outcomesDuplicate: new Counter({ name: 'router_outcomes_duplicate_total', help: 'Outcomes for a decision already applied (ignored).', registers: r }),
    outcomesRejected: new Counter({
      name: 'router_outcomes_rejected_total',
      help: 'Outcomes dead-lettered: unknown_decision, expired_decision or malformed.',
      labelNames: ['reason'],
      registers: r,
    }),
    outcomesReceived: new Counter({
      name: 'router_outcomes_received_total',
      help: 'Outcomes received, by source (http publishes to the stream; stream is what the consumer read).',
      labelNames: ['source'],
      registers: r,
      collect() {
        receivedCells.flush(this);
      },
    }),
    idempotentReplays: new Counter({ name: 'router_idempotent_replays_total', help: 'Route requests answered with an earlier decision for the same transactionId, by where it was found.', labelNames: ['source'], registers: r }),
    idempotencyConflicts: new Counter({ name: 'router_idempotency_conflicts_total', help: 'Decisions answered before the shared store could confirm the transactionId was new, and it was not.', registers: r }),
    dependencyUp: new Gauge({ name: 'router_dependency_up', help: '1 when the dependency (bus, store) is connected or embedded, else 0.', labelNames: ['dependency'], registers: r }),
    degraded: new Counter({
      name: 'router_degraded_operations_total',
      help: 'Operations that failed open because a dependency was down or slow, by dependency and operation.',
      labelNames: ['dependency', 'operation'],
      registers: r,
    }),
    bufferDropped: new Counter({ name: 'router_buffer_dropped_total', help: 'Items dropped because a bounded write-behind buffer was full.', labelNames: ['buffer'], registers: r }),
    bufferPending: new Gauge({
      name: 'router_buffer_pending',
      help: 'Items waiting in a write-behind buffer.',
      labelNames: ['buffer'],
      registers: r,
      collect() {
        pendingCells.flush(this);
      },
    }),
    pendingCells,
    outcomeSeq: new Gauge({ name: 'router_outcome_stream_sequence', help: 'Last outcome stream sequence included in the policy state.', registers: r }),
    snapshots: new Counter({ name: 'router_snapshots_total', help: 'Policy snapshot writes, by result (written, skipped, failed).', labelNames: ['result'], registers: r }),
    policyObservations: new Gauge({
      name: 'router_policy_observations',
      help: 'Distinct outcomes the policy state has learned from, by decision kind (route, retry) and policy.',
      labelNames: ['kind', 'policy'],
      registers: r,
      collect() {
        observationCells.flush(this);
      },
    }),
    observationCells,
    adminChanges: new Counter({ name: 'router_policy_changes_total', help: 'Admin parameter changes applied from the stream, by decision kind and policy.', labelNames: ['kind', 'policy'], registers: r }),
  };
}
