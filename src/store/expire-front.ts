/**
 * Expiry from the oldest end of an insertion-ordered Map, a few entries per write, so memory follows the
 * TTL and not only a capacity (as Redis expires keys). Entries are inserted roughly in expiry order; one
 * that lives longer than those behind it (a retry decision's record) moves to the back instead of holding
 * up their expiry, and is met again only after every entry now in the map. O(1) per call.
 */
/** `horizon`: when an entry written now expires; an entry at the front expiring later than that moves back. */
export function expireFront<E extends { readonly expiresAt: number }>(map: Map<string, E>, now: number, horizon: number, budget = 4): void {
  let n = 0;
  for (const [key, e] of map) {
    if (n++ >= budget) return;
    if (e.expiresAt <= now) map.delete(key);
    else if (e.expiresAt > horizon) {
      map.delete(key);
      map.set(key, e);
    } else return;
  }
}
