/**
 * The clock of the in-memory tables (the store, the embedded bus, the recent-decision cache).
 *
 * Times kept for expiry are milliseconds since this process started (`sinceStart(Date.now())`): small
 * integers that V8 holds inline (a Smi, for about 24 days), where an epoch time is a heap number per
 * field. Exact for integer clocks (only a constant subtracted); absolute times are `CLOCK_START_MS + t`.
 */
export const CLOCK_START_MS = Date.now();

export function sinceStart(epochMs: number): number {
  return epochMs - CLOCK_START_MS;
}
