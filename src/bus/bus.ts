/**
 * The event bus the router needs: JetStream-style streams with sequence numbers, publishing with an
 * acknowledgement (the stream sequence), and durable consumers with explicit ack and redelivery.
 * Two implementations with the same semantics: NATS JetStream (`nats-bus.ts`) and an in-process bus
 * (`embedded-bus.ts`) used when NATS_URL is unset.
 */

export interface StreamSpec {
  readonly name: string;
  /** Exact subjects captured by the stream. */
  readonly subjects: readonly string[];
  /** Drop messages older than this (0: keep forever). */
  readonly maxAgeMs?: number;
  /** Window in which a repeated `msgId` is ignored by the stream. */
  readonly duplicateWindowMs?: number;
}

export interface ConsumerSpec {
  readonly stream: string;
  /** Durable consumer name; (re)created at `startSeq`. */
  readonly durable: string;
  /** First stream sequence to deliver (1: from the beginning). */
  readonly startSeq: number;
  /** Unacknowledged messages are redelivered after this long. */
  readonly ackWaitMs: number;
  /** At most this many delivered-but-unacknowledged messages. */
  readonly maxAckPending: number;
  /** If the server lost the consumer (restarted without its state), recreate it from this sequence. */
  readonly resumeFrom?: () => number;
  /**
   * Told about messages received but not yet handled (each once, in order), so the handler's lookups can
   * start early. Handling is unchanged: one at a time, in order. Implementations may never call it.
   */
  readonly prefetch?: (messages: readonly BusMessage[]) => void;
}

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Stream sequence number. */
  readonly seq: number;
  /** Stream time of the message (epoch ms). */
  readonly timestampMs: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  ack(): void;
  /** Redeliver after `delayMs` (transient failure). */
  nak(delayMs?: number): void;
  /** Never redeliver (poison). */
  term(): void;
}

export interface PublishOptions {
  /** Idempotency key: the stream ignores a repeat within its duplicate window. */
  readonly msgId?: string;
  /** Give up after this long (ms). */
  readonly timeoutMs?: number;
}

/** One message of `Bus.publishAll`. */
export interface PublishItem {
  readonly subject: string;
  readonly data: Uint8Array | string;
  readonly msgId: string | undefined;
}

/** Handlers run one at a time, in delivery order; a throwing handler leaves its message unacked. */
export type MessageHandler = (msg: BusMessage) => Promise<void>;

export interface ConsumerHandle {
  /** Stop receiving; waits for the handler in progress to finish (its ack included). */
  stop(): Promise<void>;
}

export type BusState = 'embedded' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface Bus {
  readonly kind: 'nats' | 'embedded';
  /** Connect (resolves once connected; NATS keeps retrying in the background if the first attempt fails). */
  connect(): Promise<void>;
  state(): BusState;
  /** Register a listener of state changes. */
  onState(listener: (state: BusState, detail?: string) => void): void;
  /** Create the stream, or add missing subjects to it. If another stream already captures a subject, use it. */
  ensureStream(spec: StreamSpec): Promise<string>;
  /** Name of the stream capturing `subject`, or undefined. */
  streamOf(subject: string): Promise<string | undefined>;
  /** Last sequence in the stream (0 when empty). */
  lastSeq(stream: string): Promise<number>;
  /**
   * Publish into the stream capturing `subject`; resolves with the stream sequence (the stream's ack).
   * `data` as bytes, or as a string sent UTF-8 encoded. The bytes must not be written to after the call:
   * NATS's client holds them until its next socket write (the embedded bus copies them into its slabs).
   */
  publish(subject: string, data: Uint8Array | string, options?: PublishOptions): Promise<number>;
  /**
   * `publish` answered at once, for a bus that never waits (the embedded one): the decision log then needs
   * no promise per message. Throws where `publish` rejects. Absent on buses that do I/O.
   */
  publishNow?(subject: string, data: Uint8Array | string, options?: PublishOptions): number;
  /**
   * `Promise.all` of `publish` over the items, each its own message with its own msg id, in order: one
   * promise for the batch instead of one per message (the decision log's flush). Optional.
   */
  publishAll?(items: readonly PublishItem[], timeoutMs?: number): Promise<void>;
  consume(spec: ConsumerSpec, handler: MessageHandler): Promise<ConsumerHandle>;
  /** Delete a stream (tests clean up after themselves). */
  deleteStream(stream: string): Promise<void>;
  close(): Promise<void>;
}
