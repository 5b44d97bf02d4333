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

const MSG_ID = 'Nats-Msg-Id';
const decoder = new TextDecoder();

interface InFlight {
  readonly subject: string;
  readonly deadline: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: Error) => void;
}

interface PubAckBody {
  readonly stream?: string;
  readonly seq?: number;
  readonly error?: { readonly code?: number; readonly description?: string };
}

export class PipelinedPublisher {
  private readonly prefix: string;
  private readonly inFlight = new Map<number, InFlight>();
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
    let hdrs: MsgHdrs | undefined;
    if (msgId !== undefined) {
      hdrs = headers();
      hdrs.set(MSG_ID, msgId);
    }
    return new Promise<number>((resolve, reject) => {
      try {
        this.nc.publish(subject, data, hdrs ? { reply: this.prefix + token, headers: hdrs } : { reply: this.prefix + token });
      } catch (err) {
        reject(publishError(subject, String(err), err));
        return;
      }
      this.inFlight.set(token, { subject, deadline: Date.now() + timeoutMs, resolve, reject });
      this.sweeper ??= this.startSweeper();
    });
  }

  private onAck(err: NatsError | null, msg: Msg): void {
    if (err) return; // the subscription closed: close() rejects what is left
    const token = Number(msg.subject.slice(this.prefix.length));
    const waiting = this.inFlight.get(token);
    if (!waiting) return; // timed out already (its retry is deduplicated by its msg id)
    this.inFlight.delete(token);
    if (msg.data.length === 0) {
      // a status without a body: 503 when no stream captures the subject
      const code = msg.headers?.code ?? 0;
      waiting.reject(publishError(waiting.subject, `no acknowledgement (status ${code} ${msg.headers?.description ?? ''})`.trim()));
      return;
    }
    let body: PubAckBody;
    try {
      body = JSON.parse(decoder.decode(msg.data)) as PubAckBody;
    } catch (e) {
      waiting.reject(publishError(waiting.subject, 'invalid acknowledgement', e));
      return;
    }
    if (body.error || typeof body.seq !== 'number' || !body.stream) {
      waiting.reject(publishError(waiting.subject, body.error ? `${body.error.code ?? '?'} ${body.error.description ?? ''}`.trim() : 'invalid acknowledgement'));
      return;
    }
    waiting.resolve(body.seq);
  }

  private startSweeper(): NodeJS.Timeout {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const [token, waiting] of this.inFlight) {
        if (waiting.deadline > now) continue;
        this.inFlight.delete(token);
        waiting.reject(publishError(waiting.subject, 'timed out waiting for the acknowledgement'));
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
    for (const waiting of this.inFlight.values()) waiting.reject(publishError(waiting.subject, 'connection closed'));
    this.inFlight.clear();
    try {
      this.sub.unsubscribe();
    } catch {
      // already closed
    }
  }
}

function publishError(subject: string, why: string, cause?: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError('nats', `publish to ${subject} failed: ${why}`, cause === undefined ? undefined : { cause });
}
