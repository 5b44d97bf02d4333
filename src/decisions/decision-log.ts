/**
 * The router's decision log (JSONL): one `decision` record per decision and one `outcome` record per
 * applied outcome, in the order this router processed them. Written to DECISION_LOG_FILE when set and
 * published on the bus (`<ns>.decisions`, `<ns>.outcomes.applied`, with msg ids so replicas applying
 * the same outcome publish it once), without ever blocking the caller.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Bus } from '../bus/bus.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DecisionRecord } from './decision-record.ts';
import { Outbox } from './outbox.ts';

export interface OutcomeRecord {
  readonly type: 'outcome';
  readonly decisionId: string;
  readonly approved: boolean;
  readonly responseCode?: string;
  readonly feeMinor?: number;
  readonly latencyMs?: number;
  readonly occurredAt?: string;
  readonly reward: number;
  readonly weight: number;
}

interface Pending {
  readonly subject: string;
  readonly msgId: string;
  /** The record's JSON line, or those bytes (the bus encodes a string). */
  readonly data: string | Uint8Array;
}

export interface DecisionLogOptions {
  readonly bus: Bus;
  readonly metrics: Metrics;
  readonly decisionSubject: string;
  readonly appliedSubject: string;
  readonly file: string | undefined;
  readonly capacity?: number;
  readonly onError?: (err: unknown) => void;
}

export class DecisionLog {
  private readonly outbox: Outbox<Pending>;
  private readonly file: WriteStream | undefined;
  /** Publishing starts once the bus has its streams. */
  private enabled = false;

  constructor(private readonly options: DecisionLogOptions) {
    const { bus, metrics } = options;
    const pending = metrics.pendingCells.cell({ buffer: 'decision-log' });
    this.outbox = new Outbox<Pending>({
      name: 'decision-log',
      capacity: options.capacity ?? 50_000,
      batchSize: 256,
      // NATS: a batch per millisecond, not per event-loop turn (the embedded bus has no socket to spare)
      lingerMs: bus.kind === 'embedded' ? 0 : 1,
      flush: async (batch) => {
        if (!this.enabled) throw new Error('decision log streams not ready');
        if (bus.publishNow) {
          // the embedded bus: no promise per message (a failure still fails the batch, retried as a whole)
          for (const p of batch) bus.publishNow(p.subject, p.data, { msgId: p.msgId });
          return;
        }
        // one promise for the batch where the bus can (NATS), else one per message
        if (bus.publishAll) await bus.publishAll(batch);
        else await Promise.all(batch.map((p) => bus.publish(p.subject, p.data, { msgId: p.msgId })));
      },
      onDrop: (n) => metrics.bufferDropped.inc({ buffer: 'decision-log' }, n),
      onPending: (n) => pending.set(n),
      onError: (err) => {
        metrics.degraded.inc({ dependency: 'bus', operation: 'decision-log' });
        options.onError?.(err);
      },
    });
    this.file = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;
  }

  /** The bus streams exist: start (or resume) publishing. */
  enable(): void {
    this.enabled = true;
    this.outbox.kick(); // what failed while disabled goes now, not after its backoff
  }

  /**
   * `json`: the record already serialised (the decision service has it for the store), to serialise once;
   * `bytes`: that JSON UTF-8 encoded (NATS + Redis mode), published as is instead of encoding it again.
   */
  decision(record: DecisionRecord, json?: string, bytes?: Uint8Array): void {
    const line = json ?? JSON.stringify(record);
    this.file?.write(line + '\n');
    this.outbox.push({ subject: this.options.decisionSubject, msgId: record.decisionId, data: bytes ?? line });
  }

  outcome(record: OutcomeRecord): void {
    const line = JSON.stringify(record);
    this.file?.write(line + '\n');
    this.outbox.push({ subject: this.options.appliedSubject, msgId: `applied-${record.decisionId}`, data: line });
  }

  get pending(): number {
    return this.outbox.pending;
  }

  async close(timeoutMs: number): Promise<number> {
    const left = this.enabled ? await this.outbox.drainFor(timeoutMs) : this.outbox.pending;
    this.outbox.close();
    if (this.file) await new Promise<void>((r) => this.file!.end(r));
    return left;
  }
}
