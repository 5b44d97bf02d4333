import { describe, expect, it } from 'vitest';
import { SlabArena } from '../../src/store/slab-arena.ts';

describe('SlabArena', () => {
  it('carves slabs from chunks that double up to the maximum, without overlapping', () => {
    const arena = new SlabArena({ slabBytes: 64, firstChunkBytes: 128, maxChunkBytes: 512 });
    const slabs = Array.from({ length: 14 }, (_, i) => arena.take().fill(i + 1));
    // chunks of 2, 4 and 8 slabs (the maximum): 14 slabs
    expect(arena.chunkBytes).toBe(128 + 256 + 512);
    expect(arena.chunks).toBe(3);
    arena.take();
    expect(arena.chunkBytes).toBe(128 + 256 + 512 + 512); // capped: the next chunk is the maximum again
    for (const [i, b] of slabs.entries()) {
      expect(b.length).toBe(64);
      expect([...b].every((x) => x === i + 1)).toBe(true);
    }
  });

  it('gives back what it was given, last in first out, before carving more', () => {
    const arena = new SlabArena({ slabBytes: 64, firstChunkBytes: 128, maxChunkBytes: 512 });
    const [a, b, c] = [arena.take(), arena.take(), arena.take()];
    const bytes = arena.chunkBytes;
    arena.give(a);
    arena.give(b);
    expect(arena.spareSlabs).toBe(2);
    expect(arena.spareBytes).toBe(128);
    expect(arena.take()).toBe(b);
    expect(arena.take()).toBe(a);
    expect(arena.spareSlabs).toBe(0);
    expect(arena.chunkBytes).toBe(bytes);
    expect(c.length).toBe(64);
  });

  it('rounds the first chunk up to whole slabs', () => {
    const arena = new SlabArena({ slabBytes: 64, firstChunkBytes: 100 });
    arena.take();
    expect(arena.chunkBytes).toBe(128);
  });

  it('takes a smaller chunk when a large one cannot be allocated', () => {
    const sizes: number[] = [];
    const arena = new SlabArena({
      slabBytes: 64,
      firstChunkBytes: 1024,
      allocate: (bytes) => {
        sizes.push(bytes);
        if (bytes > 256) throw new RangeError('Array buffer allocation failed');
        return Buffer.allocUnsafeSlow(bytes);
      },
    });
    arena.take().fill(7);
    expect(sizes).toEqual([1024, 512, 256]);
    expect(arena.chunkBytes).toBe(256);
  });

  it('passes on an allocation error that is not about size, and one that even a single slab meets', () => {
    const other = new SlabArena({
      slabBytes: 64,
      allocate: () => {
        throw new TypeError('not memory');
      },
    });
    expect(() => other.take()).toThrow(TypeError);
    const none = new SlabArena({
      slabBytes: 64,
      allocate: () => {
        throw new RangeError('Array buffer allocation failed');
      },
    });
    expect(() => none.take()).toThrow(RangeError);
  });

  it('rejects a slab size that is not a positive even integer', () => {
    expect(() => new SlabArena({ slabBytes: 63 })).toThrow(/slabBytes/);
    expect(() => new SlabArena({ slabBytes: 0 })).toThrow(/slabBytes/);
  });
});
