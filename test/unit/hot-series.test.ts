import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterCells, GaugeCells, HotHistogram } from '../../src/metrics/hot-series.ts';

const BUCKETS = [0.00001, 0.00005, 0.0001, 0.001, 0.1];

describe('hot series', () => {
  it('HotHistogram exposes the same text and JSON as prom-client Histogram for the same observations', async () => {
    const a = new Registry();
    const b = new Registry();
    const hot = new HotHistogram({ name: 'h_seconds', help: 'help "x"', labelNames: ['kind'], buckets: BUCKETS, registers: [a] });
    const ref = new Histogram({ name: 'h_seconds', help: 'help "x"', labelNames: ['kind'], buckets: BUCKETS, registers: [b] });
    expect(await a.metrics()).toBe(await b.metrics()); // nothing observed: no series
    const route = hot.labels({ kind: 'route' });
    const refRoute = ref.labels({ kind: 'route' });
    const values = [0.000004, 0.00001, 0.00002, 0.00007, 0.0002, 0.05, 0.1, 3, 0.00005];
    hot.observe({ kind: 'retry' }, 0.002);
    ref.observe({ kind: 'retry' }, 0.002);
    for (const v of values) {
      route.observe(v);
      refRoute.observe(v);
    }
    expect(await a.metrics()).toBe(await b.metrics());
    expect(await a.getMetricsAsJSON()).toEqual(await b.getMetricsAsJSON());
    hot.reset();
    ref.reset();
    expect(await a.metrics()).toBe(await b.metrics());
    route.observe(0.00003);
    refRoute.observe(0.00003);
    expect(await a.metrics()).toBe(await b.metrics());
  });

  it('HotHistogram rejects what prom-client rejects: a non-finite value, an unknown label', () => {
    const hot = new HotHistogram({ name: 'h2_seconds', help: 'h', labelNames: ['kind'], buckets: BUCKETS, registers: [new Registry()] });
    expect(() => hot.labels({ kind: 'route' }).observe(Number.NaN)).toThrow(TypeError);
    expect(() => hot.observe({ other: 'x' } as never, 1)).toThrow(/not included/);
  });

  it('CounterCells and GaugeCells: every read sees the counts and the latest values, added to direct updates', async () => {
    const r = new Registry();
    const cells = new CounterCells<'kind' | 'route'>();
    const gauges = new GaugeCells<'buffer'>();
    const counter: Counter<'kind' | 'route'> = new Counter({ name: 'c_total', help: 'c', labelNames: ['kind', 'route'], registers: [r], collect() { cells.flush(this); } });
    const gauge: Gauge<'buffer'> = new Gauge({ name: 'g', help: 'g', labelNames: ['buffer'], registers: [r], collect() { gauges.flush(this); } });
    const a = cells.cell({ kind: 'route', route: 'a' });
    const pending = gauges.cell({ buffer: 'log' });
    expect(await r.metrics()).not.toContain('c_total{');
    a.inc();
    a.inc();
    counter.inc({ kind: 'route', route: 'a' });
    pending.set(5);
    pending.set(3);
    expect(await r.metrics()).toContain('c_total{kind="route",route="a"} 3');
    expect(await r.metrics()).toContain('g{buffer="log"} 3');
    a.inc();
    cells.clear(counter);
    expect((await counter.get()).values).toEqual([{ value: 4, labels: { kind: 'route', route: 'a' } }]);
    gauge.set({ buffer: 'other' }, 1);
    expect((await gauge.get()).values.map((v) => v.value)).toEqual([3, 1]);
  });
});
