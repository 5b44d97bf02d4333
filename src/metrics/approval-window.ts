/** Recent approval rate per route: a ring buffer of the last `size` applied outcomes of each route. */
export class ApprovalWindow {
  private readonly rings = new Map<string, { bits: Uint8Array; next: number; filled: number; approved: number }>();

  constructor(private readonly size = 500) {}

  record(route: string, approved: boolean): void {
    let ring = this.rings.get(route);
    if (!ring) {
      ring = { bits: new Uint8Array(this.size), next: 0, filled: 0, approved: 0 };
      this.rings.set(route, ring);
    }
    if (ring.filled === this.size) ring.approved -= ring.bits[ring.next]!;
    else ring.filled++;
    const bit = approved ? 1 : 0;
    ring.bits[ring.next] = bit;
    ring.approved += bit;
    ring.next = (ring.next + 1) % this.size;
  }

  *rates(): IterableIterator<[string, number]> {
    for (const [route, ring] of this.rings) if (ring.filled > 0) yield [route, ring.approved / ring.filled];
  }
}
