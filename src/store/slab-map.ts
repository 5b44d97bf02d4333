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
 * `ByteSlabs`, and the index is an open-addressing table of entry numbers and key hashes side by side
 * (linear probing, backward-shift deletion, so no tombstones in the table in use; only a table being grown
 * from holds them). A million decisions kept for their TTL are then nothing the garbage collector traces
 * or copies: with JS objects per entry, every young collection under load copied the last few thousand
 * decisions' keys, views and entry objects, and those pauses were the router's p99. A probe reads an
 * entry's page only where the hash in the slot matches, and a deletion's backward shift reads none: with
 * the hashes only in the entries' pages, every occupied slot a probe or a shift passed was a random read
 * elsewhere, which in the router's full store of a million decisions cost about 1.5 µs a decision in one
 * process and more under HTTP (docs/performance.md).
 *
 * Nothing stalls while a map fills: the columns are pages of a fixed number of entries, added one at a
 * time as the back of the ring reaches a new page and handed back (to a small pool) as the front leaves
 * one, so an entry keeps its number while the map grows; and a full index grows incrementally, into a
 * table twice its size that every write fills a few more slots of from the old one (the old one answers
 * lookups meanwhile, its moved and deleted slots left as tombstones), instead of being rebuilt at once.
 * Only a ring holding more stale slots (keys set again or deleted before they reached the front) than
 * twice its live entries is compacted, in one pass over the map (amortised over the writes that made those
 * slots, but a stall of the old kind when it comes; the router's tables write each key once, a key set again
 * being an idempotent replay answered without a write, so they meet it only through deletes).
 *
 * An entry is found by `find(key)`, which answers its number (valid until the next write) or -1; its
 * fields are read by that number. Values come back as a view of the slab (`bytes`, valid while the entry
 * is held) or decoded (`text`).
 * The key hash is seeded per map, so keys chosen by clients cannot be made to collide by design.
 */
import { randomInt } from 'node:crypto';
import { ByteSlabs, utf8Room } from './byte-slabs.ts';
import type { SlabArena } from './slab-arena.ts';

/** Entries per page (and half the first index's slots) to start with; tests start small to exercise paging. */
const INITIAL_ENTRIES = 1024;
/** Entry numbers are ring positions modulo 2^30. */
const ENTRY_MASK = (1 << 30) - 1;
/** An index slot whose entry moved or went while the table was being migrated. */
const TOMBSTONE = -1;
/** Old-table slots moved per write while the index grows (the move ends well before the new table is half full). */
const MIGRATE_STEP = 8;
/** Released pages kept for reuse (a new page is a new ArrayBuffer: external memory V8 counts). */
const POOL = 16;

/** A table with no empty slot left: only a bug gets there; a throw, where probing would loop forever. */
function brokenIndex(): Error {
  return new Error('SlabMap: an index table with no empty slot (a broken table)');
}

/** One page of columns: `entries` entries' fields, views of one ArrayBuffer. */
class Page {
  readonly expires: Float64Array;
  readonly nums: Float64Array;
  readonly hashes: Int32Array;
  readonly slabOf: Int32Array;
  readonly offsetOf: Int32Array;
  readonly keyLengthOf: Int32Array;
  /** Bytes of the value, -1 when the entry has none. */
  readonly valueLengthOf: Int32Array;
  /** 1 while the entry is its key's current one. */
  readonly live: Uint8Array;

  constructor(entries: number) {
    const buffer = new ArrayBuffer(entries * (8 * 2 + 4 * 5 + 1));
    let at = 0;
    const f64 = (): Float64Array => {
      const a = new Float64Array(buffer, at, entries);
      at += 8 * entries;
      return a;
    };
    const i32 = (): Int32Array => {
      const a = new Int32Array(buffer, at, entries);
      at += 4 * entries;
      return a;
    };
    this.expires = f64();
    this.nums = f64();
    this.hashes = i32();
    this.slabOf = i32();
    this.offsetOf = i32();
    this.keyLengthOf = i32();
    this.valueLengthOf = i32();
    this.live = new Uint8Array(buffer, at, entries);
  }
}

