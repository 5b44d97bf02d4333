/**
 * HTTP decisions (`npm run bench -- http`): POST /v1/route throughput and p99 latency of the router,
 * against the bare fastify baseline (test/bench/service/bare-server.ts), every server a child process of
 * its own, driven by the same autocannon options, runs alternating (the order rotates every repeat),
 * medians over repeats. Servers: the bare baseline; the router embedded with LinUCB (64 features: the detailed
 * route features at dimension 64, set through ROUTE_POLICY_PARAMS, the configuration issue 6's target names;
 * the default, the issuer region at dimension 32, costs less: measured too, as its own row) and with Thompson
 * sampling; the router on NATS + Redis with LinUCB, as configured by default (the transactionId
 * claimed in Redis within STORE_BUDGET_MS) and with STORE_BUDGET_MS=0 (every store write behind the
 * request), each in a unique namespace removed afterwards. The
 * router's own time per decision is the p99 of `router_decision_duration_seconds` between two scrapes of
 * /metrics around each run (its p50 in the row's note: compare test/bench/service/in-process.ts, the same
 * path called directly in one process, with and without `--evict`).
 *
 * Then the embedded routers again, once each one's in-memory store is full (loaded until it has made 5%
 * more decisions than the store holds), with the bare server in the same rounds: a router that has served
 * for a while writes each decision over the memory of the oldest one, where the first runs (a fresh
 * process each, its store filling) write new memory with every decision, in tables still growing. Both
 * sets of rows are shown, each with its target.
 *
 * Options: `--connections N` (default 10), `--seconds S` per run (default 5), `--repeats R` (default 3),
 * `--nats URL`, `--redis URL` (defaults 127.0.0.1), `--no-nats` to skip the NATS + Redis router,
 * `--no-full` to skip the runs with the stores full.
 */
import { pathToFileURL } from 'node:url';
import { DETAILED_ROUTE_FEATURES } from '../../policies/features/spec.ts';
import { formatTable, type BenchRow } from './harness.ts';
import { cleanUp } from './service/cleanup.ts';
import { fillStore } from './service/fill-store.ts';
import { load, type LoadResult } from './service/load.ts';
import { flag, histogramQuantile, median, numberFlag, scrape, startBare, startRouter, waitReady, type Scrape, type ServerProcess } from './service/processes.ts';

