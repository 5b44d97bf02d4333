/**
 * `SlabMap` while it fills: the longest single `set` (a stall the request that makes it waits for) and
 * how many sets take over 1 ms, filling 2,000,000 entries (a decision store's keys, no value, a 1-hour
 * TTL), then 2,000,000 more at capacity (each set drops the oldest). Before the map grew page by page with
 * an incremental index, each doubling copied its columns and rebuilt its index in one set.
 */
import type { BenchRow } from './harness.ts';
import { SlabMap } from '../../src/store/slab-map.ts';
import { median as medianOf } from './service/processes.ts';

interface FillFigures {
  readonly seconds: number;
  readonly maxMs: number;
  readonly maxAt: number;
  readonly over1ms: number;
  readonly steadyMaxMs: number;
  /** Resident memory (MB) once full, and after as many writes again at capacity. */
  readonly rssFullMB: number;
  readonly rssEndMB: number;
}

function fill(n = 2_000_000): FillFigures {
  const map = new SlabMap(n);
  const ttl = 3_600_000;
  let maxMs = 0;
  let maxAt = 0;
  let over1ms = 0;
  let steadyMaxMs = 0;
  let rssFullMB = 0;
  const t0 = performance.now();
  for (let i = 0; i < 2 * n; i++) {
    const key = `d-${i.toString(36)}-0a1b2c3d`;
    const s = performance.now();
    map.set(key, undefined, i, i + ttl, i, i + ttl);
    const ms = performance.now() - s;
    if (ms > 1) over1ms++;
    if (i === n - 1) rssFullMB = process.memoryUsage().rss / 1e6;
    if (i < n) {
      if (ms > maxMs) {
        maxMs = ms;
        maxAt = i;
      }
    } else if (ms > steadyMaxMs) steadyMaxMs = ms;
  }
  return { seconds: (performance.now() - t0) / 1000, maxMs, maxAt, over1ms, steadyMaxMs, rssFullMB, rssEndMB: process.memoryUsage().rss / 1e6 };
}

export async function bench(): Promise<BenchRow[]> {
  const runs = [0, 1, 2].map(() => fill());
  const median = (f: (r: FillFigures) => number): number => medianOf(runs.map(f));
  const group = 'store';
  const r = runs.find((x) => x.maxMs === median((y) => y.maxMs))!;
  return [
    { group, name: 'SlabMap longest set while filling 2M entries', value: median((x) => x.maxMs), unit: 'ms', note: `median of 3 fills; at entry ${r.maxAt} in that run (before paging: 74 / 132 / 277 ms at the 512 K / 1 M / 2 M doublings)` },
    { group, name: 'SlabMap longest set at capacity (2M more sets)', value: median((x) => x.steadyMaxMs), unit: 'ms', note: 'each set drops the oldest entry' },
    { group, name: 'SlabMap sets over 1 ms in 4M', value: median((x) => x.over1ms), unit: 'sets' },
    {
      group,
      name: 'SlabMap RSS after 2M more sets at capacity vs once full',
      value: median((x) => x.rssEndMB),
      unit: 'MB',
      baseline: median((x) => x.rssFullMB),
      target: '<= 1.2x (flat)',
      pass: runs.every((x) => x.rssEndMB <= 1.2 * x.rssFullMB),
      note: 'the whole process, one map at a time (pages handed back as the front leaves them)',
    },
    { group, name: 'SlabMap 4M sets', value: median((x) => x.seconds), unit: 's', note: `${((4_000_000 / median((x) => x.seconds)) / 1e6).toFixed(2)} M sets/s` },
  ];
}
