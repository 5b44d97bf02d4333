/**
 * Bytes kept outside the JavaScript heap's objects: written into 64 KB slabs, each slab counting the
 * records that use it and emptied when the last is released. Tables that hold many records for a TTL
 * (the in-memory store, the embedded bus) keep a slab number and an offset per record in typed arrays
 * instead of a `Buffer` or a string each, so the garbage collector has nothing to trace or copy per
 * record: a young-generation collection then costs what the request's own garbage costs, not what the
 * last seconds of decisions hold.
 *
 * Records written together are released together (a TTL, a stream's age), so slabs empty in order. A
 * record larger than a quarter of a slab gets a slab of its own (`Buffer.allocUnsafeSlow`).
 *
 * The standard slabs are carved from a few large chunks (the first `FIRST_CHUNK_BYTES`, each next twice
 * the last, up to `MAX_CHUNK_BYTES`), and an emptied slab is kept for reuse, never left to the collector.
 * Every new `ArrayBuffer` counts as external memory, and V8 counts the external memory allocated since its
 * last mark-compact against the old generation's limit: with a backing store per 64 KB slab, a router
 * filling its store at 12,000 decisions a second (a record in the store and one on the bus, about 20 MB/s)
 * ran a mark-compact every 0.4 to 0.8 s, whose concurrent marking took the load generator's core; with
 * chunks, one per chunk while the tables fill (a dozen in all up to a GB), and none once they are full.
 * So memory is the most slabs ever used at once (bounded by the tables' capacity and TTL), held until
 * `clear()`; a chunk's pages are resident only once a slab in them is written.
 *
 * Bytes read from a slab are valid only while their record is held: a reader that keeps them longer
 * copies them (`Buffer.from`).
 */
export const SLAB_BYTES = 64 * 1024;
/** The first chunk slabs are carved from; each next is twice the last, up to `MAX_CHUNK_BYTES`. */
export const FIRST_CHUNK_BYTES = 1 << 20;
export const MAX_CHUNK_BYTES = 256 << 20;

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
  /** Emptied slabs of the standard size, for reuse (every one: see the module's note). */
  private readonly spare: Buffer[] = [];
  /** The chunk standard slabs are carved from, the bytes carved from it, and the next chunk's size. */
  private chunk: Buffer | undefined;
  private carved = 0;
  private nextChunkBytes: number;
  /** Bytes of the chunks allocated (each one's pages resident only once written). */
  private chunkBytesTotal = 0;
  /** The slab being filled (-1: none yet) and the bytes used in it. */
  private current = -1;
  private used = 0;
  /** After `reserve`: the slab and the (even) offset reserved. */
  slab = -1;
  offset = 0;

  /** `firstChunkBytes`: rounded up to a whole number of slabs (tests use small slabs and chunks). */
  constructor(
    private readonly slabBytes = SLAB_BYTES,
    firstChunkBytes = FIRST_CHUNK_BYTES,
    private readonly maxChunkBytes = MAX_CHUNK_BYTES,
    /** Allocates a chunk (tests make it fail). */
    private readonly allocate: (bytes: number) => Buffer = Buffer.allocUnsafeSlow,
  ) {
    this.nextChunkBytes = firstChunkBytes;
  }

  /** Slabs holding records or being filled (for tests and metrics). */
  get slabCount(): number {
    return this.slabs.length - this.free.length;
  }

  /** Emptied standard slabs kept for reuse. */
  get spareSlabs(): number {
    return this.spare.length;
  }

  /** Bytes of the chunks standard slabs are carved from. */
  get chunkBytes(): number {
    return this.chunkBytesTotal;
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

  clear(): void {
    this.slabs.length = 0;
    this.units.length = 0;
    this.refs.length = 0;
    this.free.length = 0;
    this.spare.length = 0;
    this.chunk = undefined;
    this.carved = 0;
    this.chunkBytesTotal = 0;
    this.current = -1;
    this.used = 0;
  }

  private add(bytes: number): number {
    const b = bytes === this.slabBytes ? this.standardSlab() : Buffer.allocUnsafeSlow(bytes);
    const i = this.free.pop() ?? this.slabs.length;
    this.slabs[i] = b;
    this.units[i] = undefined;
    this.refs[i] = 0;
    return i;
  }

  private drop(slab: number): void {
    const b = this.slabs[slab]!;
    if (b.length === this.slabBytes) this.spare.push(b);
    this.slabs[slab] = undefined;
    this.units[slab] = undefined;
    this.free.push(slab);
  }

  /** An emptied slab, or the next one carved from the current chunk (a new chunk when it is used up). */
  private standardSlab(): Buffer {
    const reused = this.spare.pop();
    if (reused !== undefined) return reused;
    if (this.chunk === undefined || this.carved + this.slabBytes > this.chunk.length) this.newChunk();
    const start = this.carved;
    this.carved += this.slabBytes;
    return this.chunk!.subarray(start, this.carved);
  }

  /** The next chunk, twice the last up to the maximum; half as big again while the allocation fails. */
  private newChunk(): void {
    let slabs = Math.max(1, Math.ceil(this.nextChunkBytes / this.slabBytes));
    for (;;) {
      try {
        this.chunk = this.allocate(slabs * this.slabBytes);
        break;
      } catch (err) {
        // out of address space or over a strict overcommit limit: a smaller chunk, down to one slab
        if (!(err instanceof RangeError) || slabs === 1) throw err;
        slabs = Math.max(1, slabs >> 1);
      }
    }
    this.carved = 0;
    this.chunkBytesTotal += this.chunk.length;
    this.nextChunkBytes = Math.min(2 * this.chunk.length, Math.max(this.maxChunkBytes, this.slabBytes));
  }
}
