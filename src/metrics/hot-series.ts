/**
 * Series updated on every decision, kept in plain numbers. prom-client's `inc`, `set` and `observe`
 * validate the labels and hash them into a string key on every call, even through `labels()` (about 2 us
 * each under load); here a labelled series is resolved once into a cell and updated with a number.
 *
 * - `CounterCells` and `GaugeCells` hand their numbers to the prom-client metric in its `collect` hook,
 *   which prom-client runs before every read (`/metrics`, `get()`): what a scrape sees is unchanged.
 * - `HotHistogram` is a histogram of its own that the registry reads like prom-client's: the same
 *   buckets, cumulative counts, `+Inf`, `_sum` and `_count`, with the same labels in the same order.
 */
import type { Counter, Gauge, LabelValues, MetricValueWithName, Registry } from 'prom-client';

interface CounterCell<L extends string> {
  readonly labels: Partial<Record<L, string | number>>;
  n: number;
}

/** Increments of a prom-client counter, one cell per label set, flushed by `flush` (call it from `collect`). */
export class CounterCells<L extends string> {
  private readonly cells: CounterCell<L>[] = [];

  /** A cell for these labels: `inc()` adds one. Resolve it once and keep it. */
  cell(labels: Partial<Record<L, string | number>>): { inc(): void } {
    const c: CounterCell<L> = { labels, n: 0 };
    this.cells.push(c);
    return {
      inc: () => {
        c.n++;
      },
    };
  }

  /** Drop cells (their counts flushed first): for caller-chosen labels that must stay bounded. */
  clear(counter: Counter<L>): void {
    this.flush(counter);
    this.cells.length = 0;
  }

  flush(counter: Counter<L>): void {
    for (const c of this.cells) {
      if (c.n === 0) continue;
      counter.inc(c.labels, c.n);
      c.n = 0;
    }
  }
}

interface GaugeCell<L extends string> {
  readonly labels: Partial<Record<L, string | number>>;
  value: number;
  dirty: boolean;
}

/** The latest value of a prom-client gauge's labelled series, set on the gauge by `flush` (from `collect`). */
export class GaugeCells<L extends string> {
  private readonly cells: GaugeCell<L>[] = [];

  cell(labels: Partial<Record<L, string | number>>): { set(value: number): void } {
    const c: GaugeCell<L> = { labels, value: 0, dirty: false };
    this.cells.push(c);
    return {
      set: (value: number) => {
        c.value = value;
        c.dirty = true;
      },
    };
  }

  flush(gauge: Gauge<L>): void {
    for (const c of this.cells) {
      if (!c.dirty) continue;
      gauge.set(c.labels, c.value);
      c.dirty = false;
    }
  }
}

interface HistogramSeries {
  readonly labels: Record<string, string | number>;
  /** Per bucket (not cumulative), then the overflow past the last bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** In the exposition (prom-client lists a series from its first observation, in that order). */
  listed: boolean;
}

export interface HotHistogramConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, ascending. */
  readonly buckets: readonly number[];
  readonly registers: readonly Registry[];
}

/** A histogram read by the registry as prom-client's is, observed without hashing labels. */
export class HotHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  /** By the label values joined in `labelNames` order. */
  private readonly known = new Map<string, HistogramSeries>();
  /** Observed since the start or the last reset, in order of first observation. */
  private listed: HistogramSeries[] = [];

  constructor(config: HotHistogramConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = config.buckets;
    for (const r of config.registers) r.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of these labels: `observe(value)` adds a sample. Resolve it once and keep it. */
  labels(labels: LabelValues<L>): { observe(value: number): void } {
    const s = this.seriesOf(labels);
    return { observe: (value: number) => this.add(s, value) };
  }

  observe(labels: LabelValues<L>, value: number): void {
    this.add(this.seriesOf(labels), value);
  }

  reset(): void {
    for (const s of this.listed) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.listed = false;
    }
    this.listed = [];
  }

  private seriesOf(labels: LabelValues<L>): HistogramSeries {
    for (const k of Object.keys(labels)) {
      if (!this.labelNames.includes(k as L)) throw new Error(`Added label "${k}" is not included in initial labelset: ${JSON.stringify(this.labelNames)}`);
    }
    let key = '';
    for (const k of this.labelNames) key += `${labels[k] ?? ''}\u0000`;
    let s = this.known.get(key);
    if (s === undefined) {
      s = { labels: { ...labels } as Record<string, string | number>, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0, listed: false };
      this.known.set(key, s);
    }
    return s;
  }

  private add(s: HistogramSeries, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    if (!s.listed) {
      s.listed = true;
      this.listed.push(s);
    }
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** As prom-client's `Histogram.getForPromString`: the registry formats these values. */
  getForPromString(): { name: string; help: string; type: 'histogram'; values: (MetricValueWithName<string> & { sharedLabels: Record<string, string | number> })[]; aggregator: 'sum' } {
    const values: (MetricValueWithName<string> & { sharedLabels: Record<string, string | number>; exemplar?: null })[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.listed) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's `Histogram.get`: each value's labels include the series' labels. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: MetricValueWithName<string>[]; aggregator: 'sum' }> {
    const data = this.getForPromString();
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
  }
}
