import { describe, expect, it } from 'vitest';
import { ByteSlabs } from '../../src/store/byte-slabs.ts';
import { SlabArena } from '../../src/store/slab-arena.ts';

const small = (): SlabArena => new SlabArena({ slabBytes: 64, firstChunkBytes: 256 });

describe('ByteSlabs', () => {
  it('keeps what was written until released, at even offsets, and frees a slab with its last record', () => {
    const s = new ByteSlabs(small());
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
    const s = new ByteSlabs(small());
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
    const s = new ByteSlabs(small());
    s.reserve(8);
    const units = s.unitsOf(s.slab);
    const at = s.offset >> 1;
    for (const [i, c] of [...'héy\ud800'].entries()) units[at + i] = c.charCodeAt(0);
    s.commit(8);
    expect(String.fromCharCode(...units.subarray(at, at + 4))).toBe('héy\ud800');
  });

  it('gives emptied slabs back to its arena, where another ByteSlabs takes them before anything is carved', () => {
    const arena = small();
    const a = new ByteSlabs(arena);
    const b = new ByteSlabs(arena);
    const mine: number[] = [];
    for (let i = 0; i < 24; i++) {
      a.reserve(16); // four records a slab
      a.commit(16);
      mine.push(a.slab);
    }
    const carved = arena.chunkBytes;
    for (const slab of mine) a.release(slab);
    // six full slabs emptied; the one being filled stays with `a`
    expect(arena.spareSlabs).toBe(5);
    for (let i = 0; i < 20; i++) {
      const buf = b.reserve(16);
      buf.fill(7, b.offset, b.offset + 16);
      b.commit(16);
    }
    expect(arena.spareSlabs).toBe(0);
    expect(arena.chunkBytes).toBe(carved);
    a.clear();
    expect(arena.spareSlabs).toBe(1); // the slab `a` was filling
  });
});
