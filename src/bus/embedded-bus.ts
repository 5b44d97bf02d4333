/**
 * In-process bus with JetStream semantics: streams with sequence numbers and publish acks, duplicate
 * suppression by msgId, durable consumers delivering in order with explicit ack, nak(delay), term, and
 * redelivery of what is not acknowledged within ackWait. Used when NATS_URL is unset, and in tests.
 *
 * A stream holds no JavaScript object per message: the bytes are copied into the stream's ByteSlabs (a
 * string UTF-8 encoded there) and the rest (slab, offset, length, subject number, publish time) sits in
 * typed-array columns. The up to 200,000 messages a stream keeps are then nothing a young-generation
 * collection has to copy; a delivery builds its message, with a copy of the bytes as its data (an emptied slab is reused).
 */
import { DependencyUnavailableError } from '../../policies/errors.ts';
import { ByteSlabs, utf8Room } from '../store/byte-slabs.ts';
import { SlabArena } from '../store/slab-arena.ts';
import { CLOCK_START_MS, sinceStart } from '../store/clock.ts';
import { SlabMap } from '../store/slab-map.ts';
import type { Bus, BusMessage, BusState, ConsumerHandle, ConsumerSpec, MessageHandler, PublishOptions, StreamSpec } from './bus.ts';

interface Stored {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly timestampMs: number;
}

/**
 * A stream's messages, oldest first, in growable typed arrays: message `i` (0: the oldest held) is at
 * `head + i`. Dropping from the front moves `head`; a full array is compacted (`copyWithin`) when at
 * most half of it is live, else doubled, so each message is moved O(1) times on average.
 */
class Columns {
  slabOf: Int32Array = new Int32Array(16);
  offsetOf: Int32Array = new Int32Array(16);
  lengthOf: Int32Array = new Int32Array(16);
  subjectOf: Int32Array = new Int32Array(16);
  timeOf: Float64Array = new Float64Array(16);
  head = 0;
  end = 0;

  get length(): number {
    return this.end - this.head;
  }

  push(slab: number, offset: number, length: number, subject: number, time: number): void {
    if (this.end === this.timeOf.length) this.makeRoom();
    const i = this.end++;
    this.slabOf[i] = slab;
    this.offsetOf[i] = offset;
    this.lengthOf[i] = length;
    this.subjectOf[i] = subject;
    this.timeOf[i] = time;
  }

  private makeRoom(): void {
    const live = this.length;
    const grow = live * 2 > this.timeOf.length;
    const moved = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      if (!grow) {
        a.copyWithin(0, this.head, this.end);
        return a;
      }
      const b = make(a.length * 2);
      b.set(a.subarray(this.head, this.end));
      return b;
    };
    const int32 = (n: number): Int32Array => new Int32Array(n);
    this.slabOf = moved(this.slabOf, int32);
    this.offsetOf = moved(this.offsetOf, int32);
    this.lengthOf = moved(this.lengthOf, int32);
    this.subjectOf = moved(this.subjectOf, int32);
    this.timeOf = moved(this.timeOf, (n) => new Float64Array(n));
    this.head = 0;
    this.end = live;
  }
}

interface Stream {
  readonly name: string;
  subjects: Set<string>;
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
  /**
   * The messages, in columns (no object per message kept): the data's slab, offset and length in `slabs`
   * (a copy of the bytes published, a string UTF-8 encoded), the subject (a number in `subjectNames`),
   * the publish time (`sinceStart`).
   */
  readonly columns: Columns;
  readonly slabs: ByteSlabs;
  readonly subjectNames: string[];
  readonly subjectNumbers: Map<string, number>;
  /** Sequence of the first message held (message 0 of the columns). */
  firstSeq: number;
  lastSeq: number;
  /** Published msgIds within the duplicate window -> their seq (expiring `duplicateWindowMs` after their publish, `sinceStart`). */
  readonly msgIds: SlabMap;
  readonly waiters: Set<() => void>;
}