interface Target {
  readonly key: string;
  readonly label: string;
  readonly server: ServerProcess;
  readonly results: LoadResult[];
  readonly ownP99: number[];
  readonly ownP50: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** LinUCB with 64 features: the detailed route features (10 non-zeros) at dimension 64. */
const LINUCB_64 = JSON.stringify({ dimension: 64, features: DETAILED_ROUTE_FEATURES });

export async function bench(): Promise<BenchRow[]> {
  const connections = numberFlag('connections', 10);
  const seconds = numberFlag('seconds', 5);
  const repeats = numberFlag('repeats', 3);
  const natsUrl = flag('nats') ?? 'nats://127.0.0.1:4222';
  const redisUrl = flag('redis') ?? 'redis://127.0.0.1:6379';
  const withNats = !process.argv.includes('--no-nats');
  const steady = !process.argv.includes('--no-full');
  const namespace = `bench${Date.now().toString(36)}`;
  const servers: ServerProcess[] = [];
  const targets: Target[] = [];
  const add = (key: string, label: string, server: ServerProcess) => {
    servers.push(server);
    targets.push({ key, label, server, results: [], ownP99: [], ownP50: [] });
  };
  try {
    add('bare', 'bare fastify', await startBare());
    add('linucb', 'router embedded, linucb (64 features)', await startRouter('router linucb', { ROUTE_POLICY: 'linucb', ROUTE_POLICY_PARAMS: LINUCB_64, ROUTER_REPLICA_ID: 'bench-linucb' }));
    add('linucbdefault', 'router embedded, linucb default features (region, d 32)', await startRouter('router linucb default', { ROUTE_POLICY: 'linucb', ROUTER_REPLICA_ID: 'bench-linucb-default' }));
    add('thompson', 'router embedded, thompson', await startRouter('router thompson', { ROUTE_POLICY: 'thompson', ROUTER_REPLICA_ID: 'bench-thompson' }));
    if (withNats) {
      const r = await startRouter('router nats+redis', { ROUTE_POLICY: 'linucb', ROUTE_POLICY_PARAMS: LINUCB_64, NATS_URL: natsUrl, REDIS_URL: redisUrl, ROUTER_NAMESPACE: namespace, OUTCOME_SUBJECT: `${namespace}.outcome`, ROUTER_REPLICA_ID: 'bench-nats' });
      add('nats', 'router nats+redis, linucb', r);
      // the same with the transactionId claim written behind too (STORE_BUDGET_MS=0): no Redis round trip
      // on the request path at all; cross-replica idempotency then rests on the write-behind (see docs)
      const wb = await startRouter('router nats+redis write-behind', {
        ROUTE_POLICY: 'linucb',
        ROUTE_POLICY_PARAMS: LINUCB_64,
        NATS_URL: natsUrl,
        REDIS_URL: redisUrl,
        ROUTER_NAMESPACE: `${namespace}wb`,
        OUTCOME_SUBJECT: `${namespace}wb.outcome`,
        ROUTER_REPLICA_ID: 'bench-nats-wb',
        STORE_BUDGET_MS: '0',
      });
      add('natswb', 'router nats+redis, linucb, STORE_BUDGET_MS=0', wb);
    }
    process.stderr.write(`bench: http servers started; waiting for readiness\n`);
    for (const t of targets) if (t.key !== 'bare') await waitReady(t.server);
    // warm-up: JIT and caches, not measured
    for (const t of targets) await load(t.server.url, { connections, durationSeconds: 2 });
    await measure(targets, { connections, seconds, repeats });
    // the same embedded routers once their in-memory store is full: a router that has been serving long
    // enough writes each new decision over the oldest one's memory, where in the runs above its tables
    // still grow (0.4 new pages a decision)
    if (steady) {
      const bare = targets[0]!;
      const full: Target[] = [{ ...bare, key: 'bare-full', results: [], ownP99: [], ownP50: [] }];
      for (const t of targets) {
        if (t.key === 'bare' || t.key.startsWith('nats')) continue;
        await fillStore(t.server, t.label, connections);
        full.push({ ...t, key: `${t.key}-full`, label: `${t.label}, store full`, results: [], ownP99: [], ownP50: [] });
      }
      await measure(full, { connections, seconds, repeats });
      targets.push(...full);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (withNats) for (const ns of [namespace, `${namespace}wb`]) await cleanUp(ns, natsUrl, redisUrl);
  }
  return rowsOf(targets, { connections, seconds, repeats });
}

/** `repeats` runs of every target, alternating (the order rotates every repeat), 1 s apart. */
async function measure(targets: readonly Target[], o: { connections: number; seconds: number; repeats: number }): Promise<void> {
  for (let r = 0; r < o.repeats; r++) {
    const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
    for (const t of order) {
      await sleep(1000);
      const router = !t.key.startsWith('bare');
      const before: Scrape = router ? await scrape(t.server) : new Map();
      const result = await load(t.server.url, { connections: o.connections, durationSeconds: o.seconds });
      t.results.push(result);
      if (router) {
        const after = await scrape(t.server);
        t.ownP99.push(histogramQuantile(after, before, 'router_decision_duration_seconds', 0.99, 'kind="route"').value * 1e6);
        t.ownP50.push(histogramQuantile(after, before, 'router_decision_duration_seconds', 0.5, 'kind="route"').value * 1e6);
      }
      process.stderr.write(
        `bench: http ${t.label}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms` +
          `${t.ownP99.length ? `, own p50 ${t.ownP50.at(-1)!.toFixed(1)} / p99 ${t.ownP99.at(-1)!.toFixed(1)} us` : ''}${result.non2xx || result.errors ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''}\n`,
      );
    }
  }
}

function rowsOf(targets: readonly Target[], o: { connections: number; seconds: number; repeats: number }): BenchRow[] {
  const group = 'http';
  const rows: BenchRow[] = [];
  const how = `${o.connections} connections, ${o.seconds} s x ${o.repeats}, medians`;
  const bares = new Map<string, { rps: number; p99: number }>();
  for (const b of targets) {
    if (!b.key.startsWith('bare')) continue;
    const rps = median(b.results.map((r) => r.rps));
    const p99 = median(b.results.map((r) => r.p99Ms));
    bares.set(b.key, { rps, p99 });
    const full = b.key === 'bare-full';
    rows.push({ group, name: `bare fastify POST /v1/route${full ? ', in the rounds with the stores full' : ''}`, value: rps, unit: 'req/s', note: full ? `${how}; the baseline of the "store full" rows` : how });
    rows.push({ group, name: `bare fastify p99 latency${full ? ', in the rounds with the stores full' : ''}`, value: p99, unit: 'ms' });
  }
  for (const t of targets) {
    if (t.key.startsWith('bare')) continue;
    const { rps: bareRps, p99: bareP99 } = bares.get(t.key.endsWith('-full') ? 'bare-full' : 'bare')!;
    const rps = median(t.results.map((r) => r.rps));
    const p99 = median(t.results.map((r) => r.p99Ms));
    const failed = t.results.reduce((s, r) => s + r.non2xx + r.errors, 0);
    const minShare = t.key.startsWith('nats') ? 0.5 : 0.7;
    rows.push({
      group,
      name: `${t.label} throughput`,
      value: rps,
      unit: 'req/s',
      baseline: bareRps,
      target: `>= ${minShare * 100}% of bare`,
      pass: rps >= minShare * bareRps && failed === 0,
      ...(failed ? { note: `${failed} failed requests` } : {}),
    });
    rows.push({ group, name: `${t.label} p99 latency`, value: p99, unit: 'ms', baseline: bareP99, target: '<= 2x bare', pass: p99 <= 2 * bareP99 });
    const own = median(t.ownP99);
    const p50 = `p50 ${median(t.ownP50).toFixed(1)} us`;
    rows.push({
      group,
      name: `${t.label} own time p99`,
      value: own,
      unit: 'us',
      ...(t.key === 'nats'
        ? { note: `includes waiting for the Redis claim of the transactionId (STORE_BUDGET_MS=20); ${p50}` }
        : t.key === 'natswb'
          ? { target: '< 100 us', pass: own < 100, note: `no store round trip on the request path; ${p50}` }
        : { target: '< 100 us', pass: own < 100, note: `router_decision_duration_seconds under the load above; ${p50}` }),
    });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatTable(await bench())}\n`);
}
