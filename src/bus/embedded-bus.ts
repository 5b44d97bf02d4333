/**
 * In-process bus with JetStream semantics: streams with sequence numbers and publish acks, duplicate
 * suppression by msgId, durable consumers delivering in order with explicit ack, nak(delay), term, and
 * redelivery of what is not acknowledged within ackWait. Used when NATS_URL is unset, and in tests.
 */
import { DependencyUnavailableError } from '../../policies/errors.ts';
import { CLOCK_START_MS, ExpiringMap, sinceStart } from '../store/expiring-map.ts';
import type { Bus, BusMessage, BusState, ConsumerHandle, ConsumerSpec, MessageHandler, PublishOptions, StreamSpec } from './bus.ts';

const encoder = new TextEncoder();

interface Stored {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array | string;
  readonly timestampMs: number;
}

interface Stream {
  readonly name: string;
  subjects: Set<string>;
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
  /**
   * The messages, in columns (no object per message kept): subject; data as published, bytes (`slice()`:
   * a copy of a plain Uint8Array, a view of a Buffer's memory, so publishers never write to bytes they
   * published, see Bus.publish) or a string (immutable, kept as is and encoded when delivered); publish
   * time (`sinceStart`).
   */
  readonly subjectsOf: string[];
  readonly dataOf: (Uint8Array | string)[];
  readonly timesOf: number[];
  /** Sequence of the first message held (index 0 of the columns). */
  firstSeq: number;
  lastSeq: number;
  /** Published msgIds within the duplicate window (expiring `duplicateWindowMs` after their publish, `sinceStart`). */
  readonly msgIds: ExpiringMap<{ readonly seq: number; readonly expiresAt: number }>;
  readonly waiters: Set<() => void>;
}

export interface EmbeddedBusOptions {
  /** Clock (tests move time). */
  readonly now?: () => number;
  /** Messages kept per stream, about (oldest dropped first, a quarter at a time): memory is the only storage. */
  readonly maxMessagesPerStream?: number;
}

export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  private readonly streams = new Map<string, Stream>();
  private readonly consumers = new Map<string, EmbeddedConsumer>();
  private readonly listeners: ((state: BusState, detail?: string) => void)[] = [];
  private closed = false;
  private readonly now: () => number;
  private readonly maxMessages: number;

  constructor(options: EmbeddedBusOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxMessages = options.maxMessagesPerStream ?? 200_000;
  }

  async connect(): Promise<void> {
    for (const l of this.listeners) l('embedded');
  }

  state(): BusState {
    return this.closed ? 'closed' : 'embedded';
  }

  onState(listener: (state: BusState, detail?: string) => void): void {
    this.listeners.push(listener);
  }

  async ensureStream(spec: StreamSpec): Promise<string> {
    const owner = await this.streamOf(spec.subjects[0] ?? '');
    if (owner !== undefined && owner !== spec.name) return owner;
    const existing = this.streams.get(spec.name);
    if (existing) {
      for (const s of spec.subjects) existing.subjects.add(s);
      return spec.name;
    }
    this.streams.set(spec.name, {
      name: spec.name,
      subjects: new Set(spec.subjects),
      maxAgeMs: spec.maxAgeMs ?? 0,
      duplicateWindowMs: spec.duplicateWindowMs ?? 120_000,
      subjectsOf: [],
      dataOf: [],
      timesOf: [],
      firstSeq: 1,
      lastSeq: 0,
      msgIds: new ExpiringMap(Number.POSITIVE_INFINITY),
      waiters: new Set(),
    });
    return spec.name;
  }

  async streamOf(subject: string): Promise<string | undefined> {
    for (const s of this.streams.values()) if (s.subjects.has(subject)) return s.name;
    return undefined;
  }

  async lastSeq(stream: string): Promise<number> {
    return this.stream(stream).lastSeq;
  }

  async publish(subject: string, data: Uint8Array | string, options: PublishOptions = {}): Promise<number> {
    return this.publishNow(subject, data, options);
  }

  /** `publish` without a promise (nothing here waits). */
  publishNow(subject: string, data: Uint8Array | string, options: PublishOptions = {}): number {
    if (this.closed) throw new DependencyUnavailableError('bus', 'embedded bus is closed');
    let target: Stream | undefined;
    for (const s of this.streams.values()) if (s.subjects.has(subject)) target = s;
    if (!target) throw new DependencyUnavailableError('bus', `no stream captures subject "${subject}"`);
    const now = sinceStart(this.now());
    if (options.msgId !== undefined) {
      const seen = target.msgIds.get(options.msgId);
      if (seen && now < seen.expiresAt) return seen.seq;
    }
    const seq = ++target.lastSeq;
    target.subjectsOf.push(subject);
    target.dataOf.push(typeof data === 'string' ? data : data.slice());
    target.timesOf.push(now);
    if (options.msgId !== undefined) {
      // a reused id moves to the back; expired ids go from the front a few per publish (in publish order)
      const expiresAt = now + target.duplicateWindowMs;
      target.msgIds.set(options.msgId, { seq, expiresAt }, now, expiresAt);
    }
    this.expire(target, now);
    for (const w of target.waiters) w();
    return seq;
  }

  async consume(spec: ConsumerSpec, handler: MessageHandler): Promise<ConsumerHandle> {
    const stream = this.stream(spec.stream);
    const key = `${spec.stream}/${spec.durable}`;
    await this.consumers.get(key)?.stop();
    const consumer = new EmbeddedConsumer(stream, spec, handler, this.now);
    this.consumers.set(key, consumer);
    consumer.start();
    return consumer;
  }

  async deleteStream(stream: string): Promise<void> {
    for (const [key, c] of this.consumers) {
      if (key.startsWith(`${stream}/`)) {
        await c.stop();
        this.consumers.delete(key);
      }
    }
    this.streams.delete(stream);
  }

  async close(): Promise<void> {
    for (const c of this.consumers.values()) await c.stop();
    this.consumers.clear();
    this.closed = true;
    for (const l of this.listeners) l('closed');
  }

  private stream(name: string): Stream {
    const s = this.streams.get(name);
    if (!s) throw new DependencyUnavailableError('bus', `stream "${name}" not found`);
    return s;
  }

  private expire(s: Stream, now: number): void {
    if (s.timesOf.length > this.maxMessages + (this.maxMessages >> 2)) {
      // amortised: trim a quarter at a time
      const drop = s.timesOf.length - this.maxMessages;
      s.subjectsOf.splice(0, drop);
      s.dataOf.splice(0, drop);
      s.timesOf.splice(0, drop);
      s.firstSeq += drop;
    }
    if (s.maxAgeMs > 0) {
      while (s.timesOf.length > 0 && now - s.timesOf[0]! > s.maxAgeMs) {
        s.subjectsOf.shift();
        s.dataOf.shift();
        s.timesOf.shift();
        s.firstSeq++;
      }
    }
  }
}

