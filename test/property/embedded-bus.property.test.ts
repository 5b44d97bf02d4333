/**
 * The embedded bus's message storage (bytes in slabs, the rest in typed-array columns) against a list of
 * what the stream should hold: after publishing strings of every UTF-8 width and byte arrays (empty, small,
 * larger than a quarter slab, views at an offset, written to after publishing) under a moving clock, with
 * the `maxMessages` cap and `maxAge` trimming, a consumer receives exactly the retained messages in order,
 * with their seq, subject, bytes and timestamp; and the slabs go with the messages trimmed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.ts';
import { EmbeddedBus } from '../../src/bus/embedded-bus.ts';
import { utf8Room } from '../../src/store/byte-slabs.ts';
import { SLAB_BYTES, SlabArena } from '../../src/store/slab-arena.ts';

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('a', '"', 'é', '€', '\ud800', '\udc00', '\ud83d\ude00', '\u0000'), maxLength: 7000, size: 'max' }),
  fc.constant(''),
);
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: SLAB_BYTES / 4 + 1, maxLength: SLAB_BYTES / 4 + 3000 }),
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 2, maxLength: 300 }).map((a) => Buffer.from(a).subarray(1)),
);
const publish = fc.record({
  data: fc.oneof(text, bytes),
  subject: fc.constantFrom('s.a', 's.b', 's.c'),
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
});

interface Kept {
  readonly seq: number;
  readonly subject: string;
  readonly bytes: Buffer;
  readonly timestampMs: number;
}

async function consumeAll(bus: EmbeddedBus, count: number, stream = 'S'): Promise<BusMessage[]> {
  const got: BusMessage[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const handle = await bus.consume({ stream, durable: `d${Math.random()}`, startSeq: 1, ackWaitMs: 60_000, maxAckPending: 1000 }, async (m) => {
    got.push(m);
    m.ack();
    if (got.length >= count) done();
  });
  await all;
  await new Promise((r) => setTimeout(r, 0)); // nothing more is delivered
  await handle.stop();
  return got;
}

describe('EmbeddedBus storage', () => {
  it('delivers exactly the retained messages, in order, with their seq, subject, bytes and time; slabs go with trimmed messages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(publish, { minLength: 1, maxLength: 80, size: 'max' }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 10, max: 120 }), async (ops, maxMessages, maxAgeMs) => {
        let clock = 1_800_000_000_000;
        const bus = new EmbeddedBus({ now: () => clock, maxMessagesPerStream: maxMessages });
        await bus.ensureStream({ name: 'S', subjects: ['s.a', 's.b', 's.c'], maxAgeMs });
        let kept: Kept[] = [];
        for (const [i, op] of ops.entries()) {
          clock += op.dt;
          const expected = typeof op.data === 'string' ? Buffer.from(op.data, 'utf8') : Buffer.from(op.data);
          expect(bus.publishNow(op.subject, op.data)).toBe(i + 1);
          if (typeof op.data !== 'string') op.data.fill(0xab); // the bus kept its own copy
          kept.push({ seq: i + 1, subject: op.subject, bytes: expected, timestampMs: clock });
          if (kept.length > maxMessages + (maxMessages >> 2)) kept = kept.slice(kept.length - maxMessages);
          kept = kept.filter((k) => clock - k.timestampMs <= maxAgeMs);
          // every slab but the one being filled holds a retained message
          expect(bus.slabCountForTests('S')).toBeLessThanOrEqual(kept.length + 1);
        }
        expect(await bus.lastSeq('S')).toBe(ops.length);
        const got = await consumeAll(bus, kept.length);
        expect(got.map((m) => [m.seq, m.subject, m.timestampMs, m.deliveryCount])).toEqual(kept.map((k) => [k.seq, k.subject, k.timestampMs, 1]));
        for (const [i, m] of got.entries()) expect(Buffer.compare(m.data, kept[i]!.bytes)).toBe(0);

        clock += maxAgeMs + 1; // everything ages out with the next publish: only its slab is left
        expect(bus.publishNow('s.a', 'last')).toBe(ops.length + 1);
        expect(bus.slabCountForTests('S')).toBe(1);
        const last = await consumeAll(bus, 1);
        expect(last.map((m) => [m.seq, Buffer.from(m.data).toString()])).toEqual([[ops.length + 1, 'last']]);
        await bus.close();
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the messages of every stream intact while streams sharing an arena reuse the slabs others emptied; a deleted stream gives its slabs back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(publish, { minLength: 1, maxLength: 60, size: 'max' }), async (ops) => {
        let clock = 1_800_000_000_000;
        const arena = new SlabArena();
        // S trims everything older than 5 ms; T keeps all: T's new slabs are S's emptied ones
        const bus = new EmbeddedBus({ now: () => clock, arena });
        await bus.ensureStream({ name: 'S', subjects: ['s.a', 's.b', 's.c'], maxAgeMs: 5 });
        await bus.ensureStream({ name: 'T', subjects: ['t'] });
        const kept: Buffer[] = [];
        for (const op of ops) {
          clock += op.dt;
          bus.publishNow(op.subject, op.data);
          bus.publishNow('t', op.data);
          kept.push(typeof op.data === 'string' ? Buffer.from(op.data, 'utf8') : Buffer.from(op.data));
        }
        const got = await consumeAll(bus, kept.length, 'T');
        expect(got.length).toBe(kept.length);
        for (const [i, m] of got.entries()) expect(Buffer.compare(m.data, kept[i]!)).toBe(0);
        const spare = arena.spareSlabs;
        const held = bus.slabCountForTests('S');
        await bus.deleteStream('S');
        // S's standard slabs go back (a message larger than a quarter slab has a slab of its own, left to
        // the collector); S is filling one as long as it ever took a small message
        const small = ops.some((op) => (typeof op.data === 'string' ? utf8Room(op.data) : op.data.length) <= SLAB_BYTES / 4);
        expect(arena.spareSlabs).toBeGreaterThanOrEqual(spare + (small ? 1 : 0));
        expect(arena.spareSlabs).toBeLessThanOrEqual(spare + held);
        await bus.close();
      }),
      { numRuns: 100 },
    );
  });
});
