/**
 * CPU and own time per decision in one process (not part of `npm run bench`): the router of the checkout
 * at `--tree` (default this one) built by its `createRouter` with the embedded bus and in-memory store,
 * the decision path under `POST /v1/route` called directly (`router.decisions.routeReply` on the parsed
 * body; with `--inject`, through `app.inject()`, fastify's routing, validation and serialisation, which
 * costs more than the decision), no socket, no load generator on the other core, 10 per event-loop turn. `--warmup` then `--requests` decisions, each with a
 * fresh transactionId. Prints, for the measured requests:
 * - CPU time per request (`process.cpuUsage`, user + system, every thread: building and parsing the body,
 *   the decision, and the decision log's publishing after it);
 * - minor page faults per request (`process.resourceUsage`): memory written for the first time;
 * - the router's own time (`router_decision_duration_seconds`, the histogram the HTTP benchmark reads)
 *   at p50, p90, p99 and p99.9, interpolated in its buckets.
 * `--tables N` sizes the embedded tables (the store's decisions and each stream's messages) to N instead of
 * 1,000,000 and 200,000: past N decisions they are full and write into memory they wrote before, where a
 * fresh router under load (the HTTP benchmark's) fills new memory with every decision. `--baseline` first
 * times a fixed arithmetic loop of about the same length the same way, for the machine's own spread.
 * `--evict KB` writes a line of every 64 bytes of a KB-sized buffer before each decision (outside its
 * timing): the caches as a server's other work between two decisions (HTTP parsing and writing, the
 * kernel's socket work, the load generator on the other core) leaves them, which the direct calls
 * otherwise keep warm for the decision path.
 *
 * `--policy P` (default linucb), `--params JSON` (its ROUTE_POLICY_PARAMS), `--linucb64` (the HTTP
 * benchmark's LinUCB with 64 features). Run it with the flags of `npm start`, e.g.
 * `node --max-semi-space-size=32 --import tsx test/bench/service/in-process.ts --tables 20000`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DETAILED_ROUTE_FEATURES } from '../../../policies/features/spec.ts';
import { percentile, routeBody } from './load.ts';
import { flag, histogramQuantile, numberFlag, parseScrape, type Scrape } from './processes.ts';

interface Injectable {
  inject(options: { method: 'POST'; url: string; headers: Record<string, string>; payload: string }): Promise<{ statusCode: number }>;
}

interface InProcessRouter {
  app: Injectable;
  decisions: { routeReply(body: unknown): unknown };
  metrics: { registry: { metrics(): Promise<string> } };
  startLearning(): Promise<void>;
  close(): Promise<void>;
}

const tree = resolve(flag('tree') ?? '.');
const policy = flag('policy') ?? 'linucb';
const tables = flag('tables') === undefined ? undefined : numberFlag('tables', 0);
const inject = process.argv.includes('--inject');
const evictBytes = numberFlag('evict', 0) * 1024;
const evictLines = new Uint8Array(Math.max(64, evictBytes));
/** `ROUTE_POLICY_PARAMS`; `--linucb64`: the HTTP benchmark's LinUCB with 64 features. */
const params = process.argv.includes('--linucb64') ? JSON.stringify({ dimension: 64, features: DETAILED_ROUTE_FEATURES }) : flag('params');

/** p50 / p90 / p99 / p99.9 of `xs` (ms) in us. */
function spread(xs: Float64Array): string {
  const s = xs.slice().sort();
  const q = (p: number): string => (percentile(s, p) * 1000).toFixed(1);
  return `p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, p99.9 ${q(0.999)} us`;
}

if (process.argv.includes('--baseline')) {
  // a fixed amount of arithmetic per call (about a decision's length here), timed per call, with an
  // event-loop turn every 10 calls as the requests below get: the machine's spread, nothing of the router's
  const a = new Float64Array(4096).map((_, i) => (i * 7919) % 1000);
  const work = (): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * a[(i * 7) & 4095]!;
    return s;
  };
  const n = 200_000;
  const times = new Float64Array(n);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    sink += work();
    times[i] = performance.now() - t0;
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  if (!Number.isFinite(sink)) throw new Error('baseline: no result'); // the sums are used: not optimised away
  process.stdout.write(`baseline (fixed arithmetic, ${n} calls): ${spread(times.subarray(n / 10))}\n`);
}

const { loadConfig } = (await import(pathToFileURL(`${tree}/src/config.ts`).href)) as { loadConfig: (env: Record<string, string>) => unknown };
const { createRouter } = (await import(pathToFileURL(`${tree}/src/router.ts`).href)) as {
  createRouter: (config: unknown, options?: { embeddedCapacity?: { decisions: number; messagesPerStream: number } }) => Promise<InProcessRouter>;
};
const router = await createRouter(
  loadConfig({ ROUTE_POLICY: policy, LOG_LEVEL: 'warn', ROUTER_REPLICA_ID: 'in-process', ...(params === undefined ? {} : { ROUTE_POLICY_PARAMS: params }) }),
  tables === undefined ? {} : { embeddedCapacity: { decisions: tables, messagesPerStream: tables } },
);
await router.startLearning();
let seq = 0;
async function run(n: number): Promise<void> {
  if (!inject) {
    for (let i = 0; i < n; i++) {
      const k = seq++;
      const body: unknown = JSON.parse(routeBody(k, `ip-${k}`));
      for (let j = 0; j < evictBytes; j += 64) evictLines[j]!++;
      const answer = await router.decisions.routeReply(body);
      if (typeof answer !== 'string' && typeof answer !== 'object') throw new Error(`no answer: ${String(answer)}`);
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    return;
  }
  for (let i = 0; i < n; i += 10) {
    const batch: Promise<{ statusCode: number }>[] = [];
    for (let j = 0; j < 10; j++) {
      const k = seq++;
      batch.push(router.app.inject({ method: 'POST', url: '/v1/route', headers: { 'content-type': 'application/json' }, payload: routeBody(k, `ip-${k}`) }));
    }
    for (const r of await Promise.all(batch)) if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  }
}
const metrics = async (): Promise<Scrape> => parseScrape(await router.metrics.registry.metrics());
await run(numberFlag('warmup', 20_000));
const requests = numberFlag('requests', 100_000);
const before = await metrics();
const faults0 = process.resourceUsage().minorPageFault;
const c0 = process.cpuUsage();
const t0 = performance.now();
await run(requests);
const c = process.cpuUsage(c0);
const wallUs = ((performance.now() - t0) * 1000) / requests;
const faults = (process.resourceUsage().minorPageFault - faults0) / requests;
const after = await metrics();
const own = (q: number): string => (histogramQuantile(after, before, 'router_decision_duration_seconds', q, 'kind="route"').value * 1e6).toFixed(1);
process.stdout.write(
  `${tree} ${policy}${params === undefined ? '' : ` ${params.length > 60 ? `${params.slice(0, 57)}...` : params}`}${inject ? ' (inject)' : ''}${tables === undefined ? '' : `, tables of ${tables}`}${evictBytes > 0 ? `, ${evictBytes >> 10} KB evicted before each` : ''}: ${((c.user + c.system) / requests).toFixed(1)} us CPU per request${evictBytes > 0 ? ' (the evicting writes included)' : ''} (${wallUs.toFixed(1)} us wall), ` +
    `${faults.toFixed(3)} page faults per request; own time p50 ${own(0.5)}, p90 ${own(0.9)}, p99 ${own(0.99)}, p99.9 ${own(0.999)} us; ${requests} requests\n`,
);
await router.close();