class EmbeddedConsumer implements ConsumerHandle {
  /** Next never-delivered sequence. */
  private cursor: number;
  /** Delivered, not acknowledged: seq -> redelivery time and delivery count. */
  private readonly pending = new Map<number, { due: number; count: number }>();
  private readonly counts = new Map<number, number>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: Stream,
    private readonly spec: ConsumerSpec,
    private readonly handler: MessageHandler,
    private readonly now: () => number,
  ) {
    this.cursor = Math.max(1, spec.startSeq);
  }

  start(): void {
    this.running = true;
    const waiter = (): void => this.wake?.();
    this.stream.waiters.add(waiter);
    this.loop = this.run().finally(() => this.stream.waiters.delete(waiter));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private next(): Stored | undefined {
    const now = this.now();
    let due: number | undefined;
    for (const [seq, p] of this.pending) if (p.due <= now && (due === undefined || seq < due)) due = seq;
    if (due !== undefined) {
      const m = this.find(due);
      if (m) return m;
      this.pending.delete(due);
    }
    if (this.pending.size >= this.spec.maxAckPending) return undefined;
    if (this.cursor < this.stream.firstSeq) this.cursor = this.stream.firstSeq;
    if (this.cursor > this.stream.lastSeq) return undefined;
    return this.find(this.cursor++);
  }

  /** The message `seq` as delivered (an object only for the one being delivered). */
  private find(seq: number): Stored | undefined {
    const s = this.stream;
    const i = seq - s.firstSeq;
    if (i < 0 || i >= s.timesOf.length) return undefined;
    return { seq, subject: s.subjectsOf[i]!, data: s.dataOf[i]!, timestampMs: CLOCK_START_MS + s.timesOf[i]! };
  }

  private nextDue(): number {
    let min = Infinity;
    for (const p of this.pending.values()) min = Math.min(min, p.due);
    return min;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const m = this.next();
      if (!m) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          const due = this.nextDue();
          if (Number.isFinite(due)) this.timer = setTimeout(resolve, Math.max(1, due - this.now()));
        });
        clearTimeout(this.timer);
        this.wake = undefined;
        continue;
      }
      const count = (this.counts.get(m.seq) ?? 0) + 1;
      this.counts.set(m.seq, count);
      this.pending.set(m.seq, { due: this.now() + this.spec.ackWaitMs, count });
      let settled = false;
      const settle = (redeliverInMs: number | undefined): void => {
        if (settled) return;
        settled = true;
        if (redeliverInMs === undefined) {
          this.pending.delete(m.seq);
          this.counts.delete(m.seq);
        } else {
          this.pending.set(m.seq, { due: this.now() + redeliverInMs, count });
        }
      };
      const msg: BusMessage = {
        subject: m.subject,
        data: typeof m.data === 'string' ? encoder.encode(m.data) : m.data,
        seq: m.seq,
        timestampMs: m.timestampMs,
        deliveryCount: count,
        ack: () => settle(undefined),
        term: () => settle(undefined),
        nak: (delayMs = 0) => settle(delayMs),
      };
      try {
        await this.handler(msg);
      } catch {
        // left unacknowledged: redelivered after ackWait, as JetStream does
      }
    }
  }
}
