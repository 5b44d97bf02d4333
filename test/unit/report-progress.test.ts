import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createNoopProgress, createProgress, formatDuration, formatRate } from '../../simulator/report/progress.ts';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('progress', () => {
  it('prints nothing for work that finishes within showAfterMs', () => {
    const out = sink();
    const c = clock();
    const p = createProgress({ label: 'x', total: 100, stream: out.stream, isTTY: true, now: c.now });
    for (let i = 0; i < 100; i++) {
      c.advance(5);
      p.tick();
    }
    p.finish();
    expect(out.text()).toBe('');
    expect(p.done).toBe(100);
  });

  it('on a TTY redraws one line with percent, rate and ETA, then clears it and prints a summary', () => {
    const out = sink();
    const c = clock();
    const p = createProgress({ label: 'sim', total: 1000, stream: out.stream, isTTY: true, now: c.now, width: 10 });
    for (let i = 0; i < 1000; i++) {
      c.advance(2); // 500 items/s, 2 s total
      p.tick();
    }
    p.finish();
    const text = out.text();
    expect(text).toContain('\r\x1b[2Ksim [');
    expect(text).toMatch(/ETA \d/);
    expect(text).toContain('500 items/s');
    expect(text).toMatch(/\n$/);
    expect(text).toContain('sim: 1,000 items in 2.0s');
    // redraws are throttled: at most one per 100 ms over the second that is shown
    expect(text.split('\r\x1b[2Ksim [').length - 1).toBeLessThanOrEqual(11);
  });

  it('off a TTY prints plain lines every intervalMs, no control characters', () => {
    const out = sink();
    const c = clock();
    const p = createProgress({ label: 'ope', total: 0, stream: out.stream, isTTY: false, now: c.now, unit: 'rows', intervalMs: 2000 });
    for (let i = 0; i < 10_000; i++) {
      c.advance(1); // 10 s
      p.tick();
    }
    p.finish();
    const text = out.text();
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
    const lines = text.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeLessThanOrEqual(7);
    expect(lines[0]).toMatch(/^ope {2}[\d,]+ rows {2}1\.0k rows\/s {2}elapsed/);
    expect(lines.at(-1)).toBe('ope: 10,000 rows in 0:10 (1.0k rows/s)');
  });

  it('disabled and noop progress write nothing', () => {
    const out = sink();
    const c = clock();
    const p = createProgress({ label: 'x', total: 10, stream: out.stream, isTTY: true, enabled: false, now: c.now });
    c.advance(5000);
    p.tick(10);
    p.finish();
    const q = createNoopProgress();
    q.tick(3);
    q.update(7);
    expect(q.done).toBe(7);
    expect(out.text()).toBe('');
  });

  it('formats durations and rates', () => {
    expect(formatDuration(3.21)).toBe('3.2s');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatRate(950)).toBe('950/s');
    expect(formatRate(61_234)).toBe('61.2k/s');
    expect(formatRate(1_300_000)).toBe('1.3M/s');
    expect(formatRate(61_234, 'rows')).toBe('61.2k rows/s');
    // a rate of kB (a file read) in bytes, not '4.8k/s' next to 'kB'
    expect(formatRate(950, 'kB')).toBe('950 kB/s');
    expect(formatRate(4_800, 'kB')).toBe('4.8 MB/s');
    expect(formatRate(1_234_567, 'kB')).toBe('1.2 GB/s');
  });
});
