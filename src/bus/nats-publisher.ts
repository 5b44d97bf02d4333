/**
 * JetStream publishing with acknowledgements, pipelined: each message goes out as a plain core publish
 * whose reply subject is a token under one inbox this connection subscribes to once, and the stream's
 * acknowledgement (`{"stream":..,"seq":..}`) settles that message's promise. Many messages are in flight
 * without a request object, an inbox subscription entry or a timer each (what `js.publish` costs per
 * message); one sweep times out the ones not acknowledged in time. Semantics are those of `js.publish`: a
 * message counts as written only once its acknowledgement arrives, and `Nats-Msg-Id` lets the stream drop
 * a retried message it already has.
 */
import { createInbox, headers, type Msg, type MsgHdrs, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { DependencyUnavailableError } from '../../policies/errors.ts';
import type { PublishItem } from './bus.ts';

const MSG_ID = 'Nats-Msg-Id';
const decoder = new TextDecoder();

interface InFlight {
  readonly subject: string;
  readonly deadline: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The messages of one `publishAll`, waiting together: one promise and one entry per message in the
 * in-flight map (the batch itself; the message is `token - first`), no promise or closure per message.
 * Settles as `Promise.all` over the messages' own promises would: resolved once every one is
 * acknowledged, rejected by the first failure (the others still wait for their acknowledgement or time out).
 */
class Batch {
  left: number;
  settled = false;
  resolve!: () => void;
  reject!: (err: Error) => void;
  readonly done: Promise<void>;

  constructor(
    readonly items: readonly PublishItem[],
    readonly first: number,
    readonly deadline: number,
  ) {
    this.left = items.length;
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  subjectOf(token: number): string {
    return this.items[token - this.first]!.subject;
  }

  acked(): void {
    if (--this.left === 0 && !this.settled) {
      this.settled = true;
      this.resolve();
    }
  }

  failed(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

interface PubAckBody {
  readonly stream?: string;
  readonly seq?: number;
  readonly error?: { readonly code?: number; readonly description?: string };
}

export class PipelinedPublisher {
  private readonly prefix: string;
  private readonly inFlight = new Map<number, InFlight | Batch>();
  private readonly sub: Subscription;
  private next = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.prefix = `${createInbox()}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => this.onAck(err, msg) });
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves with the stream sequence once the stream acknowledged the message. */
  publish(subject: string, data: Uint8Array | string, msgId: string | undefined, timeoutMs = this.timeoutMs): Promise<number> {
    const token = this.next++;
    return new Promise<number>((resolve, reject) => {
      try {
        this.send(token, subject, data, msgId);
      } catch (err) {
        reject(publishError(subject, String(err), err));
        return;
      }
      this.inFlight.set(token, { subject, deadline: Date.now() + timeoutMs, resolve, reject });
      this.sweeper ??= this.startSweeper();
    });
  }

  /** One message with its acknowledgement asked to `prefix + token` and its `Nats-Msg-Id` header (if any). */
  private send(token: number, subject: string, data: Uint8Array | string, msgId: string | undefined): void {
    const reply = this.prefix + token;
    if (msgId === undefined) {
      this.nc.publish(subject, data, { reply });
      return;
    }
    const hdrs: MsgHdrs = headers();
    hdrs.set(MSG_ID, msgId);
    this.nc.publish(subject, data, { reply, headers: hdrs });
  }

  /**
   * `Promise.all` of `publish` over the items (each its own message with its own `Nats-Msg-Id`, sent in
   * order), with one promise for the batch instead of one per message.
   */
  publishAll(items: readonly PublishItem[], timeoutMs = this.timeoutMs): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const batch = new Batch(items, this.next, Date.now() + timeoutMs);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const token = this.next++;
      try {
        this.send(token, item.subject, item.data, item.msgId);
      } catch (err) {
        // as a rejected publish in Promise.all: the batch fails, the messages sent before it still wait
        batch.failed(publishError(item.subject, String(err), err));
        continue;
      }
      this.inFlight.set(token, batch);
    }
    if (this.inFlight.size > 0) this.sweeper ??= this.startSweeper();
    return batch.done;
  }

  private onAck(err: NatsError | null, msg: Msg): void {
    if (err) return; // the subscription closed: close() rejects what is left
    const token = Number(msg.subject.slice(this.prefix.length));
    const waiting = this.inFlight.get(token);
    if (!waiting) return; // timed out already (its retry is deduplicated by its msg id)
    this.inFlight.delete(token);
    const subject = waiting instanceof Batch ? waiting.subjectOf(token) : waiting.subject;
    const seq = ackSeq(subject, msg);
    if (waiting instanceof Batch) {
      if (typeof seq === 'number') waiting.acked();
      else waiting.failed(seq);
    } else if (typeof seq === 'number') {
      waiting.resolve(seq);
    } else {
      waiting.reject(seq);
    }
  }

  private startSweeper(): NodeJS.Timeout {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const [token, waiting] of this.inFlight) {
        if (waiting.deadline > now) continue;
        this.inFlight.delete(token);
        fail(waiting, token, 'timed out waiting for the acknowledgement');
      }
      if (this.inFlight.size === 0) {
        clearInterval(timer);
        this.sweeper = undefined;
      }
    }, Math.max(10, Math.min(100, this.timeoutMs / 4)));
    timer.unref();
    return timer;
  }

  /** Reject every message still waiting (the connection is closing). */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const [token, waiting] of this.inFlight) fail(waiting, token, 'connection closed');
    this.inFlight.clear();
    try {
      this.sub.unsubscribe();
    } catch {
      // already closed
    }
  }
}

function fail(waiting: InFlight | Batch, token: number, why: string): void {
  if (waiting instanceof Batch) waiting.failed(publishError(waiting.subjectOf(token), why));
  else waiting.reject(publishError(waiting.subject, why));
}

/** The stream sequence an acknowledgement gives, or why it is not one. */
function ackSeq(subject: string, msg: Msg): number | DependencyUnavailableError {
  if (msg.data.length === 0) {
    // a status without a body: 503 when no stream captures the subject
    const code = msg.headers?.code ?? 0;
    return publishError(subject, `no acknowledgement (status ${code} ${msg.headers?.description ?? ''})`.trim());
  }
  let body: PubAckBody;
  try {
    body = JSON.parse(decoder.decode(msg.data)) as PubAckBody;
  } catch (e) {
    return publishError(subject, 'invalid acknowledgement', e);
  }
  if (body.error || typeof body.seq !== 'number' || !body.stream) {
    return publishError(subject, body.error ? `${body.error.code ?? '?'} ${body.error.description ?? ''}`.trim() : 'invalid acknowledgement');
  }
  return body.seq;
}

function publishError(subject: string, why: string, cause?: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError('nats', `publish to ${subject} failed: ${why}`, cause === undefined ? undefined : { cause });
}
