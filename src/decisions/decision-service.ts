/**
 * Route decisions. The hot path decides from in-memory policy state and never waits on NATS; it waits on
 * the shared store at most `storeBudgetMs` (to claim the transactionId across replicas) and not at all
 * while the store is down. Records and log events are written behind, through bounded buffers.
 */
import { ValidationError } from '../../policies/errors.ts';
import type { Context, PaymentContext } from '../../policies/core/context.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { PolicyState } from '../learning/policy-state.ts';
import type { DecisionWrite, Store } from '../store/store.ts';
import type { RouteRequest } from '../http/schemas.ts';
import { parseTimestamp } from '../time.ts';
import type { DecisionIds } from './decision-id.ts';
import type { DecisionLog } from './decision-log.ts';
import { answerJsonOf, decisionTextOf, recordJsonOf, type DecisionText } from './decision-json.ts';
import { answerOf, parseDecisionRecord, type DecisionKind, type DecisionRecord, type RouteAnswer } from './decision-record.ts';
import { Outbox } from './outbox.ts';
import type { RecentDecisions } from './recent-decisions.ts';
import { RecordBytes } from './record-bytes.ts';

export interface DecisionServiceDeps {
  readonly state: PolicyState;
  readonly seed: number;
  readonly ttlMs: number;
  readonly storeBudgetMs: number;
  readonly store: Store;
  readonly recent: RecentDecisions;
  readonly ids: DecisionIds;
  readonly log: DecisionLog;
  readonly metrics: Metrics;
  readonly now: () => number;
  readonly onError?: (err: unknown) => void;
}

const TIMEOUT = Symbol('timeout');

/** A route answer: its JSON (what the response schema's serializer would write), or the object to serialise. */
export type RouteReply = string | RouteAnswer;

/** A decision made, with its texts (formatted once, for the record and the answer). */
interface Made {
  readonly record: DecisionRecord;
  readonly text: DecisionText;
  /** The decision to answer with: `record`, or the one another replica kept first. */
  readonly kept: DecisionRecord | Promise<DecisionRecord>;
}

function replyOf(record: DecisionRecord, text: DecisionText = decisionTextOf(record)): RouteReply {
  return answerJsonOf(record, text) ?? answerOf(record);
}

/** Finite numbers for the wire (a policy's -Infinity score serialises as the lowest finite double). */
function finite(x: number): number {
  return Number.isFinite(x) ? x : x > 0 ? Number.MAX_VALUE : x < 0 ? -Number.MAX_VALUE : 0;
}

/** The contract's route body as the policies' context (`occurredAt` parsed to epoch ms; default now). */
export function paymentContextOf(body: RouteRequest, now: number): PaymentContext {
  let occurredAtMs = now;
  if (body.occurredAt !== undefined) {
    const parsed = parseTimestamp(body.occurredAt);
    if (parsed === undefined) throw new ValidationError('occurredAt', `not a valid ISO 8601 timestamp: "${body.occurredAt}"`);
    occurredAtMs = parsed;
  }
  return {
    transactionId: body.transactionId,
    merchantId: body.merchantId,
    amountMinor: body.amountMinor,
    currency: body.currency,
    cardNetwork: body.cardNetwork,
    cardType: body.cardType,
    issuerCountry: body.issuerCountry,
    channel: body.channel,
    mcc: body.mcc,
    threeDS: body.threeDS,
    ...(body.binPrefix !== undefined ? { binPrefix: body.binPrefix } : {}),
    occurredAtMs,
  };
}

export class DecisionService {
  private readonly rng = new Rng();
  private readonly buffer = new DecisionBuffer();
  private readonly writes: Outbox<DecisionWrite>;
  private readonly bytes = new RecordBytes();
  /** Labelled series resolved once, not per decision (prom-client hashes the labels on every call). */
  private readonly routeDuration: { observe(seconds: number): void };
  /** `at` of the last decision: decisions within one millisecond share it. */
  private isoMs = Number.NaN;
  private iso = '';

  constructor(private readonly deps: DecisionServiceDeps) {
    const { metrics, store } = deps;
    const pending = metrics.pendingCells.cell({ buffer: 'store' });
    this.routeDuration = metrics.decisionDuration.labels({ kind: 'route' });
    this.writes = new Outbox<DecisionWrite>({
      name: 'store',
      capacity: 100_000,
      batchSize: 500,
      flush: async (batch) => {
        await store.putDecisions(batch);
        for (const w of batch) deps.recent.markPersisted(w.decisionId);
      },
      onDrop: (n) => metrics.bufferDropped.inc({ buffer: 'store' }, n),
      onPending: (n) => pending.set(n),
      onError: (err) => {
        metrics.degraded.inc({ dependency: 'store', operation: 'write-decisions' });
        deps.onError?.(err);
      },
    });
  }