export class SlabMap {
  private readonly slabs: ByteSlabs;
  private readonly seed = randomInt(0x7fffffff);
  /**
   * Entries in insertion order: `used` ring slots from `head` on (entry numbers, modulo 2^30). An entry is
   * live while it is its key's current one; the others are stale slots, skipped at the front.
   */
  private head = 0;
  private used = 0;
  private count = 0;
  /** Entry e is slot e & slotMask of page e >>> pageBits; page p sits at pages[p & pageMask]. */
  private readonly pageBits: number;
  /** Page numbers are entry numbers >>> pageBits, modulo this (the ring's 2^30 entries in pages). */
  private readonly pageNumbers: number;
  private readonly pageEntries: number;
  private readonly slotMask: number;
  private pages: (Page | undefined)[];
  private pageMask: number;
  /** The pages in use are firstPage, firstPage + 1, ... (page numbers modulo 2^30 / pageEntries). */
  private firstPage = 0;
  private pagesInUse = 0;
  private readonly pool: Page[] = [];
  /**
   * Slot i is two cells: [2i] the entry number + 1 (0 for an empty slot; TOMBSTONE only in `old`), [2i + 1]
   * the key's hash, so that a probe compares hashes without reading the entry's page. At most half full.
   */
  private index: Int32Array;
  /** Slots - 1 (the index holds 2 (mask + 1) cells). */
  private mask: number;
  /** While the index grows: the table it grows from, and how many of its slots have been moved so far. */
  private old: Int32Array | null = null;
  private oldMask = 0;
  private migrated = 0;

  /** `initialEntries`: a power of two, the entries per page (tests start small); `arena`: where the bytes' slabs come from. */
  constructor(
    private readonly capacity: number,
    initialEntries = INITIAL_ENTRIES,
    arena?: SlabArena,
  ) {
    this.slabs = new ByteSlabs(arena);
    const n = initialEntries;
    if (n < 1 || (n & (n - 1)) !== 0 || n > 1 << 20) throw new RangeError(`SlabMap: initialEntries must be a power of two up to 2^20, got ${n}`);
    this.pageEntries = n;
    this.pageBits = 31 - Math.clz32(n);
    this.pageNumbers = (ENTRY_MASK >>> this.pageBits) + 1;
    this.slotMask = n - 1;
    this.pages = new Array<Page | undefined>(4).fill(undefined);
    this.pageMask = 3;
    // at least 4 slots: a table that starts to grow at more than half full then keeps an empty slot, which
    // ends every probe of it while it is the old table (no insert goes there, only tombstones)
    this.index = new Int32Array(2 * Math.max(4, 2 * n));
    this.mask = this.index.length / 2 - 1;
  }

  get size(): number {
    return this.count;
  }

  private page(e: number): Page {
    return this.pages[(e >>> this.pageBits) & this.pageMask]!;
  }

  /** The entry of `key` (expired or not: `findLive` decides by time), or -1. */
  find(key: string): number {
    const h = this.hashOf(key);
    const e = this.probe(this.index, this.mask, h, key);
    if (e >= 0 || this.old === null) return e;
    return this.probe(this.old, this.oldMask, h, key);
  }

  /** The entry of `key` in `table`, or -1 (tombstones are passed over). */
  private probe(table: Int32Array, mask: number, h: number, key: string): number {
    const pages = this.pages;
    const bits = this.pageBits;
    const pageMask = this.pageMask;
    const slotMask = this.slotMask;
    for (let i = h & mask, n = 0; ; i = (i + 1) & mask) {
      if (n++ > mask) throw brokenIndex();
      const s = table[2 * i]!;
      if (s === 0) return -1;
      if (s < 0 || table[2 * i + 1] !== h) continue;
      const e = s - 1;
      if (this.keyIs(pages[(e >>> bits) & pageMask]!, e & slotMask, key)) return e;
    }
  }

