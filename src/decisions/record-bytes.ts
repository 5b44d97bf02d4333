/**
 * The UTF-8 bytes of decision records (NATS + Redis mode: encoded once for the recent-decision cache,
 * which copies them, and the decision log's publish), written into slabs of `SLAB_BYTES` instead of
 * `Buffer.from` each: `Buffer.from` of a string under 4 KB takes a slice of node's 8 KB pool, so a
 * 900-byte record costs a byte count, a copy and, every ninth record, a new pool. Nobody keeps the bytes
 * past the publish, so a slab is garbage soon after it is full.
 */
import { utf8Room } from '../store/byte-slabs.ts';
import { SLAB_BYTES } from '../store/slab-arena.ts';

export class RecordBytes {
  private slab: Buffer = Buffer.alloc(0);
  private offset = 0;

  /** `Buffer.from(json)` (the same bytes), in the current slab. */
  of(json: string): Buffer {
    const most = utf8Room(json);
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
