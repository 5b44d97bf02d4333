/**
 * `POST /v1/outcomes`: outcomes are published to the outcome stream, never applied locally, so every
 * replica learns from them in the same order. While the bus is slow or down they wait in a bounded
 * buffer; a batch that does not fit is refused whole (503), so nothing is accepted and then lost.
 */
import { randomUUID } from 'node:crypto';
import { DependencyUnavailableError } from '../../policies/errors.ts';
import type { Bus } from '../bus/bus.ts';
import { Outbox } from '../decisions/outbox.ts';
import type { Outcome } from '../http/schemas.ts';
import type { Metrics } from '../metrics/metrics.ts';

const encoder = new TextEncoder();

/** A msg id per accepted outcome: a publish retried after a lost ack is stored once by the stream. */
interface Pending {
  readonly data: Uint8Array;
  readonly msgId: string;
}

export interface OutcomeIntakeOptions {
  readonly bus: Bus;
  readonly subject: string;
  readonly metrics: Metrics;
  readonly capacity?: number;
  /** How long a request waits for the stream's acks before leaving the rest to the buffer. */
  readonly publishBudgetMs?: number;
}

export class OutcomeIntake {
  private readonly outbox: Outbox<Pending>;
  private ready = false;
  private readonly capacity: number;

  constructor(private readonly options: OutcomeIntakeOptions) {
    const { bus, subject, metrics } = options;
    this.capacity = options.capacity ?? 100_000;
    this.outbox = new Outbox<Pending>({
      name: 'outcomes',
      capacity: this.capacity,
      batchSize: 256,
      flush: async (batch) => {
        if (!this.ready) throw new Error('outcome stream not ready');
        for (const p of batch) await bus.publish(subject, p.data, { msgId: p.msgId });
      },
      onDrop: (n) => metrics.bufferDropped.inc({ buffer: 'outcomes' }, n),
      onPending: (n) => metrics.bufferPending.set({ buffer: 'outcomes' }, n),
      onError: () => metrics.degraded.inc({ dependency: 'bus', operation: 'publish-outcome' }),
    });
  }

  /** The outcome stream exists. */
  enable(): void {
    this.ready = true;
    this.outbox.kick(); // what failed while the stream was missing goes now, not after its backoff
  }

  /** Publish (or buffer) every outcome; resolves with the count accepted. */
  async accept(outcomes: readonly Outcome[]): Promise<number> {
    const { bus, subject, metrics } = this.options;
    if (this.outbox.pending + outcomes.length > this.capacity) {
      throw new DependencyUnavailableError('bus', `outcome buffer full (${this.outbox.pending} waiting for the bus); retry later`);
    }
    metrics.outcomesReceived.inc({ source: 'http' }, outcomes.length);
    const payloads: Pending[] = outcomes.map((o) => ({ data: encoder.encode(JSON.stringify(o)), msgId: randomUUID() }));
    if (!this.ready || bus.state() === 'reconnecting' || bus.state() === 'connecting' || this.outbox.pending > 0) {
      // keep the stream order of this router's outcomes: behind what is already buffered
      for (const p of payloads) this.outbox.push(p);
      return outcomes.length;
    }
    const budget = this.options.publishBudgetMs ?? 2000;
    const results = await Promise.allSettled(payloads.map((p) => bus.publish(subject, p.data, { msgId: p.msgId, timeoutMs: budget })));
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.outbox.push(payloads[i]!);
    });
    return outcomes.length;
  }

  get pending(): number {
    return this.outbox.pending;
  }

  async close(timeoutMs: number): Promise<number> {
    const left = this.ready ? await this.outbox.drainFor(timeoutMs) : this.outbox.pending;
    this.outbox.close();
    return left;
  }
}
