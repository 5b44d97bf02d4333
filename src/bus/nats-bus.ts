/**
 * The bus on NATS JetStream (the `nats` package, v2 API). Connects in the background and keeps
 * reconnecting forever, so the router serves decisions while NATS is down; durable pull consumers with
 * explicit ack; the consume loop re-attaches after server restarts.
 */
import {
  AckPolicy,
  DeliverPolicy,
  Events,
  StorageType,
  connect,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { DependencyUnavailableError } from '../../policies/errors.ts';
import { PipelinedPublisher } from './nats-publisher.ts';
import type { Bus, BusMessage, BusState, ConsumerHandle, ConsumerSpec, MessageHandler, PublishItem, PublishOptions, StreamSpec } from './bus.ts';

export interface NatsBusOptions {
  readonly servers: string;
  readonly name: string;
  /** Default publish timeout. */
  readonly timeoutMs?: number;
  /**
   * How long `close` lets the connection drain (flush pending acks and publishes) before closing it anyway:
   * a server that stopped answering must not hold up shutdown (default 3000 ms).
   */
  readonly drainTimeoutMs?: number;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 3000;

export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private publisher: PipelinedPublisher | undefined;
  private current: BusState = 'connecting';
  private readonly listeners: ((state: BusState, detail?: string) => void)[] = [];
  private connecting: Promise<void> | undefined;
  private closing = false;

  constructor(private readonly options: NatsBusOptions) {}

  connect(): Promise<void> {
    this.connecting ??= this.doConnect();
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const nc = await connect({
      servers: this.options.servers.split(',').map((s) => s.trim()),
      name: this.options.name,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 2000,
      pingInterval: 5000,
      maxPingOut: 2,
      // no stack trace captured per request (every JetStream publish is one): a measurable share of the
      // decision log's cost; our errors name the operation instead
      noAsyncTraces: true,
    });
    if (this.closing) {
      await nc.close();
      return;
    }
    this.nc = nc;
    this.js = nc.jetstream({ timeout: this.options.timeoutMs ?? 2000 });
    this.publisher = new PipelinedPublisher(nc, this.options.timeoutMs ?? 2000);
    this.jsm = await nc.jetstreamManager({ timeout: this.options.timeoutMs ?? 2000 });
    this.set('connected');
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) this.set('reconnecting', `disconnected from ${String(s.data)}`);
        else if (s.type === Events.Reconnect) this.set('connected', `reconnected to ${String(s.data)}`);
      }
    })();
    void nc.closed().then((err) => this.set('closed', err ? String(err) : undefined));
  }

  state(): BusState {
    return this.current;
  }

  onState(listener: (state: BusState, detail?: string) => void): void {
    this.listeners.push(listener);
  }

  private set(state: BusState, detail?: string): void {
    this.current = state;
    for (const l of this.listeners) l(state, detail);
  }

  private manager(): JetStreamManager {
    if (!this.jsm || this.current !== 'connected') throw new DependencyUnavailableError('nats', `not connected (${this.current})`);
    return this.jsm;
  }

  async ensureStream(spec: StreamSpec): Promise<string> {
    const jsm = this.manager();
    const owner = (await this.streamOf(spec.subjects[0] ?? '')) ?? spec.name;
    let info;
    try {
      info = await jsm.streams.info(owner);
    } catch {
      info = undefined;
    }
    if (!info) {
      await jsm.streams.add({
        name: owner,
        subjects: [...spec.subjects],
        storage: StorageType.File,
        max_age: nanos(spec.maxAgeMs ?? 0),
        duplicate_window: nanos(spec.duplicateWindowMs ?? 120_000),
      });
      return owner;
    }
    const missing = spec.subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length > 0) {
      await jsm.streams.update(owner, { subjects: [...(info.config.subjects ?? []), ...missing] });
    }
    return owner;
  }

  async streamOf(subject: string): Promise<string | undefined> {
    try {
      return await this.manager().streams.find(subject);
    } catch (err) {
      if (err instanceof DependencyUnavailableError) throw err;
      return undefined;
    }
  }

  async lastSeq(stream: string): Promise<number> {
    const info = await this.manager().streams.info(stream);
    return info.state.last_seq;
  }

  /**
   * Pipelined (`nats-publisher.ts`): the caller may have many publishes in flight (the decision log awaits
   * a batch together); each resolves once the stream acknowledged it, as with `js.publish`.
   */
  publish(subject: string, data: Uint8Array | string, options: PublishOptions = {}): Promise<number> {
    if (!this.publisher || this.current !== 'connected') return Promise.reject(new DependencyUnavailableError('nats', `not connected (${this.current})`));
    return this.publisher.publish(subject, data, options.msgId, options.timeoutMs);
  }

  /** `publish` of each item, settled together (`PipelinedPublisher.publishAll`). */
  publishAll(items: readonly PublishItem[], timeoutMs?: number): Promise<void> {
    if (!this.publisher || this.current !== 'connected') return Promise.reject(new DependencyUnavailableError('nats', `not connected (${this.current})`));
    return this.publisher.publishAll(items, timeoutMs);
  }

  async consume(spec: ConsumerSpec, handler: MessageHandler): Promise<ConsumerHandle> {
    const jsm = this.manager();
    try {
      await jsm.consumers.delete(spec.stream, spec.durable);
    } catch {
      // not there yet
    }
    await this.addConsumer(spec, spec.startSeq);
    return new NatsConsumer(this, spec, handler);
  }

  private async addConsumer(spec: ConsumerSpec, startSeq: number): Promise<void> {
    await this.manager().consumers.add(spec.stream, {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: startSeq <= 1 ? DeliverPolicy.All : DeliverPolicy.StartSequence,
      ...(startSeq > 1 ? { opt_start_seq: startSeq } : {}),
      ack_wait: nanos(spec.ackWaitMs),
      max_ack_pending: spec.maxAckPending,
      // a replica gone for good (a pod name never seen again) leaves no consumer behind; a returning one
      // recreates its consumer from its snapshot's sequence anyway
      inactive_threshold: nanos(3_600_000),
    });
  }

  /** @internal the consumer is gone from the server (restarted without state): recreate it where we are. */
  async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    const jsm = this.manager();
    try {
      await jsm.consumers.info(spec.stream, spec.durable);
    } catch {
      await this.addConsumer(spec, spec.resumeFrom?.() ?? spec.startSeq);
    }
  }

  /** @internal used by NatsConsumer */
  async openMessages(spec: ConsumerSpec, deliver: (m: JsMsg) => void): Promise<ConsumerMessages> {
    if (!this.js) throw new DependencyUnavailableError('nats', 'not connected');
    const consumer = await this.js.consumers.get(spec.stream, spec.durable);
    // a callback rather than the async iterator: no generator step and promises per message
    return consumer.consume({ max_messages: Math.min(256, spec.maxAckPending), abort_on_missing_resource: true, callback: deliver });
  }

  async deleteStream(stream: string): Promise<void> {
    try {
      await this.manager().streams.delete(stream);
    } catch {
      // already gone
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const nc = this.nc;
    const publisher = this.publisher;
    if (nc && !nc.isClosed()) {
      try {
        // drain flushes pending acks and publishes; while disconnected there is nothing to flush to
        if (this.current === 'connected') await this.drainWithin(nc, this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
        else await nc.close();
      } catch {
        await nc.close();
      }
    }
    publisher?.close();
    this.set('closed');
  }

  /** `nc.drain()`, but closed outright after `ms` (nats.js's drain has no timeout of its own). */
  private async drainWithin(nc: NatsConnection, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms);
    });
    const drained = nc.drain().then(() => 'drained' as const);
    drained.catch(() => undefined); // a drain that fails after the timeout has nothing left to tell
    try {
      if ((await Promise.race([drained, late])) === 'late' && !nc.isClosed()) await nc.close();
    } finally {
      clearTimeout(timer);
    }
  }
}

