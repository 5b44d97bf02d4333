/**
 * Micro-benchmark harness: time per operation and heap bytes allocated per operation.
 *
 * Allocation is measured as the growth of `heapUsed` over a run short enough that no GC happens (checked
 * with a PerformanceObserver on 'gc' entries; a run during which a GC ran is repeated with fewer
 * iterations). Needs `--expose-gc` (npm run bench passes it) to start each measurement from a clean heap.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';

export interface BenchRow {
  readonly group: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Same measure for the baseline it is compared with, when there is one. */
  readonly baseline?: number;
  /** Target, as text (e.g. "< 20 us", ">= 70%"). */
  readonly target?: string;
  /** Whether the target is met, when there is one. */
  readonly pass?: boolean;
  readonly note?: string;
}

export interface Measurement {
  readonly name: string;
  /** Median over rounds of nanoseconds per operation. */
  readonly nsPerOp: number;
  /** Heap bytes allocated per operation (least of three GC-free runs); 0 means nothing escaped to the heap. */
  readonly bytesPerOp: number;
  /** GC runs observed during the timed rounds. */
  readonly gcRuns: number;
}

export interface MeasureOptions {
  /** Operations per timed round (default 20,000). */
  readonly iterations?: number;
  /** Timed rounds; the median is reported (default 7). */
  readonly rounds?: number;
  /** Warm-up operations before timing (default = iterations). */
  readonly warmup?: number;
}

const gcHook = (globalThis as { gc?: () => void }).gc;

let gcCount = 0;
const observer = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });

/** Let pending GC performance entries be delivered. */
function flushObserver(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

/** Time `fn(i)` per call and measure its heap allocation per call. `fn` receives the iteration index. */
export async function measure(name: string, fn: (i: number) => void, options: MeasureOptions = {}): Promise<Measurement> {
  const iterations = options.iterations ?? 20_000;
  const rounds = options.rounds ?? 7;
  const warmup = options.warmup ?? iterations;
  for (let i = 0; i < warmup; i++) fn(i);

  const times: number[] = [];
  await flushObserver();
  const gcBefore = gcCount;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn(i);
    times.push(((performance.now() - t0) * 1e6) / iterations);
  }
  await flushObserver();
  const gcRuns = gcCount - gcBefore;
  times.sort((a, b) => a - b);
  const nsPerOp = times[Math.floor(times.length / 2)]!;

  // Allocation: a GC-free run of decreasing length; the least of three such runs, so a one-off allocation
  // inside one window (the JIT's feedback and deoptimisation data, a lazily grown buffer) is not reported as
  // a per-call cost: an allocation made on every call shows in all three.
  let bytesPerOp = Number.NaN;
  for (let attempt = 0; attempt < 3; attempt++) {
    for (let n = Math.min(iterations, 10_000); n >= 100; n = Math.floor(n / 4)) {
      gcHook?.();
      await flushObserver();
      const g0 = gcCount;
      const h0 = process.memoryUsage().heapUsed;
      for (let i = 0; i < n; i++) fn(i);
      const h1 = process.memoryUsage().heapUsed;
      await flushObserver();
      if (gcCount === g0) {
        const b = Math.max(0, (h1 - h0) / n);
        if (!(b >= bytesPerOp)) bytesPerOp = b;
        break;
      }
    }
  }
  return { name, nsPerOp, bytesPerOp, gcRuns };
}

/** Format a table of rows for the terminal. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['group', 'name', 'value', 'unit', 'baseline', 'ratio', 'target', 'pass', 'note'];
  const body = rows.map((r) => [
    r.group,
    r.name,
    fmt(r.value),
    r.unit,
    r.baseline === undefined ? '' : fmt(r.baseline),
    r.baseline === undefined || r.baseline === 0 ? '' : fmt(r.value / r.baseline),
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}
