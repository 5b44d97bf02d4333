/**
 * Keeps the served policies learning: at start, loads the latest snapshot of each (route and retry, each
 * tagged with the outcome stream sequence it includes), then consumes the outcome stream from the lower of
 * the two with this replica's durable consumer; every few seconds, and at shutdown, writes the snapshots
 * that moved. "Loaded" means every state has caught up with the stream as it was at start.
 */
import type { Logger } from 'pino';
import type { Bus, BusMessage, ConsumerHandle } from '../bus/bus.ts';
import type { Names } from '../config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { APPLIED_BEFORE_MARKS, type Store } from '../store/store.ts';
import type { OutcomeApplier } from './outcome-applier.ts';
import type { PolicyState } from './policy-state.ts';
import type { ServedPolicies } from './served-policies.ts';

export type LearnerPhase = 'waiting-for-store' | 'waiting-for-bus' | 'replaying' | 'live' | 'stopped';

export interface LearnerDeps {
  readonly policies: ServedPolicies;
  readonly bus: Bus;
  readonly store: Store;
  readonly applier: OutcomeApplier;
  readonly metrics: Metrics;
  readonly names: Names;
  readonly outcomeSubject: string;
  readonly snapshotIntervalMs: number;
  readonly logger: Logger;
  /** Streams are ready: the decision log and outcome publishing may start. */
  readonly onStreams?: () => void;
  /** Told about received, not yet applied, messages (the join's read-ahead, `join-prefetch.ts`). */
  readonly prefetch?: (messages: readonly BusMessage[]) => void;
}