  /** The entry of `key` if it is live at `now` (expiring after it), or -1; an expired one is removed. */
  findLive(key: string, now: number): number {
    const e = this.find(key);
    if (e < 0) return -1;
    if (this.page(e).expires[e & this.slotMask]! <= now) {
      this.remove(e);
      return -1;
    }
    return e;
  }

  expiresAt(entry: number): number {
    return this.page(entry).expires[entry & this.slotMask]!;
  }

  numberOf(entry: number): number {
    return this.page(entry).nums[entry & this.slotMask]!;
  }

  /** Change the number of the live entry `entry` (from `find`). */
  setNumber(entry: number, num: number): void {
    this.page(entry).nums[entry & this.slotMask] = num;
  }

  /**
   * The value's bytes, a view of the slab (read-only, and valid only while the entry is held: an emptied
   * slab is reused, so a reader that keeps them copies them); undefined when there is none.
   */
  bytes(entry: number): Buffer | undefined {
    const page = this.page(entry);
    const i = entry & this.slotMask;
    const n = page.valueLengthOf[i]!;
    if (n < 0) return undefined;
    const start = page.offsetOf[i]! + 2 * page.keyLengthOf[i]!;
    return this.slabs.bufferOf(page.slabOf[i]!).subarray(start, start + n);
  }

  /** The value decoded from UTF-8; undefined when there is none. */
  text(entry: number): string | undefined {
    const page = this.page(entry);
    const i = entry & this.slotMask;
    const n = page.valueLengthOf[i]!;
    if (n < 0) return undefined;
    const start = page.offsetOf[i]! + 2 * page.keyLengthOf[i]!;
    return this.slabs.bufferOf(page.slabOf[i]!).toString('utf8', start, start + n);
  }

  delete(key: string): void {
    const e = this.find(key);
    if (e >= 0) this.remove(e);
  }

  /** Remove the live entry `entry` (from `find`); an entry already gone is left alone. */
  remove(entry: number): void {
    const page = this.page(entry);
    const i = entry & this.slotMask;
    if (page.live[i] !== 1) return;
    this.unindex(entry, page.hashes[i]!);
    page.live[i] = 0;
    this.slabs.release(page.slabOf[i]!);
    this.count--;
  }

  clear(): void {
    this.slabs.clear();
    while (this.pagesInUse > 0) this.releaseFirstPage();
    this.head = 0;
    this.used = 0;
    this.count = 0;
    this.firstPage = 0;
    this.index.fill(0);
    this.old = null;
  }

  /**
   * Set `key` (at the back) to `value` and `num`, expiring at `expiresAt`; then drop the oldest keys past
   * the capacity, then expire from the front (`now`, the write's time; `horizon`, when an entry written
   * now expires: one at the front expiring later than that moves to the back).
   */
  set(key: string, value: Uint8Array | string | undefined, num: number, expiresAt: number, now: number, horizon: number): void {
    const h = this.hashOf(key);
    const e = this.append(h, key, value, num, expiresAt);
    this.place(e, h, key);
    while (this.count > this.capacity) this.dropFront();
    this.expireFront(now, horizon);
    this.migrate();
    this.releasePassedPages();
  }

