/**
 * A Map of expiring entries that is bounded by a capacity and by the entries' expiry, both from the oldest
 * end, in O(1) per write. Insertion order is kept in a queue of its own beside the Map: a Map deleted
 * from its front leaves holes that every later `keys().next()` or `for...of` walks over until the table is
 * rehashed (17 us per eviction at 200,000 entries), so the oldest key is never found by iterating the Map.
 *
 * `set` puts a key at the back (a key set again moves back). Expiry from the front, a few entries per
 * write, so memory follows the TTL and not only the capacity (as Redis expires keys); entries are
 * inserted roughly in expiry order, and one that lives longer than those behind it (a retry decision's
 * record) moves to the back instead of holding up their expiry, and is met again only after every entry
 * now in the map.
 */
export class ExpiringMap<E extends { readonly expiresAt: number }> {
  private readonly map = new Map<string, E>();
  /** Insertion order: `keys[i]` was set to `entries[i]`; a slot whose key now holds another entry is stale. */
  private keys: string[] = [];
  private entries: E[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry, expired or not (the caller decides). */
  get(key: string): E | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.keys = [];
    this.entries = [];
    this.head = 0;
  }

  /**
   * Set `key` (at the back), then drop the oldest keys past the capacity, then expire from the front:
   * `now`, the write's time; `horizon`, when an entry written now expires (one at the front expiring later
   * than that moves to the back).
   */
  set(key: string, entry: E, now: number, horizon: number): void {
    this.map.set(key, entry);
    this.keys.push(key);
    this.entries.push(entry);
    while (this.map.size > this.capacity) this.dropFront();
    this.expireFront(now, horizon);
    this.compact();
  }

  private expireFront(now: number, horizon: number, budget = 4): void {
    let n = 0;
    while (this.head < this.keys.length) {
      const key = this.keys[this.head]!;
      const e = this.entries[this.head]!;
      if (this.map.get(key) !== e) {
        this.pop(); // stale (the key was deleted or set again): not an entry, costs no budget
        continue;
      }
      if (n++ >= budget) return;
      if (e.expiresAt <= now) {
        this.map.delete(key);
        this.pop();
      } else if (e.expiresAt > horizon) {
        this.pop();
        this.keys.push(key);
        this.entries.push(e);
      } else return;
    }
  }

  /** Delete the oldest live key. */
  private dropFront(): void {
    while (this.head < this.keys.length) {
      const key = this.keys[this.head]!;
      const e = this.entries[this.head]!;
      this.pop();
      if (this.map.get(key) === e) {
        this.map.delete(key);
        return;
      }
    }
  }

  private pop(): void {
    this.keys[this.head] = '';
    this.entries[this.head] = undefined as unknown as E;
    this.head++;
  }

  /** Keep the queue within a small factor of the live keys (consumed slots, and stale ones). */
  private compact(): void {
    const slots = this.keys.length - this.head;
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    } else if (slots > 2 * this.map.size + 1024) {
      // many keys set again or deleted: keep only the live slots, in order
      const keys: string[] = [];
      const entries: E[] = [];
      for (let i = this.head; i < this.keys.length; i++) {
        const key = this.keys[i]!;
        const e = this.entries[i]!;
        if (this.map.get(key) === e) {
          keys.push(key);
          entries.push(e);
        }
      }
      this.keys = keys;
      this.entries = entries;
      this.head = 0;
    }
  }
}
