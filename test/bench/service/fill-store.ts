/**
 * An embedded router loaded until its in-memory store is full (the HTTP benchmark's "store full" rows, and
 * `side-by-side.ts --full`): a router that has served for a while writes each decision over the memory of
 * the oldest one, where a fresh one's tables are still growing.
 */
import { DEFAULT_MAX_DECISIONS } from '../../../src/store/memory-store.ts';
import { load } from './load.ts';
import { scrape, total, type ServerProcess } from './processes.ts';

/**
 * Load `server` (with the benchmark's requests, each a fresh transactionId) until it has made 5% more route
 * decisions than its store holds (`router_decisions_total`), so that the oldest have gone; a progress line
 * on stderr per 200,000 decisions. Throws on a failed request.
 */
export async function fillStore(server: ServerProcess, label: string, connections: number): Promise<void> {
  const goal = Math.ceil(DEFAULT_MAX_DECISIONS * 1.05);
  const started = Date.now();
  const made = async () => total(await scrape(server), 'router_decisions_total', 'kind="route"');
  let n = await made();
  let shown = 0;
  while (n < goal) {
    const result = await load(server.url, { connections, durationSeconds: 10, maxRequests: goal - n });
    if (result.requests === 0 || result.non2xx + result.errors > 0) throw new Error(`filling the store of ${label}: ${result.requests} requests, ${result.non2xx} non-2xx, ${result.errors} errors`);
    n = await made();
    if (n - shown >= 200_000 || n >= goal) {
      shown = n;
      process.stderr.write(`bench: filling the store of ${label}: ${n.toLocaleString('en-US')} / ${goal.toLocaleString('en-US')} decisions, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
  }
}