  /**
   * Point the index at `e` for `key`: in place of the key's previous entry (now stale) in the current
   * table, or in a free slot (the key's previous entry, if the old table still holds it, a tombstone).
   */
  private place(e: number, h: number, key: string): void {
    const index = this.index;
    const mask = this.mask;
    const pages = this.pages;
    const bits = this.pageBits;
    const pageMask = this.pageMask;
    const slotMask = this.slotMask;
    let i = h & mask;
    for (let n = 0; ; i = (i + 1) & mask) {
      if (n++ > mask) throw brokenIndex();
      const s = index[2 * i]!;
      if (s === 0) break;
      if (index[2 * i + 1] !== h) continue;
      const old = s - 1;
      if (this.keyIs(pages[(old >>> bits) & pageMask]!, old & slotMask, key)) {
        index[2 * i] = e + 1;
        this.kill(old);
        return;
      }
    }
    index[2 * i] = e + 1;
    index[2 * i + 1] = h;
    const previous = this.old === null ? -1 : this.probe(this.old, this.oldMask, h, key);
    if (previous >= 0) {
      this.old![2 * this.slotIn(this.old!, this.oldMask, previous, h)] = TOMBSTONE;
      this.kill(previous);
      return;
    }
    this.count++;
    if (this.count * 2 > mask + 1) this.grow();
  }

  /** Start moving the index into a table twice its size (a move still under way is finished first). */
  private grow(): void {
    if (this.old !== null) this.migrate(Number.POSITIVE_INFINITY);
    this.old = this.index;
    this.oldMask = this.mask;
    this.migrated = 0;
    this.index = new Int32Array(2 * this.old.length);
    this.mask = this.index.length / 2 - 1;
  }

  /** Move up to `slots` more slots of the old table into the current one (a tombstone left behind). */
  private migrate(slots = MIGRATE_STEP): void {
    const old = this.old;
    if (old === null) return;
    const end = Math.min(this.oldMask + 1, this.migrated + slots);
    const index = this.index;
    const mask = this.mask;
    for (let k = this.migrated; k < end; k++) {
      const s = old[2 * k]!;
      if (s <= 0) continue;
      const h = old[2 * k + 1]!;
      const i = this.emptySlot(index, mask, h);
      index[2 * i] = s;
      index[2 * i + 1] = h;
      old[2 * k] = TOMBSTONE;
    }
    this.migrated = end;
    if (end === this.oldMask + 1) this.old = null;
  }

  private expireFront(now: number, horizon: number, budget = 4): void {
    let n = 0;
    while (this.used > 0) {
      const e = this.head;
      const page = this.page(e);
      const i = e & this.slotMask;
      if (page.live[i] === 0) {
        this.pop(); // stale (its key was deleted or set again): not an entry, costs no budget
        continue;
      }
      if (n++ >= budget) return;
      const at = page.expires[i]!;
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
      if (this.page(e).live[e & this.slotMask] === 1) {
        this.remove(e);
        return;
      }
    }
  }

  /** The entry `e` again at the back (its key and value copied into the slab being filled), `e` gone. */
  private moveBack(e: number): void {
    const from = this.page(e);
    const i = e & this.slotMask;
    const h = from.hashes[i]!;
    const expiresAt = from.expires[i]!;
    const num = from.nums[i]!;
    const keyLength = from.keyLengthOf[i]!;
    const valueLength = from.valueLengthOf[i]!;
    const bytes = 2 * keyLength + Math.max(0, valueLength);
    const source = this.slabs.bufferOf(from.slabOf[i]!);
    const start = from.offsetOf[i]!;
    const to = this.slabs.reserve(bytes);
    source.copy(to, this.slabs.offset, start, start + bytes);
    this.slabs.commit(bytes);
    const slab = this.slabs.slab;
    const offset = this.slabs.offset;
    this.remove(e); // before a new number is taken: that may renumber the entries (a compaction)
    const m = this.nextEntry();
    this.write(m, h, expiresAt, num, slab, offset, keyLength, valueLength);
    // the key is not in the index now: the first empty slot on its probe path in the current table
    const slot = this.emptySlot(this.index, this.mask, h);
    this.index[2 * slot] = m + 1;
    this.index[2 * slot + 1] = h;
    this.count++;
    if (this.count * 2 > this.mask + 1) this.grow();
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
    const slab = this.slabs.slab;
    const e = this.nextEntry();
    this.write(e, h, expiresAt, num, slab, at, k, n);
    return e;
  }