class NatsConsumer implements ConsumerHandle {
  private running = true;
  private messages: ConsumerMessages | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly bus: NatsBus,
    private readonly spec: ConsumerSpec,
    private readonly handler: MessageHandler,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.handleAll();
      } catch {
        // connection lost or consumer missing: retry below
      }
      if (this.running) {
        await new Promise((r) => setTimeout(r, 500));
        try {
          await this.bus.ensureConsumer(this.spec);
        } catch {
          // not connected yet
        }
      }
    }
  }

  /**
   * Handle the messages one at a time, in order. A reader takes them off the subscription as they arrive
   * (at most max-ack-pending are delivered unacknowledged), so the spec's `prefetch` can see the ones
   * waiting while the handler works on the current one. Acks are sent in groups (up to 64 handled
   * messages, or whenever no message waits, and always before a nak or term or the loop ends): the
   * client writes to the socket once per group instead of once per message.
   */
  private async handleAll(): Promise<void> {
    const acks = new AckGroup();
    const queue: BusMessage[] = [];
    let head = 0;
    let told = 0;
    let ended = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    // nats.js calls this for each message as it is parsed off the socket (never async)
    const deliver = (m: JsMsg): void => {
      if (!this.running || ended) return; // stopping: left unacknowledged, as a message never handled
      queue.push(new NatsBusMessage(m, acks));
      wake?.();
    };
    const messages = await this.bus.openMessages(this.spec, deliver);
    this.messages = messages;
    const reader = messages.closed().then(
      (err) => {
        if (err) failure = err;
      },
      (err: unknown) => {
        failure = err;
      },
    ).finally(() => {
      ended = true;
      wake?.();
    });
    const sendAcks = (): void => acks.send();
    while (this.running) {
      if (head === queue.length) {
        sendAcks();
        if (ended) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      if (this.spec.prefetch && told < queue.length) {
        this.spec.prefetch(queue.slice(Math.max(told, head)));
        told = queue.length;
      }
      const msg = queue[head]!;
      queue[head++] = undefined as unknown as BusMessage; // let it go
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        told -= head;
        head = 0;
      }
      try {
        await this.handler(msg);
      } catch {
        // unacknowledged: JetStream redelivers after ack_wait
      }
      if (acks.length >= ACK_GROUP) sendAcks();
    }
    sendAcks();
    if (!this.running) {
      try {
        messages.stop();
      } catch {
        // already closed
      }
    }
    await reader;
    if (failure !== undefined) throw failure;
  }

  async stop(): Promise<void> {
    this.running = false;
    try {
      this.messages?.stop();
    } catch {
      // already closed
    }
    await this.loop;
  }
}

