/**
 * The Poisson bootstrap's replicate loops on a second thread, so that on a machine with two cores or more
 * the counts and count-weighted sums of one batch run while the accumulator's thread reads and derives the
 * next. The numbers are the same bit for bit as on one thread: the worker runs the same loop
 * (`addReplicates`) with the same kernel over the same batches in the same order, from the generator state
 * and sums the accumulator had when it handed over.
 *
 * Memory, in one SharedArrayBuffer: control words; a ring of SLOTS batch tables (the accumulator writes a
 * batch's moments straight into the next free one, in the kernel's layout); and two copies of the state
 * (replicate sums, count sums, generator words), the one after d batches in copy d % 2, which the worker
 * writes before it counts batch d as done. A table is free again only once its batch is done, so if the
 * worker fails (an exception, or no batch done for `stallMs` while the accumulator waits: a worker that died
 * without a word, out of memory say, cannot be told apart from one that hangs), the accumulator stops it,
 * takes the state of the last batch done and runs the batches still in the ring itself: nothing is lost and
 * the numbers do not change. A healthy worker wrongly given up on costs time, never a number.
 *
 * `OffloadedReplicates` is what an accumulator holds: when to start a worker, hand it the state, replace it
 * for a larger batch or give up after a failure; `ReplicateOffload` is one worker and its shared memory.
 *
 * The worker is plain code evaluated in a worker thread: it registers tsx (the project ships TypeScript
 * sources) and imports this module, so it starts in about a quarter of a second; the accumulator keeps
 * going on its own thread until the worker says it is ready, and never waits for it to start.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Rng } from '../../policies/core/rng.ts';
import { addReplicates, bootstrapKernel, type BootstrapKernelKind } from './bootstrap-kernel.ts';

let running = 0;

/** Batch tables in the ring. */
const SLOTS = 4;
/** Control words: batches posted, batches done, worker ready, worker failed, worker asked to stop. */
const POSTED = 0, DONE = 1, READY = 2, FAILED = 3, CLOSED = 4;
const CONTROL_WORDS = 8;
/**
 * A worker that finishes no batch for this long while the accumulator waits for one is given up on: at least
 * STALL_MIN_MS, and STALL_BATCHES times the slowest batch it has run.
 */
const STALL_MIN_MS = 2_000;
const STALL_BATCHES = 50;
/** How long the accumulator waits for a worker to start when asked to wait (tests). */
const START_MS = 30_000;
/** How long one wait on a control word lasts before the waiter looks at the failure flag again. */
const WAIT_SLICE_MS = 100;

export interface OffloadShape {
  /** Rows per batch table (the kernel's capacity). */
  readonly capacity: number;
  /** Replicates, and the padded count of distinct moments (a multiple of 4). */
  readonly replicates: number;
  readonly padded: number;
  readonly kind: BootstrapKernelKind;
  /** Fault injection (tests): before its batch of this index the worker throws, or hangs without a word. */
  readonly failAtBatch?: number | undefined;
  readonly hangAtBatch?: number | undefined;
}

export interface OffloadStartOptions {
  /** Start a worker even on one core (tests). */
  readonly anyCores?: boolean | undefined;
  /** Least time without a batch done before the worker is given up on (default STALL_MIN_MS). */
  readonly stallMs?: number | undefined;
}

interface StateCopy {
  readonly sums: Float64Array;
  readonly n: Float64Array;
  readonly rng: Uint32Array;
}

interface Layout {
  readonly control: Int32Array;
  readonly sizes: Int32Array;
  readonly slots: Float64Array[];
  readonly copies: [StateCopy, StateCopy];
}

function tableLength(shape: OffloadShape): number {
  return shape.capacity * shape.padded;
}

function byteLength(shape: OffloadShape): number {
  const state = 8 * (shape.replicates * shape.padded + shape.replicates) + 16;
  return 4 * (CONTROL_WORDS + SLOTS) + 8 * SLOTS * tableLength(shape) + 2 * state;
}