  get pendingWrites(): number {
    return this.writes.pending;
  }

  /**
   * `POST /v1/route`: the answer's JSON, serialised with the decision record in one pass; without a promise
   * when nothing waits (the in-memory store, or a store write that goes behind: `storeBudgetMs` 0 or the
   * store down). A throw is a failed request.
   */
  routeReply(body: RouteRequest): RouteReply | Promise<RouteReply> {
    const started = performance.now();
    const txKey = `route:${body.transactionId}`;
    const seen = this.deps.recent.byTransactionId(txKey);
    if (seen) {
      this.deps.metrics.idempotentReplays.inc({ source: 'memory' });
      return replyOf(seen);
    }
    const now = this.deps.now();
    const context = paymentContextOf(body, now);
    const made = this.make('route', txKey, body.transactionId, context, body.candidates, this.deps.state, now);
    const { kept } = made;
    // the in-memory store answers at once: no await (and no other request's work) inside the measured time
    if (kept instanceof Promise) return kept.then((winner) => this.routed(made, winner, started));
    return this.routed(made, kept, started);
  }

  private routed(made: Made, winner: DecisionRecord, started: number): RouteReply {
    this.routeDuration.observe((performance.now() - started) / 1000);
    return winner === made.record ? replyOf(winner, made.text) : replyOf(winner);
  }

