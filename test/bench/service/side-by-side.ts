/**
 * Side-by-side comparison (not part of `npm run bench`): the bare server and the embedded router of each
 * checkout given (`--trees /work/main,.`; each started as its `npm start` starts it), for every policy of
 * `--policies` (default linucb,thompson), all started together and driven in rotation with the benchmark's
 * load, `--repeats` times. Per run: req/s and p99 (ratios to the same repeat's bare run), the router's own
 * time p99 (`router_decision_duration_seconds` between two scrapes) and CPU per request (user + system of
 * every thread, `/proc/<pid>/stat`, over the run). Prints medians. `--node-args "A|B"`: a router per set of
 * node flags (after those of the start script, so they override them). `--nats`: the routers run on NATS
 * and Redis (`--nats-url`, `--redis-url`, defaults 127.0.0.1; each router in a namespace of its own,
 * removed afterwards; `STORE_BUDGET_MS` from `--store-budget`, default 0), and a column gives the CPU per
 * request of the local `nats-server` and `redis-server` processes during the router's runs. `--full`: each
 * (embedded) router is first loaded until its in-memory store is full (fill-store.ts), so the runs measure
 * it at steady state.
 */
import { resolve } from 'node:path';
import { renderTable } from '../../../simulator/report/table.ts';
import { cleanUp } from './cleanup.ts';
import { fillStore } from './fill-store.ts';
import { load } from './load.ts';
import { cpuSeconds, flag, histogramQuantile, median, numberFlag, pidsOf, scrape, startBare, startRouter, waitReady, type ServerProcess } from './processes.ts';


const trees = (flag('trees') ?? '.').split(',').map((t) => resolve(t));
const policies = (flag('policies') ?? 'linucb,thompson').split(',');
const seconds = numberFlag('seconds', 5);
const repeats = numberFlag('repeats', 3);
const connections = numberFlag('connections', 10);
const onNats = process.argv.includes('--nats');
const full = process.argv.includes('--full');
if (full && onNats) throw new Error('--full fills the in-memory store of embedded routers: not with --nats');
const natsUrl = flag('nats-url') ?? 'nats://127.0.0.1:4222';
const redisUrl = flag('redis-url') ?? 'redis://127.0.0.1:6379';
const namespaces: string[] = [];

// the local NATS and Redis servers (none when they are not on this machine)
const services = onNats ? [...pidsOf('nats-server'), ...pidsOf('redis-server')] : [];
const servicesCpu = () => services.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

const servers: { label: string; p: ServerProcess; router: boolean }[] = [{ label: 'bare fastify', p: await startBare(), router: false }];
/** `--node-args "--max-semi-space-size=16|--max-semi-space-size=32"`: a router per variant (they override the start script's). */
const variants = (flag('node-args') ?? '').split('|').map((v) => v.split(' ').filter((a) => a !== ''));
for (const tree of trees) {
  for (const nodeArgs of variants) {
    for (const policy of policies) {
      const label = `${tree} ${policy}${nodeArgs.length > 0 ? ` ${nodeArgs.join(' ')}` : ''}`;
      const env: Record<string, string> = { ROUTE_POLICY: policy, ROUTER_REPLICA_ID: `sbs-${policy}` };
      if (onNats) {
        const ns = `sbs${Date.now().toString(36)}${namespaces.length}`;
        namespaces.push(ns);
        Object.assign(env, { NATS_URL: natsUrl, REDIS_URL: redisUrl, ROUTER_NAMESPACE: ns, OUTCOME_SUBJECT: `${ns}.outcome`, STORE_BUDGET_MS: String(numberFlag('store-budget', 0)) });
      }
      const p = await startRouter(label, env, nodeArgs, tree);
      await waitReady(p);
      servers.push({ label, p, router: true });
    }
  }
}
const rows = new Map<string, { rps: number[]; rpsRatio: number[]; p99: number[]; p99Ratio: number[]; own: number[]; cpu: number[]; services: number[] }>();
for (const s of servers) rows.set(s.label, { rps: [], rpsRatio: [], p99: [], p99Ratio: [], own: [], cpu: [], services: [] });
try {
  for (const s of servers) await load(s.p.url, { connections, durationSeconds: 2 });
  if (full) for (const s of servers) if (s.router) await fillStore(s.p, s.label, connections);
  for (let r = 0; r < repeats; r++) {
    const order = servers.map((_, i) => servers[(i + r) % servers.length]!);
    const results = new Map<string, { rps: number; p99: number; own: number; cpu: number; services: number }>();
    for (const s of order) {
      const before = s.router ? await scrape(s.p) : new Map<string, number>();
      const cpu0 = cpuSeconds(s.p.child.pid);
      const services0 = servicesCpu();
      const res = await load(s.p.url, { connections, durationSeconds: seconds });
      const cpu = (cpuSeconds(s.p.child.pid) - cpu0) / Math.max(1, res.requests);
      const servicesPerRequest = s.router && onNats ? ((servicesCpu() - services0) / Math.max(1, res.requests)) * 1e6 : Number.NaN;
      const own = s.router ? histogramQuantile(await scrape(s.p), before, 'router_decision_duration_seconds', 0.99, 'kind="route"').value * 1e6 : Number.NaN;
      results.set(s.label, { rps: res.rps, p99: res.p99Ms, own, cpu: cpu * 1e6, services: servicesPerRequest });
      process.stderr.write(`repeat ${r + 1} ${s.label}: ${res.rps.toFixed(0)} req/s, p99 ${res.p99Ms.toFixed(2)} ms, own p99 ${own.toFixed(1)} us, ${(cpu * 1e6).toFixed(1)} us CPU/request\n`);
    }
    const bare = results.get('bare fastify')!;
    for (const [label, x] of results) {
      const row = rows.get(label)!;
      row.rps.push(x.rps);
      row.rpsRatio.push(x.rps / bare.rps);
      row.p99.push(x.p99);
      row.p99Ratio.push(x.p99 / bare.p99);
      row.own.push(x.own);
      row.cpu.push(x.cpu);
      row.services.push(x.services);
    }
  }
} finally {
  for (const s of servers) await s.p.stop();
  for (const ns of namespaces) await cleanUp(ns, natsUrl, redisUrl);
}
const headers = ['server', 'req/s', 'ratio to bare', 'p99', 'p99 / bare', 'own time p99', 'CPU per request', ...(onNats ? ['nats-server + redis-server CPU per request'] : [])];
const columns = headers.map((header) => ({ header }));
const table = [...rows].map(([label, row]) => {
  const own = median(row.own);
  const svc = median(row.services);
  const cells = [label, median(row.rps).toFixed(0), median(row.rpsRatio).toFixed(3), `${median(row.p99).toFixed(2)} ms`, median(row.p99Ratio).toFixed(2), Number.isNaN(own) ? '' : `${own.toFixed(0)} us`, `${median(row.cpu).toFixed(0)} us`];
  if (onNats) cells.push(Number.isNaN(svc) ? '' : `${svc.toFixed(0)} us`);
  return cells;
});
process.stdout.write(renderTable(columns, table, { style: 'markdown' }) + '\n');
