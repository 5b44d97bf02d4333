/**
 * The UTF-8 bytes of decision records, written into slabs of `SLAB_BYTES` instead of `Buffer.from` each:
 * `Buffer.from` of a string under 4 KB takes a slice of node's 8 KB pool, so a 900-byte record costs a
 * byte count, a copy and, every ninth record, a new pool (an `ArrayBuffer` with its backing store and
 * its tracking by the collector). A slab is freed when every record in it is gone; records kept for the
 * same TTL go in insertion order, so slabs go in order too. A record kept longer than the others (a
 * retry's) would hold its whole slab: those are encoded on their own (`Buffer.from`).
 */
export const SLAB_BYTES = 64 * 1024;

export class RecordBytes {
  private slab: Buffer = Buffer.alloc(0);
  private offset = 0;

  /** `Buffer.from(json)` (the same bytes), in the current slab. */
  of(json: string): Buffer {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit (a lone surrogate is U+FFFD, 3 bytes; a pair 4 bytes)
    const most = json.length * 3;
    if (this.slab.length - this.offset < most) {
      if (most > SLAB_BYTES / 4) return Buffer.from(json);
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.offset = 0;
    }
    const start = this.offset;
    this.offset += this.slab.write(json, start);
    return this.slab.subarray(start, this.offset);
  }
}