  /**
   * One decision: reseed the Rng with (seed, key), decide from in-memory state, claim the idempotency key
   * (fail open), log. `kept` is the decision to answer with: this one, or the one another replica made first.
   */
  private make(kind: DecisionKind, txKey: string, key: string, context: Context & PaymentContext, candidates: readonly string[], state: PolicyState, now: number): Made {
    const policy = state.policy;
    const out = this.buffer;
    const observations = policy.observations;
    this.rng.reseed(this.deps.seed, key);
    policy.decide(context, candidates, this.rng, out);
    const n = candidates.length;
    const probabilities = new Array<number>(n);
    const scores = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      probabilities[i] = out.probabilities[i]!;
      scores[i] = finite(out.scores[i]!);
    }
    const decisionId = this.deps.ids.next(now);
    const record: DecisionRecord = {
      type: 'decision',
      decisionId,
      kind,
      at: this.isoOf(now),
      policy: policy.name,
      policyVersion: policy.version,
      seed: this.deps.seed,
      key,
      observations,
      context,
      candidates: [...candidates],
      probabilities,
      scores,
      chosen: candidates[out.chosen]!,
      propensity: out.propensity,
    };
    const text = decisionTextOf(record);
    const kept = this.keepNow(txKey, record, now, this.deps.ttlMs, recordJsonOf(record, text));
    return { record, text, kept: kept instanceof Promise ? kept.then((winner) => this.decided(kind, record, winner)) : this.decided(kind, record, kept) };
  }

  private isoOf(now: number): string {
    if (now !== this.isoMs) {
      this.iso = new Date(now).toISOString();
      this.isoMs = now;
    }
    return this.iso;
  }

  private decided(kind: DecisionKind, record: DecisionRecord, winner: DecisionRecord): DecisionRecord {
    if (winner !== record) {
      this.deps.metrics.idempotentReplays.inc({ source: 'store' });
      return winner;
    }
    this.deps.metrics.countDecision(kind, record.policy, record.chosen);
    return record;
  }

  /**
   * Keep a decision so that its outcome can be joined on any replica and any policy can be evaluated from
   * the log: in memory, claimed in the shared store under `txKey` for `ttlMs` (fail open: write-behind
   * when the store is slow or down), and on the decision log. Used by `make` and by the retry service.
   * Resolves with the decision to answer with: this one, or the one another replica kept first.
   */
  async keep(txKey: string, record: DecisionRecord, now: number, ttlMs: number): Promise<DecisionRecord> {
    return this.keepNow(txKey, record, now, ttlMs);
  }

  /**
   * `keep`, answering without a promise when the store is the in-memory one or the write goes behind
   * (`writesBehind`); `recordJson`: `JSON.stringify(record)`.
   */
  private keepNow(txKey: string, record: DecisionRecord, now: number, ttlMs: number, recordJson: string = JSON.stringify(record)): DecisionRecord | Promise<DecisionRecord> {
    const { store } = this.deps;
    // the JSON is kept outside the JS heap's objects, copied into slabs by whoever keeps it: with the
    // in-memory store, the store and the embedded bus (from the string); otherwise its bytes, encoded once
    // for the recent-decision cache and the NATS decision log
    const recordBytes = store.claimDecisionNow ? undefined : this.bytes.of(recordJson);
    const write: DecisionWrite = { transactionKey: txKey, decisionId: record.decisionId, recordJson, ttlMs };
    this.deps.recent.add(txKey, record, now, ttlMs, recordBytes ?? recordJson);
    if (store.claimDecisionNow) {
      const existing = store.claimDecisionNow(write);
      const winner = existing === null ? this.claimed(write, record) : (this.adopt(write, existing) ?? record);
      if (winner === record) this.deps.log.decision(record, recordJson, recordBytes);
      return winner;
    }
    if (this.writesBehind()) {
      // nothing to wait for (no claim within a budget, or the store is down): answer now, without a promise
      if (store.state() !== 'connected') this.deps.metrics.degraded.inc({ dependency: 'store', operation: 'claim-decision' });
      this.writes.push(write);
      this.deps.log.decision(record, recordJson, recordBytes);
      return record;
    }
    return this.claim(write, record).then((winner) => {
      if (winner === record) this.deps.log.decision(record, recordJson, recordBytes);
      return winner;
    });
  }

  /**
   * The shared store is not claimed for this decision, its write goes behind: `storeBudgetMs` is 0, or the
   * store is not connected. Never for the in-memory store.
   */
  private writesBehind(): boolean {
    const { store, storeBudgetMs } = this.deps;
    return store.kind !== 'memory' && (storeBudgetMs === 0 || store.state() !== 'connected');
  }

  private claimed(write: DecisionWrite, ours: DecisionRecord): DecisionRecord {
    this.deps.recent.markPersisted(write.decisionId);
    return ours;
  }

  /**
   * Claim the transaction in the connected shared store within the budget. Returns the decision to answer
   * with: ours, or the one another replica stored first. Never throws: a slow or down store fails open.
   */
  private async claim(write: DecisionWrite, ours: DecisionRecord): Promise<DecisionRecord> {
    const { store, metrics, recent, storeBudgetMs } = this.deps;
    if (store.kind === 'memory') {
      const existing = await store.claimDecision(write);
      if (existing !== null) return this.adopt(write, existing) ?? ours;
      recent.markPersisted(write.decisionId);
      return ours;
    }
    // (a write behind was answered by `keepNow` without coming here)
    const claim = store.claimDecision(write);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), storeBudgetMs);
    });
    try {
      const result = await Promise.race([claim, timeout]);
      if (result === TIMEOUT) {
        metrics.degraded.inc({ dependency: 'store', operation: 'claim-decision' });
        claim.then(
          (existing) => {
            if (existing !== null) metrics.idempotencyConflicts.inc();
            else recent.markPersisted(write.decisionId);
          },
          () => this.writes.push(write),
        );
        return ours;
      }
      if (result !== null) return this.adopt(write, result) ?? ours;
      recent.markPersisted(write.decisionId);
      return ours;
    } catch (err) {
      metrics.degraded.inc({ dependency: 'store', operation: 'claim-decision' });
      this.deps.onError?.(err);
      this.writes.push(write);
      return ours;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Another replica decided this transaction first: answer with its decision from now on. */
  private adopt(write: DecisionWrite, existingJson: string): DecisionRecord | undefined {
    const existing = parseDecisionRecord(existingJson);
    if (!existing) return undefined;
    this.deps.recent.add(write.transactionKey, existing, Date.parse(existing.at), undefined, existingJson);
    this.deps.recent.markPersisted(existing.decisionId);
    // ours lost the claim (unless the store answered with our own record, as after a retried claim)
    if (existing.decisionId !== write.decisionId) this.deps.recent.forget(write.decisionId);
    return existing;
  }

  /** Flush buffered decision writes for up to `timeoutMs`; resolves with how many are left. */
  async close(timeoutMs: number): Promise<number> {
    const left = await this.writes.drainFor(timeoutMs);
    this.writes.close();
    return left;
  }
}
