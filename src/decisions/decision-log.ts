/**
 * The router's decision log (JSONL): one `decision` record per decision and one `outcome` record per
 * applied outcome, in the order this router processed them. Written to DECISION_LOG_FILE when set and
 * published on the bus, without ever blocking the caller: each decision by the replica that made it, each
 * applied outcome by every replica that applied it (each replica's records are its whole log, as its file
 * is; the export script writes each decision's outcome once, after it: `first-outcomes.ts`).
 *
 * On NATS, records go out grouped: one message carries the records of up to GROUP_LINGER_MS (at most
 * GROUP_RECORDS of them, GROUP_BYTES in all; a larger record alone), decisions and outcomes as this router
 * processed them (the order a bit-exact replay needs), one per line, on `<ns>.decisions`, with the msg id
 * `<log id>-<group number>` (the log id random per process). A JetStream message costs the server and the
 * client far more than its bytes (one message per decision cost 25 to 50 us of the router's CPU and about
 * 30 us of nats-server's; one per applied outcome about 17 us of the router's), and a group is formed
 * once, so a retried publish resends it with the same id and the stream keeps it once. The embedded bus
 * keeps one message per record (`<ns>.decisions`, and `<ns>.outcomes.applied` with msg id
 * `applied-<decisionId>`).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Bus } from '../bus/bus.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DecisionRecord } from './decision-record.ts';
import { utf8Room } from '../store/byte-slabs.ts';
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
  /** The record's JSON line, or those bytes (the bus encodes a string); a group's lines, `\n` between. */
  readonly data: string | Uint8Array;
  /** Records it carries (1, or a group's). */
  readonly records: number;
}

/** Most records (decisions and outcomes) per grouped message, and most bytes (the server's max_payload is 1 MB by default). */
export const GROUP_RECORDS = 64;
export const GROUP_BYTES = 60 * 1024;
/** How long a group's first record waits for others. */
const GROUP_LINGER_MS = 5;
/** Groups are written into slabs of this size (a group's bytes are a view of its slab, freed with it). */
const GROUP_SLAB_BYTES = 4 * GROUP_BYTES;
const NEWLINE = 0x0a;

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
  /** NATS: records are grouped (the embedded bus keeps one message per record). */
  private readonly grouped: boolean;
  private slab: Buffer = Buffer.alloc(0);
  /** Where the open group starts in `slab`, where its bytes end, and its record count. */
  private groupStart = 0;
  private offset = 0;
  private groupRecords = 0;
  /** Groups' msg ids: this log's id (random per process) and the number of groups closed. */
  private readonly logId = randomBytes(5).toString('hex');
  private groups = 0;
  private groupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DecisionLogOptions) {
    const { bus, metrics } = options;
    const pending = metrics.pendingCells.cell({ buffer: 'decision-log' });
    this.outbox = new Outbox<Pending>({
      name: 'decision-log',
      capacity: options.capacity ?? 50_000,
      weightOf: (p) => p.records,
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
      onPending: (n) => pending.set(n + this.groupRecords),
      onError: (err) => {
        metrics.degraded.inc({ dependency: 'bus', operation: 'decision-log' });
        options.onError?.(err);
      },
    });
    this.file = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined;
    this.grouped = bus.kind !== 'embedded';
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
    if (this.grouped) this.addToGroup(line, bytes);
    else this.outbox.push({ subject: this.options.decisionSubject, msgId: record.decisionId, data: bytes ?? line, records: 1 });
  }

  outcome(record: OutcomeRecord): void {
    const line = JSON.stringify(record);
    this.file?.write(line + '\n');
    if (this.grouped) this.addToGroup(line, undefined);
    else this.outbox.push({ subject: this.options.appliedSubject, msgId: `applied-${record.decisionId}`, data: line, records: 1 });
  }

  /** Append a record to the open group (a line of its own), closing the group when it is full. */
  private addToGroup(line: string, bytes: Uint8Array | undefined): void {
    const most = bytes ? bytes.length : utf8Room(line);
    // a record that does not fit the open group starts a new one (in a new slab if this one is full); so
    // does one the buffer would have no room for with the group (the group goes while it still fits)
    if (this.groupRecords > 0 && (this.offset - this.groupStart + 1 + most > GROUP_BYTES || this.groupRecords + 1 > this.outbox.room)) this.closeGroup();
    if (this.slab.length - this.offset < most + 1) {
      this.closeGroup();
      this.slab = Buffer.allocUnsafeSlow(Math.max(GROUP_SLAB_BYTES, most + 1));
      this.offset = 0;
      this.groupStart = 0;
    }
    if (this.groupRecords > 0) this.slab[this.offset++] = NEWLINE;
    else {
      this.groupTimer = setTimeout(() => this.closeGroup(), GROUP_LINGER_MS);
      this.groupTimer.unref();
    }
    if (bytes) {
      this.slab.set(bytes, this.offset);
      this.offset += bytes.length;
    } else this.offset += this.slab.write(line, this.offset);
    if (++this.groupRecords >= GROUP_RECORDS) this.closeGroup();
  }

  /** The open group, if any, to the outbox as one message. */
  private closeGroup(): void {
    if (this.groupTimer) {
      clearTimeout(this.groupTimer);
      this.groupTimer = undefined;
    }
    const n = this.groupRecords;
    if (n === 0) return;
    const data = this.slab.subarray(this.groupStart, this.offset);
    this.groupStart = this.offset;
    this.groupRecords = 0;
    this.outbox.push({ subject: this.options.decisionSubject, msgId: `${this.logId}-${(++this.groups).toString(36)}`, data, records: n });
  }

  /** Records not yet published (buffered, or in the open group). */
  get pending(): number {
    return this.outbox.pending + this.groupRecords;
  }

  async close(timeoutMs: number): Promise<number> {
    this.closeGroup();
    const left = this.enabled ? await this.outbox.drainFor(timeoutMs) : this.outbox.pending;
    this.outbox.close();
    if (this.file) await new Promise<void>((r) => this.file!.end(r));
    return left;
  }
}