/** The views of the shared memory, the same on both threads. */
function layout(buffer: SharedArrayBuffer, shape: OffloadShape): Layout {
  let at = 0;
  const control = new Int32Array(buffer, at, CONTROL_WORDS);
  at += 4 * CONTROL_WORDS;
  const sizes = new Int32Array(buffer, at, SLOTS);
  at += 4 * SLOTS;
  const slots: Float64Array[] = [];
  for (let i = 0; i < SLOTS; i++) {
    slots.push(new Float64Array(buffer, at, tableLength(shape)));
    at += 8 * tableLength(shape);
  }
  const copy = (): StateCopy => {
    const sums = new Float64Array(buffer, at, shape.replicates * shape.padded);
    at += sums.byteLength;
    const n = new Float64Array(buffer, at, shape.replicates);
    at += n.byteLength;
    const rng = new Uint32Array(buffer, at, 4);
    at += 16;
    return { sums, n, rng };
  };
  return { control, sizes, slots, copies: [copy(), copy()] };
}

/** Where the state goes back to when the worker is done or has failed: the accumulator's own. */
export interface AccumulatorState {
  readonly rng: Rng;
  readonly repSums: Float64Array;
  readonly repN: Float64Array;
  /** Run one batch's replicates on this thread: its table (rows at stride `capacity`) and size. */
  replay(table: Float64Array, capacity: number, size: number): void;
}

/**
 * The accumulator's side. Life: `start` (the worker starts; `null` where there is one core or no worker),
 * `ready`, `handOver` (the state moves to the worker), then per batch `table` and `post`, and at the end
 * `finish` (the state comes back); `close` at any point stops the worker.
 */
export class ReplicateOffload {
  private readonly view: Layout;
  private readonly worker: Worker;
  private posted = 0;
  private handed = false;
  private closed = false;
  private failedOver = false;
  /** Batches the worker had done when the accumulator took the state back. */
  private doneAtEnd = -1;
  private owner: AccumulatorState | null = null;
  private slowestMs = 0;
  private readonly stallMinMs: number;

  private constructor(readonly shape: OffloadShape, buffer: SharedArrayBuffer, worker: Worker, stallMs: number) {
    this.view = layout(buffer, shape);
    this.worker = worker;
    this.stallMinMs = stallMs;
  }

  /** Workers started and not yet exited, in this thread (tests check none is left behind). */
  static get running(): number {
    return running;
  }

  /** Whether a second thread can help here (more than one core). */
  static available(): boolean {
    return availableParallelism() > 1;
  }

