import { describe, expect, it } from 'vitest';
import { Rng } from '../../policies/core/rng.ts';

describe('Rng', () => {
  it('is deterministic by seed and key', () => {
    const a = new Rng(42, 'tx-1');
    const b = new Rng(42, 'tx-1');
    const c = new Rng(42, 'tx-2');
    const xs = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(xs);
  });

  it('fillU32 draws the same sequence as nextU32 and leaves the same state', () => {
    const a = new Rng(3, 'bulk');
    const b = new Rng(3, 'bulk');
    const out = new Uint32Array(1001);
    b.fillU32(out, 1000);
    expect(Array.from(out.subarray(0, 1000))).toEqual(Array.from({ length: 1000 }, () => a.nextU32()));
    expect(out[1000]).toBe(0);
    expect(b.getState()).toEqual(a.getState());
    expect(b.next()).toBe(a.next());
    expect(() => b.fillU32(out, 1002)).toThrow(RangeError);
  });

  it('saveWords and loadWords move the state through a Uint32Array unchanged', () => {
    const a = new Rng(5, 'words');
    a.next();
    const words = new Uint32Array(6);
    a.saveWords(words, 2);
    const b = new Rng(1);
    b.loadWords(words, 2);
    expect(b.nextU32()).toBe(a.nextU32());
    expect(() => b.loadWords(new Uint32Array(4))).toThrow(RangeError);
  });

  it('reseed restores the same stream', () => {
    const a = new Rng(7, 'k');
    const first = [a.next(), a.normal(), a.beta(2, 3)];
    a.reseed(7, 'k');
    expect([a.next(), a.normal(), a.beta(2, 3)]).toEqual(first);
  });

  it('getState/setState round-trips mid-stream', () => {
    const a = new Rng(3);
    a.normal();
    const s = a.getState();
    const rest = [a.normal(), a.next(), a.gamma(0.5)];
    const b = new Rng(0).setState(JSON.parse(JSON.stringify(s)));
    expect([b.normal(), b.next(), b.gamma(0.5)]).toEqual(rest);
  });

  it('uniform, normal, gamma and beta have the right moments (200k draws)', () => {
    const r = new Rng(123);
    const n = 200_000;
    let su = 0, sn = 0, sn2 = 0, sg = 0, sb = 0;
    let minU = 1, maxU = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sg += r.gamma(2.5);
      sb += r.beta(2, 6);
    }
    expect(minU).toBeGreaterThan(0);
    expect(maxU).toBeLessThan(1);
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
    expect(Math.abs(sg / n - 2.5)).toBeLessThan(0.02);
    expect(Math.abs(sb / n - 0.25)).toBeLessThan(0.003);
  });

  it('int(n) covers [0, n) evenly', () => {
    const r = new Rng(9);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 50_000; i++) counts[r.int(5)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
});
