/**
 * A map of expiring entries, bounded by a capacity and by the entries' expiry, both from the oldest end,
 * in O(1) per write: `set` puts a key at the back (a key set again moves back), drops the oldest keys past
 * the capacity, and expires a few entries from the front, so memory follows the TTL (as Redis expires
 * keys); an entry at the front that lives longer than those behind it (a retry decision's record) moves
 * to the back instead of holding up their expiry. (The model, an insertion-ordered Map walked from its
 * front, is test/support/expiring-reference.ts.)
 *
 * Keys are strings, values bytes or text, with a number each, and nothing is a JavaScript object per
 * entry: the entries are columns of typed arrays, keys (as UTF-16 code units) and values (as UTF-8) live in
 * `ByteSlabs`, and the index is an open-addressing table of entry numbers (linear probing, backward-shift
 * deletion, so no tombstones to sweep). A million decisions kept for their TTL are then nothing the
 * garbage collector traces or copies: with JS objects per entry, every young collection under load copied
 * the last few thousand decisions' keys, views and entry objects, and those pauses were the router's p99.
 *
 * An entry is found by `find(key)`, which answers its number (valid until the next write) or -1; its
 * fields are read by that number. Values come back as a view of the slab (`bytes`, valid while the entry
 * is held) or decoded (`text`).
 * The key hash is seeded per map, so keys chosen by clients cannot be made to collide by design.
 */
import { randomInt } from 'node:crypto';
import { ByteSlabs, utf8Room } from './byte-slabs.ts';
import type { SlabArena } from './slab-arena.ts';

/** Columns to start with (they double as needed); tests start small to exercise probing and compaction. */
const INITIAL_ENTRIES = 1024;

export class SlabMap {
  private readonly slabs: ByteSlabs;
  private readonly seed = randomInt(0x7fffffff);
  /**
   * Entries in insertion order: `used` column slots from `head` on, a ring (the slot after the last is
   * the first), so that at a steady state, as many entries expiring from the front as are written at the
   * back, nothing is ever moved. An entry is live while it is its key's current one.
   */
  private head = 0;
  private used = 0;
  private count = 0;
  private hashes: Int32Array;
  private expires: Float64Array;
  private nums: Float64Array;
  private slabOf: Int32Array;
  private offsetOf: Int32Array;
  private keyLengthOf: Int32Array;
  /** Bytes of the value, -1 when the entry has none. */
  private valueLengthOf: Int32Array;
  private live: Uint8Array;
  /** Entry number + 1 per slot, 0 for an empty slot; at most half full. */
  private index: Int32Array;
  private mask: number;

  /** `initialEntries`: a power of two (tests start small); `arena`: where the bytes' slabs come from. */
  constructor(
    private readonly capacity: number,
    initialEntries = INITIAL_ENTRIES,
    arena?: SlabArena,
  ) {
    this.slabs = new ByteSlabs(arena);
    const n = initialEntries;
    if (n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`SlabMap: initialEntries must be a power of two, got ${n}`);
    this.hashes = new Int32Array(n);
    this.expires = new Float64Array(n);
    this.nums = new Float64Array(n);
    this.slabOf = new Int32Array(n);
    this.offsetOf = new Int32Array(n);
    this.keyLengthOf = new Int32Array(n);
    this.valueLengthOf = new Int32Array(n);
    this.live = new Uint8Array(n);
    this.index = new Int32Array(2 * n);
    this.mask = 2 * n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The entry of `key` (expired or not: `findLive` decides by time), or -1. */
  find(key: string): number {
    const h = this.hashOf(key);
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = index[i]!;
      if (s === 0) return -1;
      const e = s - 1;
      if (this.hashes[e] === h && this.keyIs(e, key)) return e;
    }
  }

  /** The entry of `key` if it is live at `now` (expiring after it), or -1; an expired one is removed. */
  findLive(key: string, now: number): number {
    const e = this.find(key);
    if (e < 0) return -1;
    if (this.expires[e]! <= now) {
      this.remove(e);
      return -1;
    }
    return e;
  }

  expiresAt(entry: number): number {
    return this.expires[entry]!;
  }

  numberOf(entry: number): number {
    return this.nums[entry]!;
  }

  /** Change the number of the live entry `entry` (from `find`). */
  setNumber(entry: number, num: number): void {
    this.nums[entry] = num;
  }

  /**
   * The value's bytes, a view of the slab (read-only, and valid only while the entry is held: an emptied
   * slab is reused, so a reader that keeps them copies them); undefined when there is none.
   */
  bytes(entry: number): Buffer | undefined {
    const n = this.valueLengthOf[entry]!;
    if (n < 0) return undefined;
    const start = this.offsetOf[entry]! + 2 * this.keyLengthOf[entry]!;
    return this.slabs.bufferOf(this.slabOf[entry]!).subarray(start, start + n);
  }

