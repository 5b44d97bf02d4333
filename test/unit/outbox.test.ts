import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/decisions/outbox.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function outbox(options: { lingerMs?: number; batchSize?: number; fail?: () => boolean } = {}) {
  const batches: number[][] = [];
  const box = new Outbox<number>({
    name: 'test',
    capacity: 1000,
    batchSize: options.batchSize ?? 100,
    backoffMs: 5,
    ...(options.lingerMs !== undefined ? { lingerMs: options.lingerMs } : {}),
    flush: async (batch) => {
      if (options.fail?.()) throw new Error('down');
      batches.push([...batch]);
    },
    onDrop: () => {},
  });
  return { box, batches };
}

describe('Outbox', () => {
  it('writes everything pushed, in order, in batches of at most batchSize', async () => {
    const { box, batches } = outbox({ batchSize: 3 });
    for (let i = 0; i < 8; i++) box.push(i);
    await box.drainFor(1000);
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...batches.map((b) => b.length))).toBe(3);
    expect(box.pending).toBe(0);
  });

  it('with lingerMs, gathers the pushes of the next milliseconds into one flush', async () => {
    const { box, batches } = outbox({ lingerMs: 20 });
    box.push(1);
    await sleep(2);
    box.push(2);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([]); // not before the linger
    box.push(3);
    await sleep(60);
    expect(batches).toEqual([[1, 2, 3]]);
    box.push(4); // a new first item waits again
    await sleep(60);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('keeps what a failed flush held and writes it once the dependency is back', async () => {
    let down = true;
    const { box, batches } = outbox({ fail: () => down });
    box.push(1);
    box.push(2);
    await sleep(20);
    expect(box.pending).toBe(2);
    down = false;
    await box.drainFor(1000);
    expect(batches.flat()).toEqual([1, 2]);
    expect(box.pending).toBe(0);
  });
});

describe('Outbox weights', () => {
  it('counts capacity, drops and pending in the items weights (a message carrying several records)', async () => {
    let down = true;
    const dropped: number[] = [];
    const written: number[] = [];
    const box = new Outbox<number>({
      name: 'test',
      capacity: 10,
      batchSize: 2,
      backoffMs: 5,
      weightOf: (n) => n,
      flush: async (batch) => {
        if (down) throw new Error('down');
        written.push(...batch);
      },
      onDrop: (n) => dropped.push(n),
    });
    expect(box.push(4)).toBe(true);
    expect(box.push(5)).toBe(true);
    expect(box.pending).toBe(9);
    expect(box.push(2)).toBe(false); // 11 > 10: the whole item is dropped, its weight counted
    expect(box.push(1)).toBe(true);
    expect(dropped).toEqual([2]);
    expect(box.pending).toBe(10);
    expect(box.room).toBe(0);
    await sleep(20);
    expect(box.pending).toBe(10); // a failed flush keeps every unit
    down = false;
    expect(await box.drainFor(1000)).toBe(0);
    expect(written).toEqual([4, 5, 1]);
    expect(box.push(10)).toBe(true); // room again once written
    await box.drainFor(1000);
    expect(box.pending).toBe(0);
  });
});

describe('Outbox.kick', () => {
  it('flushes at once what waits for its backoff after a failure', async () => {
    let down = true;
    const batches: number[][] = [];
    const box = new Outbox<number>({
      name: 'test',
      capacity: 10,
      batchSize: 10,
      backoffMs: 60_000, // a retry would come only after a minute
      flush: async (batch) => {
        if (down) throw new Error('down');
        batches.push([...batch]);
      },
      onDrop: () => {},
    });
    box.push(1);
    await sleep(10);
    expect(box.pending).toBe(1);
    down = false;
    box.kick();
    await sleep(10);
    expect(batches).toEqual([[1]]);
    box.close();
  });
});
