/**
 * Fixed-size slabs for `ByteSlabs`, carved from a few large chunks (the first `FIRST_CHUNK_BYTES`, each
 * next twice the last, up to `MAX_CHUNK_BYTES`), and every slab given back kept for the next taker, never
 * left to the collector. One arena serves all the tables of a router (the in-memory store's, the embedded
 * bus's, the recent-decision cache's), so what one table empties another fills.
 *
 * Why: every new `ArrayBuffer` counts as external memory, and V8 (11.3, Node 20) counts the external
 * memory allocated since its last mark-compact against the old generation's limit, and starts a
 * mark-compact once the slack left is below the young generation's size. With a backing store per 64 KB
 * slab, a router filling its store at 12,000 decisions a second (a record in the store and one on the bus,
 * about 20 MB/s) ran a mark-compact every 0.4 to 0.8 s, whose concurrent marking took the load
 * generator's core; with one arena, 6 in 15 s while filling (one per chunk and per table doubling), and 1
 * in 15 s once the store is full (a 5 s decision TTL, after 20 s of load).
 *
 * So memory is the most slabs ever in use at once (bounded by the tables' capacities and TTLs), held for
 * the arena's life; a chunk's pages are resident only once a slab in them is written, and given-back
 * slabs are taken again before a new one is carved.
 */
export const SLAB_BYTES = 64 * 1024;
/** The first chunk slabs are carved from; each next is twice the last, up to `MAX_CHUNK_BYTES`. */
export const FIRST_CHUNK_BYTES = 1 << 20;
export const MAX_CHUNK_BYTES = 256 << 20;

export interface SlabArenaOptions {
  /** Bytes per slab (tests use small ones). */
  readonly slabBytes?: number;
  /** The first chunk's size, rounded up to whole slabs. */
  readonly firstChunkBytes?: number;
  readonly maxChunkBytes?: number;
  /** Allocates a chunk (tests make it fail). */
  readonly allocate?: (bytes: number) => Buffer;
}

export class SlabArena {
  readonly slabBytes: number;
  private readonly maxChunkBytes: number;
  private readonly allocate: (bytes: number) => Buffer;
  /** Slabs given back, taken again last in, first out. */
  private readonly spare: Buffer[] = [];
  /** The chunk slabs are carved from, the bytes carved from it, and the next chunk's size. */
  private chunk: Buffer | undefined;
  private carved = 0;
  private nextChunkBytes: number;
  private chunkBytesTotal = 0;
  private chunkCount = 0;

  constructor(options: SlabArenaOptions = {}) {
    this.slabBytes = options.slabBytes ?? SLAB_BYTES;
    if (!Number.isInteger(this.slabBytes) || this.slabBytes < 2 || this.slabBytes % 2 !== 0) throw new RangeError(`SlabArena: slabBytes must be an even integer >= 2, got ${this.slabBytes}`);
    this.nextChunkBytes = options.firstChunkBytes ?? FIRST_CHUNK_BYTES;
    this.maxChunkBytes = Math.max(options.maxChunkBytes ?? MAX_CHUNK_BYTES, this.slabBytes);
    this.allocate = options.allocate ?? Buffer.allocUnsafeSlow;
  }

  /** A slab of `slabBytes` (its content is whatever was last written in it). */
  take(): Buffer {
    const reused = this.spare.pop();
    if (reused !== undefined) return reused;
    if (this.chunk === undefined || this.carved + this.slabBytes > this.chunk.length) this.newChunk();
    const start = this.carved;
    this.carved += this.slabBytes;
    return this.chunk!.subarray(start, this.carved);
  }

  /** A slab from `take` that nobody reads any more. */
  give(slab: Buffer): void {
    this.spare.push(slab);
  }

  /** Slabs given back and not taken again. */
  get spareSlabs(): number {
    return this.spare.length;
  }

  /** Bytes of the slabs given back and not taken again. */
  get spareBytes(): number {
    return this.spare.length * this.slabBytes;
  }

  /** Bytes of the chunks allocated (each one's pages resident only once written). */
  get chunkBytes(): number {
    return this.chunkBytesTotal;
  }

  get chunks(): number {
    return this.chunkCount;
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
    this.chunkCount++;
    this.chunkBytesTotal += this.chunk.length;
    this.nextChunkBytes = Math.min(2 * this.chunk.length, this.maxChunkBytes);
  }
}