export interface EmbeddedBusOptions {
  /** Clock (tests move time). */
  readonly now?: () => number;
  /** Messages kept per stream, about (oldest dropped first, a quarter at a time): memory is the only storage. */
  readonly maxMessagesPerStream?: number;
  /** Where the messages' bytes are kept (a router shares one between its tables). */
  readonly arena?: SlabArena;
}

export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  private readonly streams = new Map<string, Stream>();
  private readonly consumers = new Map<string, EmbeddedConsumer>();
  private readonly listeners: ((state: BusState, detail?: string) => void)[] = [];
  private closed = false;
  private readonly now: () => number;
  private readonly maxMessages: number;
  private readonly arena: SlabArena;

  constructor(options: EmbeddedBusOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxMessages = options.maxMessagesPerStream ?? 200_000;
    this.arena = options.arena ?? new SlabArena();
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
      columns: new Columns(),
      slabs: new ByteSlabs(this.arena),
      subjectNames: [],
      subjectNumbers: new Map(),
      firstSeq: 1,
      lastSeq: 0,
      msgIds: new SlabMap(Number.POSITIVE_INFINITY, undefined, this.arena),
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
      const seen = target.msgIds.findLive(options.msgId, now);
      if (seen >= 0) return target.msgIds.numberOf(seen);
    }
    const seq = ++target.lastSeq;
    const slabs = target.slabs;
    let length: number;
    if (typeof data === 'string') {
      length = slabs.reserve(utf8Room(data)).write(data, slabs.offset);
    } else {
      slabs.reserve(data.length).set(data, slabs.offset);
      length = data.length;
    }
    slabs.commit(length);
    let subjectNumber = target.subjectNumbers.get(subject);
    if (subjectNumber === undefined) {
      subjectNumber = target.subjectNames.push(subject) - 1;
      target.subjectNumbers.set(subject, subjectNumber);
    }
    target.columns.push(slabs.slab, slabs.offset, length, subjectNumber, now);
    if (options.msgId !== undefined) {
      // a reused id moves to the back; expired ids go from the front a few per publish (in publish order)
      const expiresAt = now + target.duplicateWindowMs;
      target.msgIds.set(options.msgId, undefined, seq, expiresAt, now, expiresAt);
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
    const s = this.streams.get(stream);
    // its slabs back to the arena, for the streams that remain
    s?.slabs.clear();
    s?.msgIds.clear();
    this.streams.delete(stream);
  }

  async close(): Promise<void> {
    for (const c of this.consumers.values()) await c.stop();
    this.consumers.clear();
    this.closed = true;
    for (const l of this.listeners) l('closed');
  }

  /** Slabs held by the stream's messages (for tests). */
  slabCountForTests(stream: string): number {
    return this.stream(stream).slabs.slabCount;
  }

  private stream(name: string): Stream {
    const s = this.streams.get(name);
    if (!s) throw new DependencyUnavailableError('bus', `stream "${name}" not found`);
    return s;
  }

  private expire(s: Stream, now: number): void {
    const c = s.columns;
    // amortised: trim a quarter at a time
    if (c.length > this.maxMessages + (this.maxMessages >> 2)) this.dropOldest(s, c.length - this.maxMessages);
    if (s.maxAgeMs > 0) {
      let old = 0;
      while (old < c.length && now - c.timeOf[c.head + old]! > s.maxAgeMs) old++;
      this.dropOldest(s, old);
    }
  }

  private dropOldest(s: Stream, n: number): void {
    const c = s.columns;
    for (let i = c.head; i < c.head + n; i++) s.slabs.release(c.slabOf[i]!);
    c.head += n;
    s.firstSeq += n;
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
    const c = s.columns;
    const n = seq - s.firstSeq;
    if (n < 0 || n >= c.length) return undefined;
    const i = c.head + n;
    const offset = c.offsetOf[i]!;
    // a copy: the consumer may keep it past the message's trimming, and an emptied slab is reused
    const data = Buffer.from(s.slabs.bufferOf(c.slabOf[i]!).subarray(offset, offset + c.lengthOf[i]!));
    return { seq, subject: s.subjectNames[c.subjectOf[i]!]!, data, timestampMs: CLOCK_START_MS + c.timeOf[i]! };
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
        data: m.data,
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