  /** The value decoded from UTF-8; undefined when there is none. */
  text(entry: number): string | undefined {
    const n = this.valueLengthOf[entry]!;
    if (n < 0) return undefined;
    const start = this.offsetOf[entry]! + 2 * this.keyLengthOf[entry]!;
    return this.slabs.bufferOf(this.slabOf[entry]!).toString('utf8', start, start + n);
  }

  delete(key: string): void {
    const e = this.find(key);
    if (e >= 0) this.remove(e);
  }

  /** Remove the live entry `entry` (from `find`); an entry already gone is left alone. */
  remove(entry: number): void {
    if (this.live[entry] !== 1) return;
    this.unindex(entry);
    this.kill(entry);
    this.count--;
  }

  clear(): void {
    this.slabs.clear();
    this.head = 0;
    this.used = 0;
    this.count = 0;
    this.live.fill(0);
    this.index.fill(0);
  }

  /**
   * Set `key` (at the back) to `value` and `num`, expiring at `expiresAt`; then drop the oldest keys past
   * the capacity, then expire from the front (`now`, the write's time; `horizon`, when an entry written
   * now expires: one at the front expiring later than that moves to the back).
   */
  set(key: string, value: Uint8Array | string | undefined, num: number, expiresAt: number, now: number, horizon: number): void {
    const h = this.hashOf(key);
    const e = this.append(h, key, value, num, expiresAt);
    this.place(e, key);
    while (this.count > this.capacity) this.dropFront();
    this.expireFront(now, horizon);
  }