  private write(e: number, h: number, expiresAt: number, num: number, slab: number, offset: number, keyLength: number, valueLength: number): void {
    const page = this.page(e);
    const i = e & this.slotMask;
    page.hashes[i] = h;
    page.expires[i] = expiresAt;
    page.nums[i] = num;
    page.slabOf[i] = slab;
    page.offsetOf[i] = offset;
    page.keyLengthOf[i] = keyLength;
    page.valueLengthOf[i] = valueLength;
    page.live[i] = 1;
  }

  /** The front slot is consumed (its page is handed back at the end of the write: `releasePassedPages`). */
  private pop(): void {
    this.head = (this.head + 1) & ENTRY_MASK;
    this.used--;
  }

  /**
   * The next entry number at the back: its page added if it is a page's first. A ring with more stale
   * slots than twice its live entries (and a page) is compacted first, which renumbers the entries:
   * entry numbers held across a call that may write are not valid after it.
   */
  private nextEntry(): number {
    if (this.used - this.count > 2 * this.count + this.pageEntries) this.compact();
    const e = (this.head + this.used) & ENTRY_MASK;
    if ((e & this.slotMask) === 0 || this.pagesInUse === 0) this.addPage(e >>> this.pageBits);
    this.used++;
    if (this.used > ENTRY_MASK) throw new RangeError('SlabMap: more than 2^30 entries in the ring');
    return e;
  }

  /** Page number `p` in use (the page after the last in use), from the pool or new. */
  private addPage(p: number): void {
    if (this.pagesInUse === this.pages.length) {
      // the page table full: twice as many slots, the pages in use placed by their numbers (pointers only)
      const size = 2 * this.pages.length;
      const pages = new Array<Page | undefined>(size).fill(undefined);
      for (let k = 0; k < this.pagesInUse; k++) {
        const q = (this.firstPage + k) % this.pageNumbers;
        pages[q & (size - 1)] = this.pages[q & this.pageMask];
      }
      this.pages = pages;
      this.pageMask = size - 1;
    }
    if (this.pagesInUse === 0) this.firstPage = p;
    this.pages[p & this.pageMask] = this.pool.pop() ?? new Page(this.pageEntries);
    this.pagesInUse++;
  }

  /** Hand back the pages the front has left (every entry of them popped). */
  private releasePassedPages(): void {
    const headPage = this.head >>> this.pageBits;
    while (this.pagesInUse > 0 && this.firstPage !== headPage) this.releaseFirstPage();
  }

  private releaseFirstPage(): void {
    const k = this.firstPage & this.pageMask;
    const page = this.pages[k]!;
    this.pages[k] = undefined;
    this.recycle(page);
    this.firstPage = (this.firstPage + 1) % this.pageNumbers;
    this.pagesInUse--;
  }

  /** A page no entry uses any more: cleared, and kept for the next one (up to POOL). */
  private recycle(page: Page): void {
    page.live.fill(0);
    if (this.pool.length < POOL) this.pool.push(page);
  }

  /**
   * The live entries, in order, into fresh pages from entry 0, and the index rebuilt (no move under way
   * after it). Only for a ring mostly stale; growth never needs it.
   */
  private compact(): void {
    const old = this.pages;
    const oldMask = this.pageMask;
    const bits = this.pageBits;
    const oldFirst = this.firstPage;
    const oldInUse = this.pagesInUse;
    const head = this.head;
    const used = this.used;
    const slotMask = this.slotMask;
    const at = (e: number): Page => old[(e >>> bits) & oldMask]!;
    this.pages = new Array<Page | undefined>(Math.max(4, this.pages.length)).fill(undefined);
    this.pageMask = this.pages.length - 1;
    this.pagesInUse = 0;
    this.firstPage = 0;
    this.head = 0;
    this.used = 0;
    for (let k = 0; k < used; k++) {
      const e = (head + k) & ENTRY_MASK;
      const from = at(e);
      const i = e & slotMask;
      if (from.live[i] === 0) continue;
      const m = this.used;
      if ((m & slotMask) === 0) this.addPage(m >>> this.pageBits);
      this.used++;
      this.write(m, from.hashes[i]!, from.expires[i]!, from.nums[i]!, from.slabOf[i]!, from.offsetOf[i]!, from.keyLengthOf[i]!, from.valueLengthOf[i]!);
    }
    for (let k = 0; k < oldInUse; k++) this.recycle(old[((oldFirst + k) % this.pageNumbers) & oldMask]!);
    this.old = null;
    this.reindex();
  }

