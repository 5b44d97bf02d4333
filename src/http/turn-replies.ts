/**
 * Answers made in one event-loop turn, sent together at its end (`setImmediate`). Under load a turn
 * handles several requests (8 on average at the benchmark's 10 connections); sent one by one, each answer
 * is a socket write made some microseconds after the one before, each of which wakes the client again,
 * and on a VM a wake-up is one of the costliest steps a write has. Held to the end of the turn, the writes
 * go back to back, so a client woken by the first finds the rest already there. The wait is the rest of
 * the turn; the router's own time (`router_decision_duration_seconds`) is measured before it.
 *
 * Only answers already made (a string, the response's JSON) are held; an answer that waits on the store
 * is sent when it comes. One failed send does not keep the others back.
 */

/** What a held answer is sent through (fastify's reply). */
export interface HeldReply {
  header(name: string, value: string): HeldReply;
  send(payload: string): unknown;
}

export class TurnReplies {
  private readonly replies: HeldReply[] = [];
  private readonly bodies: string[] = [];
  private readonly flush = (): void => this.sendAll();

  /** `onError`: a send that threw (its reply is left to the framework's own handling). */
  constructor(
    private readonly contentType: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Answers held now (for tests). */
  get size(): number {
    return this.replies.length;
  }

  /** Send `body` with the others of this turn, at its end. */
  hold(reply: HeldReply, body: string): void {
    if (this.replies.push(reply) === 1) setImmediate(this.flush);
    this.bodies.push(body);
  }

  private sendAll(): void {
    const n = this.replies.length;
    for (let i = 0; i < n; i++) {
      try {
        this.replies[i]!.header('content-type', this.contentType).send(this.bodies[i]!);
      } catch (err) {
        this.onError(err);
      }
    }
    // answers held while sending (none: a send does not route) would be left for the next flush
    this.replies.splice(0, n);
    this.bodies.splice(0, n);
    if (this.replies.length > 0) setImmediate(this.flush);
  }
}