  static start(shape: OffloadShape, options: OffloadStartOptions = {}): ReplicateOffload | null {
    if (!options.anyCores && !ReplicateOffload.available()) return null;
    let worker: Worker;
    const buffer = new SharedArrayBuffer(byteLength(shape));
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        name: 'bootstrap-replicates',
        workerData: { buffer, shape, tsx: import.meta.resolve('tsx/esm/api'), module: import.meta.url },
      });
    } catch {
      return null;
    }
    const offload = new ReplicateOffload(shape, buffer, worker, options.stallMs ?? STALL_MIN_MS);
    running++;
    worker.once('exit', () => running--);
    // a worker that dies on its own (it cannot load, or runs out of memory) counts as failed, never as an
    // unhandled error; the listeners hold the control words only (not the accumulator, which may be dropped)
    const control = offload.view.control;
    const died = (): void => {
      if (Atomics.load(control, CLOSED) === 1) return;
      Atomics.store(control, FAILED, 1);
      Atomics.notify(control, DONE);
    };
    worker.on('error', died);
    worker.on('exit', died);
    worker.unref();
    return offload;
  }

  /** Batches the worker has run (once the state is back: those it had run then). */
  get batchesDone(): number {
    return this.doneAtEnd >= 0 ? this.doneAtEnd : Atomics.load(this.view.control, DONE);
  }

  /** Whether the worker failed and the accumulator took its work back (the numbers are unchanged). */
  get recovered(): boolean {
    return this.failedOver;
  }

  get active(): boolean {
    return this.handed && !this.closed;
  }

  failed(): boolean {
    return Atomics.load(this.view.control, FAILED) === 1;
  }

  ready(): boolean {
    return Atomics.load(this.view.control, READY) === 1 && !this.failed();
  }

  /** Block until the worker is ready or has failed (tests; the accumulator itself never waits for this). */
  waitReady(): boolean {
    const control = this.view.control;
    const until = performance.now() + START_MS;
    while (Atomics.load(control, READY) === 0 && !this.failed() && performance.now() < until) Atomics.wait(control, READY, 0, WAIT_SLICE_MS);
    return this.ready();
  }

  /** Move the accumulator's state (generator, sums) to the worker; it runs every batch posted from now. */
  handOver(owner: AccumulatorState): void {
    const first = this.view.copies[0];
    first.sums.set(owner.repSums);
    first.n.set(owner.repN);
    owner.rng.saveWords(first.rng);
    this.owner = owner;
    this.handed = true;
  }

  /**
   * The table for the next batch (rows at stride `shape.capacity`), once one is free; `null` if the worker
   * failed meanwhile, in which case the accumulator has its state back and runs the batch itself.
   */
  table(): Float64Array | null {
    if (!this.waitUntil(() => this.posted - Atomics.load(this.view.control, DONE) < SLOTS)) return null;
    return this.view.slots[this.posted % SLOTS]!;
  }

  /** The batch written into `table()` has `size` rows: the worker runs it. */
  post(size: number): void {
    const control = this.view.control;
    this.view.sizes[this.posted % SLOTS] = size;
    this.posted++;
    Atomics.store(control, POSTED, this.posted);
    Atomics.notify(control, POSTED);
  }

  /** Wait for every batch posted, give the state back to the accumulator, stop the worker. */
  finish(): void {
    if (this.active && this.waitUntil(() => Atomics.load(this.view.control, DONE) === this.posted)) this.takeBack(this.posted);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    stopWorker(this.view.control, this.worker);
  }

  /**
   * A function that stops the worker and holds nothing else (not the accumulator's state), for a
   * FinalizationRegistry of the accumulator.
   */
  stopper(): () => void {
    const { control } = this.view;
    const worker = this.worker;
    return () => stopWorker(control, worker);
  }

  /**
   * Wait until `done()` holds; false if the worker failed or stalled first, after the accumulator has taken
   * back the state of the last batch done and run the rest itself.
   */
  private waitUntil(done: () => boolean): boolean {
    const control = this.view.control;
    if (this.failed()) return this.failOver();
    let last = Atomics.load(control, DONE);
    let since = performance.now();
    while (!done()) {
      if (this.failed()) return this.failOver();
      const d = Atomics.load(control, DONE);
      const now = performance.now();
      if (d !== last) {
        // the wait for one batch bounds how slow a batch is (an upper bound: it includes the wait's own slices)
        this.slowestMs = Math.max(this.slowestMs, (now - since) / (d - last));
        last = d;
        since = now;
      } else if (now - since > Math.max(this.stallMinMs, STALL_BATCHES * this.slowestMs)) {
        return this.failOver();
      }
      Atomics.wait(control, DONE, d, WAIT_SLICE_MS);
    }
    return true;
  }

  /** The worker is gone: the state after its last batch done, then the batches still in the ring, here. */
  private failOver(): false {
    const owner = this.owner!;
    // stop it first: a worker still running (a stall) then finishes at most the batch it is on, which
    // writes the state copy this does not read (copy (done + 1) % 2), and starts no other
    this.close();
    const done = Atomics.load(this.view.control, DONE);
    this.takeBack(done);
    for (let j = done; j < this.posted; j++) owner.replay(this.view.slots[j % SLOTS]!, this.shape.capacity, this.view.sizes[j % SLOTS]!);
    this.failedOver = true;
    return false;
  }

  private takeBack(done: number): void {
    const owner = this.owner!;
    this.doneAtEnd = done;
    const copy = this.view.copies[done % 2]!;
    owner.repSums.set(copy.sums);
    owner.repN.set(copy.n);
    owner.rng.loadWords(copy.rng);
    this.handed = false;
  }
}