  /** Rebuild the index from the live entries (a table at most half full). */
  private reindex(): void {
    let slots = this.mask + 1;
    while (this.count * 2 > slots) slots *= 2;
    const index = slots === this.mask + 1 ? this.index.fill(0) : new Int32Array(2 * slots);
    const mask = slots - 1;
    for (let k = 0; k < this.used; k++) {
      const e = (this.head + k) & ENTRY_MASK;
      const page = this.page(e);
      const i = e & this.slotMask;
      if (page.live[i] === 0) continue;
      const h = page.hashes[i]!;
      const slot = this.emptySlot(index, mask, h);
      index[2 * slot] = e + 1;
      index[2 * slot + 1] = h;
    }
    this.index = index;
    this.mask = mask;
  }

  /** The first empty slot on the probe path of hash `h` in `table` (at most half full, so there is one). */
  private emptySlot(table: Int32Array, mask: number, h: number): number {
    for (let i = h & mask, n = 0; ; i = (i + 1) & mask) {
      if (n++ > mask) throw brokenIndex();
      if (table[2 * i] === 0) return i;
    }
  }

  /** The slot of `table` holding entry `e` (of hash `h`), or -1 (an entry in the other table during a move). */
  private slotIn(table: Int32Array, mask: number, e: number, h: number): number {
    const want = e + 1;
    for (let i = h & mask, n = 0; ; i = (i + 1) & mask) {
      const s = table[2 * i]!;
      if (s === want) return i;
      if (s === 0) return -1;
      if (n++ > mask) throw brokenIndex();
    }
  }

  /**
   * Take `e` out of the index: from the current table, shifting back the entries after it that probed
   * past its slot; from the old one (during a move), as a tombstone.
   */
  private unindex(e: number, h: number): void {
    const index = this.index;
    const mask = this.mask;
    let hole = this.slotIn(index, mask, e, h);
    if (hole < 0) {
      const at = this.old === null ? -1 : this.slotIn(this.old, this.oldMask, e, h);
      if (at < 0) throw new Error(`SlabMap: entry ${e} is not in the index`);
      this.old![2 * at] = TOMBSTONE;
      return;
    }
    for (let j = (hole + 1) & mask, n = 0; ; j = (j + 1) & mask) {
      if (n++ > mask) throw brokenIndex();
      const s = index[2 * j]!;
      if (s === 0) break;
      const hj = index[2 * j + 1]!;
      const home = hj & mask;
      // the entry at j may fill the hole unless its home lies cyclically in (hole, j]
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        index[2 * hole] = s;
        index[2 * hole + 1] = hj;
        hole = j;
      }
    }
    index[2 * hole] = 0;
  }

  /** `e` is no longer its key's entry: its slab space is released (its ring slot is skipped later). */
  private kill(e: number): void {
    const page = this.page(e);
    const i = e & this.slotMask;
    page.live[i] = 0;
    this.slabs.release(page.slabOf[i]!);
  }

  private keyIs(page: Page, i: number, key: string): boolean {
    const k = key.length;
    if (page.keyLengthOf[i] !== k) return false;
    const units = this.slabs.unitsOf(page.slabOf[i]!);
    const u = page.offsetOf[i]! >> 1;
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
