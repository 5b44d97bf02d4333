/**
 * What `SlabMap` must hold after every write: the implementation it replaced (through `ExpiringMap`, now
 * gone), an insertion-ordered Map walked from its front (delete + set at the back, eviction of the first key, expiry
 * of a few entries from the front, a longer-lived front entry moved back).
 */
export class ExpiringReference<E extends { readonly expiresAt: number }> {
  readonly map = new Map<string, E>();
  constructor(private readonly capacity: number) {}
  set(key: string, e: E, now: number, horizon: number): void {
    this.map.delete(key);
    this.map.set(key, e);
    while (this.map.size > this.capacity) {
      const first = this.map.keys().next();
      if (first.done) break;
      this.map.delete(first.value);
    }
    let n = 0;
    for (const [k, v] of this.map) {
      if (n++ >= 4) return;
      if (v.expiresAt <= now) this.map.delete(k);
      else if (v.expiresAt > horizon) {
        this.map.delete(k);
        this.map.set(k, v);
      } else return;
    }
  }
}