function stopWorker(control: Int32Array, worker: Worker): void {
  Atomics.store(control, CLOSED, 1);
  Atomics.notify(control, POSTED);
  void worker.terminate().catch(() => undefined);
}

/** When and how an accumulator moves its replicate loops to a worker (`BootstrapOptions.offload`). */
export interface OffloadOptions {
  /** Rows seen before a worker starts (default OFFLOAD_AFTER_ROWS). */
  readonly afterRows?: number;
  /** Block until a started worker is ready instead of going on alone meanwhile (tests). */
  readonly wait?: boolean;
  /** A worker even on one core (tests). */
  readonly anyCores?: boolean;
  /** The least time without a batch done before a worker is given up on. */
  readonly stallMs?: number;
  /** Fault injection (tests): the worker throws, or hangs without a word, before that batch. */
  readonly failAtBatch?: number;
  readonly hangAtBatch?: number;
}

/** How an accumulator's replicate loops ran (for reports and tests). */
export interface OffloadReport {
  /** Workers started. */
  readonly workers: number;
  /** Batches whose replicates ran on the worker thread. */
  readonly batches: number;
  /** Workers that failed, whose batches the accumulator ran itself (the numbers are the same). */
  readonly recoveries: number;
}

/**
 * Rows after which the replicate loops move to a worker thread, when there is a second core: below it an
 * accumulator never starts one (the worker takes about 0.25 s of CPU to start).
 */
export const OFFLOAD_AFTER_ROWS = 32_768;
/** Rows per table of a worker at least (the `ope` batch): smaller batches share its tables. */
const MIN_TABLE_ROWS = 4096;

/** An accumulator dropped without its result still stops its worker (the target: its `AccumulatorState`). */
const leftWorkers = new FinalizationRegistry<() => void>((stop) => stop());

/**
 * One accumulator's workers over its life: one started past `afterRows`, handed the state once ready
 * (never waited for), replaced by a larger one for a larger batch, and after a failure none again.
 */
export class OffloadedReplicates {
  private offload: ReplicateOffload | null = null;
  private givenUp: boolean;
  private workers = 0;
  private batches = 0;
  private recoveries = 0;

  constructor(
    private readonly options: OffloadOptions | false,
    private readonly shape: Pick<OffloadShape, 'replicates' | 'padded' | 'kind'>,
    private readonly owner: AccumulatorState,
  ) {
    this.givenUp = options === false;
  }

  get report(): OffloadReport {
    return { workers: this.workers, batches: this.batches + (this.offload?.active ? this.offload.batchesDone : 0), recoveries: this.recoveries };
  }

  /**
   * The worker's table for the next batch (of a table of `capacity` rows, after `rows` rows in all): its
   * rows at stride `stride`; null when this batch runs here (no worker ready, or one that just failed,
   * whose state and unfinished batches are back here).
   */
  table(capacity: number, rows: number): { table: Float64Array; stride: number } | null {
    const offload = this.running(capacity, rows);
    const table = offload?.table() ?? null;
    if (offload && table) return { table, stride: offload.shape.capacity };
    if (offload) this.end(); // it failed: taken back inside `table()`
    return null;
  }

  /** The batch written into the table from `table()` has `size` rows: the worker runs it. */
  post(size: number): void {
    this.offload!.post(size);
  }

  /** Every batch's replicates and the state back here; the worker stopped (a later batch may start another). */
  end(): void {
    const offload = this.offload;
    if (!offload) return;
    this.offload = null;
    leftWorkers.unregister(this.owner);
    offload.finish();
    if (offload.recovered) {
      this.recoveries++;
      this.givenUp = true;
    }
    this.batches += offload.batchesDone;
  }

