/**
 * Pending outcomes ordered by arrival time (transaction index), first-in-first-out among equal arrivals: a
 * binary min-heap over (arrival, sequence). Used for delayed feedback: an outcome decided at t with delay d
 * becomes visible at t + d, and is applied at the next batch boundary.
 */
export interface PendingOutcome<T> {
  readonly arrival: number;
  readonly item: T;
}

export class OutcomeQueue<T> {
  private readonly arrivals: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(arrival: number, item: T): void {
    this.arrivals.push(arrival);
    this.seqs.push(this.seq++);
    this.items.push(item);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Remove and pass to `fn`, in arrival order, every item with arrival <= `time`. Returns how many. */
  drain(time: number, fn: (item: T) => void): number {
    let n = 0;
    while (this.items.length > 0 && this.arrivals[0]! <= time) {
      fn(this.pop());
      n++;
    }
    return n;
  }

  private pop(): T {
    const top = this.items[0]!;
    const last = this.items.length - 1;
    this.swap(0, last);
    this.arrivals.pop();
    this.seqs.pop();
    this.items.pop();
    let i = 0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.arrivals[a]!, y = this.arrivals[b]!;
    return x < y || (x === y && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.arrivals[a], this.arrivals[b]] = [this.arrivals[b]!, this.arrivals[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
    [this.items[a], this.items[b]] = [this.items[b]!, this.items[a]!];
  }
}
