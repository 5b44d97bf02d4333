/**
 * Bytes kept outside the JavaScript heap's objects: written into 64 KB slabs, each slab counting the
 * records that use it and emptied when the last is released. Tables that hold many records for a TTL
 * (the in-memory store, the embedded bus) keep a slab number and an offset per record in typed arrays
 * instead of a `Buffer` or a string each, so the garbage collector has nothing to trace or copy per
 * record: a young-generation collection then costs what the request's own garbage costs, not what the
 * last seconds of decisions hold.
 *
 * Records written together are released together (a TTL, a stream's age), so slabs empty in order. The
 * slabs come from a `SlabArena` (shared by the router's tables) and go back to it when emptied; a record
 * larger than a quarter of a slab gets a slab of its own (`Buffer.allocUnsafeSlow`), left to the collector.
 *
 * Bytes read from a slab are valid only while their record is held: a reader that keeps them longer
 * copies them (`Buffer.from`).
 */
import { SlabArena } from './slab-arena.ts';

/**
 * Room to reserve for `text` as UTF-8: at most 3 bytes per UTF-16 unit (a lone surrogate is U+FFFD, 3
 * bytes; a pair 4), counted exactly for a long text, which 3x its length would give a slab of its own.
 */
export function utf8Room(text: string): number {
  return text.length <= 4096 ? 3 * text.length : Buffer.byteLength(text);
}

export class ByteSlabs {
  private readonly slabs: (Buffer | undefined)[] = [];
  private readonly units: (Uint16Array | undefined)[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  /** The slab being filled (-1: none yet) and the bytes used in it. */
  private current = -1;
  private used = 0;
  /** After `reserve`: the slab and the (even) offset reserved. */
  slab = -1;
  offset = 0;
  private readonly slabBytes: number;

  /** `arena`: where slabs come from and go back to (a router's tables share one). */
  constructor(readonly arena: SlabArena = new SlabArena()) {
    this.slabBytes = arena.slabBytes;
  }

  /** Slabs holding records or being filled (for tests and metrics). */
  get slabCount(): number {
    return this.slabs.length - this.free.length;
  }

  /**
   * Room for at most `most` bytes at `this.offset` of slab `this.slab` (returned); `commit` says how many
   * were written. Offsets are even, so a record may start with UTF-16 code units (`unitsOf`).
   */
  reserve(most: number): Buffer {
    if (most > this.slabBytes / 4) {
      this.slab = this.add(Math.max(most, 2));
      this.offset = 0;
      return this.slabs[this.slab]!;
    }
    const at = (this.used + 1) & ~1;
    if (this.current < 0 || at + most > this.slabBytes) {
      const old = this.current;
      this.current = this.add(this.slabBytes);
      this.used = 0;
      if (old >= 0 && this.refs[old] === 0) this.drop(old);
      this.slab = this.current;
      this.offset = 0;
      return this.slabs[this.current]!;
    }
    this.slab = this.current;
    this.offset = at;
    return this.slabs[this.current]!;
  }

  /** `n` bytes were written at the reserved offset: the slab now holds one more record. */
  commit(n: number): void {
    if (this.slab === this.current) this.used = this.offset + n;
    this.refs[this.slab]!++;
  }

  /** One record of `slab` is gone; the slab is freed with its last one (unless it is still being filled). */
  release(slab: number): void {
    const left = --this.refs[slab]!;
    if (left === 0 && slab !== this.current) this.drop(slab);
  }

  bufferOf(slab: number): Buffer {
    return this.slabs[slab]!;
  }

  /** The slab as UTF-16 code units (index = byte offset / 2). */
  unitsOf(slab: number): Uint16Array {
    let u = this.units[slab];
    if (u === undefined) {
      const b = this.slabs[slab]!;
      u = new Uint16Array(b.buffer, b.byteOffset, b.length >> 1);
      this.units[slab] = u;
    }
    return u;
  }

  /** Release every record: the standard slabs go back to the arena. */
  clear(): void {
    for (const b of this.slabs) if (b !== undefined) this.giveBack(b);
    this.slabs.length = 0;
    this.units.length = 0;
    this.refs.length = 0;
    this.free.length = 0;
    this.current = -1;
    this.used = 0;
  }

  private add(bytes: number): number {
    const b = bytes === this.slabBytes ? this.arena.take() : Buffer.allocUnsafeSlow(bytes);
    const i = this.free.pop() ?? this.slabs.length;
    this.slabs[i] = b;
    this.units[i] = undefined;
    this.refs[i] = 0;
    return i;
  }

  private drop(slab: number): void {
    this.giveBack(this.slabs[slab]!);
    this.slabs[slab] = undefined;
    this.units[slab] = undefined;
    this.free.push(slab);
  }

  /** An emptied slab: a standard one back to the arena; one of its own (a large record) to the collector. */
  private giveBack(b: Buffer): void {
    if (b.length === this.slabBytes) this.arena.give(b);
  }
}
