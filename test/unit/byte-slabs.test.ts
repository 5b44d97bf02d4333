import { describe, expect, it } from 'vitest';
import { ByteSlabs } from '../../src/store/byte-slabs.ts';

describe('ByteSlabs', () => {
  it('keeps what was written until released, at even offsets, and frees a slab with its last record', () => {
    const s = new ByteSlabs(64);
    const where: { slab: number; offset: number; n: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const b = s.reserve(14); // room for 14 asked, 5 written: offsets 0, 6, ..., 48 fit a 64-byte slab
      const n = b.write(`rec-${i}`, s.offset);
      expect(s.offset % 2).toBe(0);
      s.commit(n);
      where.push({ slab: s.slab, offset: s.offset, n });
    }
    expect(new Set(where.map((w) => w.slab)).size).toBe(2);
    for (const [i, w] of where.entries()) expect(s.bufferOf(w.slab).toString('utf8', w.offset, w.offset + w.n)).toBe(`rec-${i}`);
    const first = where[0]!.slab;
    for (const w of where.filter((x) => x.slab === first)) s.release(w.slab);
    expect(s.slabCount).toBe(1); // the full first slab is freed; the one being filled stays
    for (const w of where.filter((x) => x.slab !== first)) s.release(w.slab);
    expect(s.slabCount).toBe(1); // still being filled: kept even when empty
    const c = where.at(-1)!.slab;
    let inC = 0;
    for (;;) {
      s.reserve(14);
      s.commit(2);
      if (s.slab !== c) break;
      inC++;
    }
    expect(s.slabCount).toBe(2);
    for (let i = 0; i < inC; i++) s.release(c);
    expect(s.slabCount).toBe(1); // no longer being filled: freed with its last record
  });

  it('gives a record larger than a quarter of a slab a slab of its own, freed with it', () => {
    const s = new ByteSlabs(64);
    s.reserve(4);
    s.commit(4);
    const b = s.reserve(100);
    expect(b.length).toBe(100);
    s.commit(100);
    const big = s.slab;
    expect(s.slabCount).toBe(2);
    s.release(big);
    expect(s.slabCount).toBe(1);
  });

  it('reads the slab as UTF-16 code units at half the byte offset', () => {
    const s = new ByteSlabs(64);
    s.reserve(8);
    const units = s.unitsOf(s.slab);
    const at = s.offset >> 1;
    for (const [i, c] of [...'héy\ud800'].entries()) units[at + i] = c.charCodeAt(0);
    s.commit(8);
    expect(String.fromCharCode(...units.subarray(at, at + 4))).toBe('héy\ud800');
  });
});

describe('ByteSlabs chunks', () => {
  /** Fill `n` whole slabs (one record of the slab's size each), each with its own byte; returns their slab numbers. */
  function fill(s: ByteSlabs, n: number, slabBytes: number, byte: (i: number) => number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = s.reserve(slabBytes / 4);
      b.fill(byte(i), s.offset, s.offset + slabBytes / 4);
      s.commit(slabBytes / 4);
      out.push(s.slab);
      // the rest of the slab: three more records, so the next reserve starts a new slab
      for (let j = 0; j < 3; j++) {
        const c = s.reserve(slabBytes / 4);
        c.fill(byte(i), s.offset, s.offset + slabBytes / 4);
        s.commit(slabBytes / 4);
      }
    }
    return out;
  }

  it('carves slabs from chunks that double up to the maximum, without overlapping', () => {
    const s = new ByteSlabs(64, 128, 512);
    const slabs = fill(s, 14, 64, (i) => i + 1);
    // chunks of 2, 4, 8 (the maximum) slabs: 14 slabs need 2 + 4 + 8
    expect(s.chunkBytes).toBe(128 + 256 + 512);
    fill(s, 1, 64, () => 99);
    expect(s.chunkBytes).toBe(128 + 256 + 512 + 512); // capped: the next chunk is the maximum again
    for (const [i, slab] of slabs.entries()) {
      const b = s.bufferOf(slab);
      expect(b.length).toBe(64);
      expect([...b].every((x) => x === i + 1)).toBe(true);
    }
  });

  it('reuses every emptied slab before carving or allocating more', () => {
    const s = new ByteSlabs(64, 128, 512);
    const first = fill(s, 6, 64, () => 1);
    const bytes = s.chunkBytes;
    for (const slab of first) for (let j = 0; j < 4; j++) s.release(slab);
    // the last one is still being filled, so five are spare
    expect(s.spareSlabs).toBe(5);
    expect(s.slabCount).toBe(1);
    fill(s, 5, 64, () => 2);
    // five spare ones used, and the one that was being filled emptied into the spares on the first
    expect(s.spareSlabs).toBe(1);
    expect(s.chunkBytes).toBe(bytes);
  });

  it('takes a smaller chunk when a large one cannot be allocated', () => {
    const sizes: number[] = [];
    const s = new ByteSlabs(64, 1024, 1024, (bytes) => {
      sizes.push(bytes);
      if (bytes > 256) throw new RangeError('Array buffer allocation failed');
      return Buffer.allocUnsafeSlow(bytes);
    });
    fill(s, 1, 64, () => 7);
    expect(sizes).toEqual([1024, 512, 256]);
    expect(s.chunkBytes).toBe(256);
    expect([...s.bufferOf(0)].every((x) => x === 7)).toBe(true);
  });

  it('passes on an allocation error that is not about size, and one that even a single slab meets', () => {
    const other = new ByteSlabs(64, 128, 128, () => {
      throw new TypeError('not memory');
    });
    expect(() => other.reserve(8)).toThrow(TypeError);
    const none = new ByteSlabs(64, 128, 128, () => {
      throw new RangeError('Array buffer allocation failed');
    });
    expect(() => none.reserve(8)).toThrow(RangeError);
  });
});