/** Acks are sent in groups of up to this many handled messages (and whenever no message waits). */
const ACK_GROUP = 64;

/** The handled messages whose acks are not sent yet. */
class AckGroup {
  private readonly held: JsMsg[] = [];

  get length(): number {
    return this.held.length;
  }

  hold(m: JsMsg): void {
    this.held.push(m);
  }

  send(): void {
    const held = this.held;
    for (let i = 0; i < held.length; i++) held[i]!.ack();
    held.length = 0;
  }
}

/**
 * One delivered message: its fields read once from the JetStream message (the sequence, time and delivery
 * count come from parsing its reply subject), and ack / nak / term as methods rather than three closures
 * per message. `ack` holds the message for the group's next send; `nak` and `term` send the held acks first.
 */
class NatsBusMessage implements BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly seq: number;
  readonly timestampMs: number;
  readonly deliveryCount: number;

  constructor(
    private readonly m: JsMsg,
    private readonly acks: AckGroup,
  ) {
    const info = m.info;
    this.subject = m.subject;
    this.data = m.data;
    this.seq = info.streamSequence;
    this.timestampMs = Math.floor(info.timestampNanos / 1e6);
    this.deliveryCount = info.deliveryCount;
  }

  ack(): void {
    this.acks.hold(this.m);
  }

  nak(delayMs?: number): void {
    this.acks.send();
    this.m.nak(delayMs);
  }

  term(): void {
    this.acks.send();
    this.m.term();
  }
}