  /** The worker to hand this batch, once handed the state; starts or replaces one as needed. */
  private running(capacity: number, rows: number): ReplicateOffload | null {
    if (this.offload && (this.offload.shape.capacity < capacity || (!this.offload.active && this.offload.failed()))) {
      if (this.offload.failed()) this.givenUp = true;
      this.end();
    }
    const options = this.options;
    if (this.givenUp || options === false) return null;
    if (!this.offload) {
      if (rows < (options.afterRows ?? OFFLOAD_AFTER_ROWS)) return null;
      const offload = ReplicateOffload.start(
        { ...this.shape, capacity: Math.max(capacity, MIN_TABLE_ROWS), failAtBatch: options.failAtBatch, hangAtBatch: options.hangAtBatch },
        { anyCores: options.anyCores, stallMs: options.stallMs },
      );
      if (!offload) {
        this.givenUp = true;
        return null;
      }
      this.workers++;
      this.offload = offload;
      leftWorkers.register(this.owner, offload.stopper(), this.owner);
      if (options.wait) offload.waitReady();
    }
    if (this.offload.active) return this.offload;
    if (!this.offload.ready()) return null;
    this.offload.handOver(this.owner);
    return this.offload;
  }
}

/** The worker's side: run each batch posted, in order, until asked to stop. */
export function serveReplicates(buffer: SharedArrayBuffer, shape: OffloadShape): void {
  const { control, sizes, slots, copies } = layout(buffer, shape);
  try {
    const kernel = bootstrapKernel(shape.kind, shape.capacity, shape.padded / 4);
    if (kernel.capacity !== shape.capacity) throw new Error(`bootstrap worker: kernel capacity ${kernel.capacity}, expected ${shape.capacity}`);
    const repSums = new Float64Array(shape.replicates * shape.padded);
    const repN = new Float64Array(shape.replicates);
    const rng = new Rng(1, 'bootstrap-worker');
    Atomics.store(control, READY, 1);
    Atomics.notify(control, READY);
    for (let d = 0; ; d++) {
      while (Atomics.load(control, POSTED) === d) {
        if (Atomics.load(control, CLOSED) === 1) return;
        Atomics.wait(control, POSTED, d, WAIT_SLICE_MS);
      }
      if (Atomics.load(control, CLOSED) === 1) return;
      if (d === 0) {
        repSums.set(copies[0].sums);
        repN.set(copies[0].n);
        rng.loadWords(copies[0].rng);
      }
      if (d === shape.failAtBatch) throw new Error(`bootstrap worker: failing at batch ${d}, as asked`);
      if (d === shape.hangAtBatch) {
        while (Atomics.load(control, CLOSED) === 0) Atomics.wait(control, CLOSED, 0, WAIT_SLICE_MS);
        return;
      }
      kernel.x.set(slots[d % SLOTS]!);
      addReplicates(kernel, rng, sizes[d % SLOTS]!, shape.replicates, shape.padded, repSums, repN);
      const next = copies[(d + 1) % 2]!;
      next.sums.set(repSums);
      next.n.set(repN);
      rng.saveWords(next.rng);
      Atomics.store(control, DONE, d + 1);
      Atomics.notify(control, DONE);
    }
  } catch {
    Atomics.store(control, FAILED, 1);
    Atomics.notify(control, DONE);
  }
}

/** What the worker thread evaluates (CommonJS): tsx, this module, then `serveReplicates`. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsx);
  register();
  const { serveReplicates } = await import(workerData.module);
  serveReplicates(workerData.buffer, workerData.shape);
})().catch(() => {
  const control = new Int32Array(workerData.buffer, 0, ${CONTROL_WORDS});
  Atomics.store(control, ${FAILED}, 1);
  Atomics.notify(control, ${DONE});
});
`;
