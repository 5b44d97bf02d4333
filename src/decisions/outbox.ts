/**
 * A bounded write-behind buffer: the hot path `push`es and never waits; a background flusher hands
 * batches to `flush` and retries with backoff while the dependency is down. When full, new items are
 * dropped and counted (the caller's metric), never blocking the caller. An item may stand for several
 * (`weightOf`: a message carrying several records): capacity, drops and `pending` count those.
 */

export interface OutboxOptions<T> {
  readonly name: string;
  /** Most pending, in units of `weightOf`. */
  readonly capacity: number;
  /** How many units an item counts for (default 1): the records of a message that carries several. */
  readonly weightOf?: (item: T) => number;
  readonly batchSize: number;
  /** Write a batch; throw to retry it later. */
  readonly flush: (batch: readonly T[]) => Promise<void>;
  readonly onDrop: (count: number) => void;
  readonly onPending?: (count: number) => void;
  readonly onError?: (err: unknown) => void;
  /**
   * How long the first item pushed into an empty buffer waits for others before the flush (default 0: the
   * end of the event-loop turn). Over a network each flush is a socket write that wakes the server, which
   * at a few requests per turn cost more than the messages themselves; a millisecond gathers dozens.
   */
  readonly lingerMs?: number;
  /** Delay before the first retry; doubles up to maxBackoffMs. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class Outbox<T> {
  private queue: T[] = [];
  private head = 0;
  private flushing: Promise<void> | undefined;
  private backoff: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Sum of the pending items' weights. */
  private weight = 0;

  constructor(private readonly options: OutboxOptions<T>) {
    this.backoff = options.backoffMs ?? 50;
  }

  /** Units pending (items, or their weights with `weightOf`). */
  get pending(): number {
    return this.weight;
  }

  /** Units a push may still add before the buffer is full. */
  get room(): number {
    return this.options.capacity - this.weight;
  }

  /** Enqueue without waiting; false (and its weight counted as dropped) when it does not fit. */
  push(item: T): boolean {
    const w = this.options.weightOf?.(item) ?? 1;
    if (this.weight + w > this.options.capacity) {
      this.options.onDrop(w);
      return false;
    }
    this.queue.push(item);
    this.weight += w;
    this.options.onPending?.(this.weight);
    this.schedule(this.options.lingerMs ?? 0);
    return true;
  }

  private schedule(delayMs: number): void {
    if (this.flushing || this.timer || this.closed) return;
    if (delayMs === 0) {
      this.flushing = this.drain();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule(0);
    }, delayMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    // let the current tick's pushes join the batch
    await new Promise<void>((r) => setImmediate(r));
    let failed = false;
    while (this.head < this.queue.length && !failed) {
      const end = Math.min(this.queue.length, this.head + this.options.batchSize);
      const batch = this.queue.slice(this.head, end);
      try {
        await this.options.flush(batch);
        // written: let go of the items now (slots held until the compaction below kept each one alive
        // for thousands of pushes, through young collections, into the old generation)
        const { weightOf } = this.options;
        for (let i = this.head; i < end; i++) {
          this.weight -= weightOf ? weightOf(this.queue[i]!) : 1;
          this.queue[i] = undefined as unknown as T;
        }
        this.head = end;
        this.backoff = this.options.backoffMs ?? 50;
        if (this.head === this.queue.length) {
          this.queue.length = 0;
          this.head = 0;
        } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      } catch (err) {
        failed = true;
        this.options.onError?.(err);
      }
      this.options.onPending?.(this.weight);
    }
    this.flushing = undefined;
    if (failed) {
      const delay = this.backoff;
      this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 2000);
      this.schedule(delay);
    } else if (this.head < this.queue.length) {
      this.schedule(0);
    }
  }

  /** Flush now (a dependency came back): no waiting out the linger or the backoff. */
  kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.head < this.queue.length) this.schedule(0);
  }

  /** Try to write everything still buffered, for up to `timeoutMs`; resolves with what is left. */
  async drainFor(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.head < this.queue.length && Date.now() < deadline) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.schedule(0);
      await Promise.race([this.flushing, new Promise((r) => setTimeout(r, Math.max(1, Math.min(100, deadline - Date.now()))))]);
    }
    return this.pending;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