  /** Point the index at `e` for `key`: in place of the key's previous entry (now stale), or in a free slot. */
  private place(e: number, key: string): void {
    const h = this.hashes[e]!;
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = index[i]!;
      if (s === 0) {
        index[i] = e + 1;
        this.count++;
        if (this.count * 2 > index.length) this.reindex(index.length * 2);
        return;
      }
      const old = s - 1;
      if (this.hashes[old] === h && this.keyIs(old, key)) {
        index[i] = e + 1;
        this.kill(old);
        return;
      }
    }
  }

  private expireFront(now: number, horizon: number, budget = 4): void {
    let n = 0;
    while (this.used > 0) {
      const e = this.head;
      if (this.live[e] === 0) {
        this.pop(); // stale (its key was deleted or set again): not an entry, costs no budget
        continue;
      }
      if (n++ >= budget) return;
      const at = this.expires[e]!;
      if (at <= now) {
        this.pop();
        this.remove(e);
      } else if (at > horizon) {
        this.pop();
        this.moveBack(e);
      } else return;
    }
  }

  /** Delete the oldest live key. */
  private dropFront(): void {
    while (this.used > 0) {
      const e = this.head;
      this.pop();
      if (this.live[e] === 1) {
        this.remove(e);
        return;
      }
    }
  }

  /** The entry `e` again at the back (its key and value copied into the slab being filled), `e` gone. */
  private moveBack(e: number): void {
    const h = this.hashes[e]!;
    const expiresAt = this.expires[e]!;
    const num = this.nums[e]!;
    const keyLength = this.keyLengthOf[e]!;
    const valueLength = this.valueLengthOf[e]!;
    const bytes = 2 * keyLength + Math.max(0, valueLength);
    const from = this.slabs.bufferOf(this.slabOf[e]!);
    const start = this.offsetOf[e]!;
    const to = this.slabs.reserve(bytes);
    from.copy(to, this.slabs.offset, start, start + bytes);
    this.slabs.commit(bytes);
    const slab = this.slabs.slab;
    const offset = this.slabs.offset;
    this.remove(e); // before a new number is taken: that may renumber the entries
    const m = this.nextEntry();
    this.hashes[m] = h;
    this.expires[m] = expiresAt;
    this.nums[m] = num;
    this.slabOf[m] = slab;
    this.offsetOf[m] = offset;
    this.keyLengthOf[m] = keyLength;
    this.valueLengthOf[m] = valueLength;
    this.live[m] = 1;
    // the key is not in the index now: the first empty slot on its probe path
    const mask = this.mask;
    let i = h & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = m + 1;
    this.count++;
  }

  /** Write a new entry at the back (not yet in the index); answers its number. */
  private append(h: number, key: string, value: Uint8Array | string | undefined, num: number, expiresAt: number): number {
    const k = key.length;
    const most = 2 * k + (value === undefined ? 0 : typeof value === 'string' ? utf8Room(value) : value.length);
    const buf = this.slabs.reserve(most);
    const at = this.slabs.offset;
    const units = this.slabs.unitsOf(this.slabs.slab);
    const u = at >> 1;
    for (let j = 0; j < k; j++) units[u + j] = key.charCodeAt(j);
    let n = -1;
    if (typeof value === 'string') n = buf.write(value, at + 2 * k);
    else if (value !== undefined) {
      buf.set(value, at + 2 * k);
      n = value.length;
    }
    this.slabs.commit(2 * k + Math.max(0, n));
    const e = this.nextEntry();
    this.hashes[e] = h;
    this.expires[e] = expiresAt;
    this.nums[e] = num;
    this.slabOf[e] = this.slabs.slab;
    this.offsetOf[e] = at;
    this.keyLengthOf[e] = k;
    this.valueLengthOf[e] = n;
    this.live[e] = 1;
    return e;
  }

  /** The front slot is consumed. */
  private pop(): void {
    this.head = (this.head + 1) & (this.live.length - 1);
    this.used--;
  }

  /**
   * The next entry number at the back. When every slot of the ring is used (stale slots, or more
   * entries), the live entries are copied in order to the front of new columns, twice as many if they
   * would still be more than half full, and renumbered (the index rebuilt): entry numbers held across a
   * call that may write are not valid after it.
   */
  private nextEntry(): number {
    if (this.used === this.live.length) this.compact();
    const e = (this.head + this.used) & (this.live.length - 1);
    this.used++;
    return e;
  }

  private compact(): void {
    const size = this.live.length;
    const mask = size - 1;
    // the live entries, and the one about to be written, in at most half the columns
    const grown = (this.count + 1) * 2 > size ? size * 2 : size;
    const columns = [this.hashes, this.slabOf, this.offsetOf, this.keyLengthOf, this.valueLengthOf] as const;
    const next = columns.map(() => new Int32Array(grown));
    const expires = new Float64Array(grown);
    const nums = new Float64Array(grown);
    const live = new Uint8Array(grown);
    let to = 0;
    for (let k = 0; k < this.used; k++) {
      const e = (this.head + k) & mask;
      if (this.live[e] === 0) continue;
      for (let c = 0; c < columns.length; c++) next[c]![to] = columns[c]![e]!;
      expires[to] = this.expires[e]!;
      nums[to] = this.nums[e]!;
      live[to] = 1;
      to++;
    }
    [this.hashes, this.slabOf, this.offsetOf, this.keyLengthOf, this.valueLengthOf] = next as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
    this.expires = expires;
    this.nums = nums;
    this.live = live;
    this.head = 0;
    this.used = to;
    this.reindex(this.index.length);
  }

  /** Rebuild the index (of `slots` slots, a power of two) from the live entries. */
  private reindex(slots: number): void {
    const index = slots === this.index.length ? this.index.fill(0) : new Int32Array(slots);
    const mask = slots - 1;
    const ring = this.live.length - 1;
    for (let k = 0; k < this.used; k++) {
      const e = (this.head + k) & ring;
      if (this.live[e] === 0) continue;
      let i = this.hashes[e]! & mask;
      while (index[i] !== 0) i = (i + 1) & mask;
      index[i] = e + 1;
    }
    this.index = index;
    this.mask = mask;
  }

  /** The slot holding entry `e` (a live entry is always in the index: an empty slot first is a broken table). */
  private slotOf(e: number): number {
    const mask = this.mask;
    for (let i = this.hashes[e]! & mask; ; i = (i + 1) & mask) {
      const s = this.index[i]!;
      if (s === e + 1) return i;
      if (s === 0) throw new Error(`SlabMap: entry ${e} is not in the index`);
    }
  }

  /** Take `e` out of the index, shifting back the entries after it that probed past its slot. */
  private unindex(e: number): void {
    const index = this.index;
    const mask = this.mask;
    let hole = this.slotOf(e);
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const s = index[j]!;
      if (s === 0) break;
      const home = this.hashes[s - 1]! & mask;
      // the entry at j may fill the hole unless its home lies cyclically in (hole, j]
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        index[hole] = s;
        hole = j;
      }
    }
    index[hole] = 0;
  }

  /** `e` is no longer its key's entry: its slab space is released (its column slot is skipped later). */
  private kill(e: number): void {
    this.live[e] = 0;
    this.slabs.release(this.slabOf[e]!);
  }

  private keyIs(e: number, key: string): boolean {
    const k = key.length;
    if (this.keyLengthOf[e] !== k) return false;
    const units = this.slabs.unitsOf(this.slabOf[e]!);
    const u = this.offsetOf[e]! >> 1;
    for (let j = 0; j < k; j++) if (units[u + j] !== key.charCodeAt(j)) return false;
    return true;
  }

  private hashOf(key: string): number {
    let h = this.seed ^ key.length;
    for (let j = 0; j < key.length; j++) h = Math.imul(h ^ key.charCodeAt(j), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & 0x7fffffff;
  }
}