export class Learner {
  phase: LearnerPhase = 'waiting-for-store';
  /** Outcome stream head when the consumer started; "loaded" once the state includes it. */
  bootSeq = 0;
  outcomeStream = '';
  detail: string | undefined;
  private consumer: ConsumerHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Sequence of each state's last written (or loaded) snapshot. */
  private readonly savedSeq = new Map<PolicyState, number>();
  /** The stream was recreated behind the snapshots: overwrite the stored ones regardless of their sequence. */
  private forceNext = false;
  private stopping = false;
  private saving: Promise<void> | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly deps: LearnerDeps) {}

  get loaded(): boolean {
    const loaded = (this.phase === 'replaying' || this.phase === 'live') && this.deps.policies.seq >= this.bootSeq;
    if (loaded) this.everLoaded = true;
    return loaded;
  }

  /** The state has been loaded at least once (a later outage is "degraded", not "starting"). */
  everLoaded = false;

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Start in the background; dependencies that are down are retried until they answer. */
  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    let backoff = 100;
    for (;;) {
      if (this.stopping) return undefined;
      try {
        return await fn();
      } catch (err) {
        this.detail = `${what}: ${err instanceof Error ? err.message : String(err)}`;
        this.deps.logger.warn({ err }, `${what} failed; retrying`);
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 2000);
    }
  }

  private async run(): Promise<void> {
    const { policies, bus, store, names, logger } = this.deps;
    this.phase = 'waiting-for-store';
    for (const state of policies.all) {
      const snapshot = await this.retry('load snapshot', () => store.loadSnapshot(state.snapshotName));
      if (this.stopping) return;
      if (!snapshot) continue;
      try {
        const appliedBefore = state.restore(JSON.parse(snapshot.json));
        if (appliedBefore.length > 0) {
          // a router-state/1 snapshot: its applied decisions become marks, so their duplicates stay duplicates
          const marked = await this.retry('mark the applied decisions of a router-state/1 snapshot', () => this.markAppliedBefore(appliedBefore));
          if (marked === undefined) return;
          logger.info({ snapshot: state.snapshotName, decisions: appliedBefore.length }, 'applied decisions of a router-state/1 snapshot marked in the store');
        }
        this.savedSeq.set(state, state.seq);
        logger.info({ snapshot: state.snapshotName, seq: state.seq, observations: state.policy.observations }, 'policy state restored from snapshot');
        const overridden = state.overriddenParams();
        if (overridden.length > 0) {
          logger.warn({ snapshot: state.snapshotName, params: overridden }, 'the snapshot was learned with other values of these configured params and keeps them (use a new ROUTER_NAMESPACE to start from the configured ones)');
        }
      } catch (err) {
        logger.warn({ err, snapshot: state.snapshotName }, 'snapshot does not fit the served policy; starting from its initial state and replaying the stream');
      }
    }
    this.phase = 'waiting-for-bus';
    this.detail = undefined;
    await this.retry('connect bus', () => bus.connect());
    const ensured = await this.retry('create streams', async () => {
      const outcomeStream = await bus.ensureStream({ name: names.outcomeStream, subjects: [this.deps.outcomeSubject, names.adminSubject] });
      // applied outcomes: on NATS in the decision log's groups (decisionSubject); the embedded bus publishes
      // them one by one on appliedSubject, which NATS streams keep too so their configuration is the same
      await bus.ensureStream({ name: names.decisionStream, subjects: [names.decisionSubject, names.appliedSubject] });
      await bus.ensureStream({ name: names.deadLetterStream, subjects: [names.deadLetterSubject] });
      return outcomeStream;
    });
    if (ensured === undefined) return;
    this.outcomeStream = ensured;
    this.deps.onStreams?.();
    const head = await this.retry('read stream head', () => bus.lastSeq(this.outcomeStream));
    if (head === undefined) return;
    if (policies.handledSeq > head) {
      logger.warn({ snapshotSeq: policies.handledSeq, streamSeq: head }, 'snapshot is ahead of the outcome stream (stream recreated?); keeping the state, following the new stream');
      policies.rewind(head);
      this.savedSeq.clear();
      this.forceNext = true;
    }
    this.bootSeq = head;
    this.phase = 'replaying';
    this.detail = undefined;
    const consumer = await this.retry('create consumer', () =>
      bus.consume(
        {
          stream: this.outcomeStream,
          durable: names.durable,
          startSeq: policies.seq + 1,
          ackWaitMs: 30_000,
          maxAckPending: 1000,
          resumeFrom: () => policies.seq + 1,
          ...(this.deps.prefetch ? { prefetch: this.deps.prefetch } : {}),
        },
        this.deps.applier.handle,
      ),
    );
    if (!consumer) return;
    this.consumer = consumer;
    logger.info({ stream: this.outcomeStream, from: policies.seq + 1, head }, 'consuming outcomes');
    this.timer = setInterval(() => void this.snapshot(), this.deps.snapshotIntervalMs);
    this.timer.unref();
  }

  /** Mark each decision as applied before marks were kept (a mark already there stays), 1,000 per call. */
  private async markAppliedBefore(decisionIds: readonly string[]): Promise<true> {
    for (let i = 0; i < decisionIds.length; i += 1000) {
      await this.deps.store.markOutcomes(decisionIds.slice(i, i + 1000).map((decisionId) => ({ decisionId, seq: APPLIED_BEFORE_MARKS, withRecord: false })));
    }
    return true;
  }

  /** Called by the applier after each message. */
  onApplied(): void {
    if (this.phase === 'replaying' && this.deps.policies.seq >= this.bootSeq) {
      this.phase = 'live';
      this.everLoaded = true;
      this.deps.logger.info({ seq: this.deps.policies.seq }, 'policy state caught up with the outcome stream');
    }
  }

  /** Write the snapshot of each state that moved since its last one. */
  snapshot(): Promise<void> {
    this.saving ??= this.writeSnapshot().finally(() => {
      this.saving = undefined;
    });
    return this.saving;
  }

  private async writeSnapshot(): Promise<void> {
    const { policies, store, metrics } = this.deps;
    let failed = false;
    for (const state of policies.all) {
      if (state.seq === this.savedSeq.get(state)) continue;
      const snap = state.snapshot();
      try {
        const written = await store.saveSnapshot(state.snapshotName, { seq: snap.seq, json: JSON.stringify(snap) }, this.forceNext);
        this.savedSeq.set(state, snap.seq);
        metrics.snapshots.inc({ result: written ? 'written' : 'skipped' });
      } catch (err) {
        failed = true;
        metrics.snapshots.inc({ result: 'failed' });
        metrics.degraded.inc({ dependency: 'store', operation: 'snapshot' });
        this.deps.logger.warn({ err, snapshot: state.snapshotName }, 'snapshot failed; will retry');
      }
    }
    if (!failed) this.forceNext = false;
  }

  /** Stop consuming (the message in progress finishes and is acked), then write a final snapshot. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.stop();
    await this.saving;
    if (this.phase === 'replaying' || this.phase === 'live') await this.snapshot();
    this.phase = 'stopped';
  }
}
