/**
 * Latency of POST /v1/route over a real socket (client-observed) and the router's own time per decision
 * (router_decision_duration_seconds), in embedded mode and against NATS and Redis, sequential requests on
 * one keep-alive connection. Prints a table; progress on stderr.
 *
 *   npx tsx scripts/route-latency.ts [--n 5000] [--policy linucb] [--nats nats://127.0.0.1:4222] [--redis redis://127.0.0.1:6379]
 */
import { randomBytes } from 'node:crypto';
import { createProgress } from '../simulator/report/progress.ts';
import { renderTable } from '../simulator/report/table.ts';
import { Rng } from '../policies/core/rng.ts';
import { createWorld } from '../simulator/worlds/index.ts';
import { loadConfig } from '../src/config.ts';
import { createRouter } from '../src/router.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(label: string, env: Record<string, string>, n: number): Promise<string[]> {
  const ns = `lat${randomBytes(4).toString('hex')}`;
  const router = await createRouter(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ROUTER_NAMESPACE: ns, OUTCOME_SUBJECT: `${ns}.outcome`, ...env }));
  const url = (await router.listen()).replace(/\/$/, '');
  while (!router.learner.loaded) await new Promise((r) => setTimeout(r, 10));
  const world = createWorld('stable', { horizon: n });
  const rng = new Rng(1);
  const bodies = Array.from({ length: n + 500 }, (_, t) => {
    rng.reseed(1, `ctx:${t % n}`);
    const { context, candidates } = world.transactionAt(t % n, rng);
    const { occurredAtMs, ...rest } = context;
    return JSON.stringify({ ...rest, transactionId: `${ns}-${t}`, candidates, occurredAt: new Date(occurredAtMs).toISOString() });
  });
  const post = (body: string) => fetch(`${url}/v1/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer());
  for (let i = 0; i < 500; i++) await post(bodies[n + i]!); // warm-up
  await router.metrics.decisionDuration.reset();
  const lat = new Float64Array(n);
  const bar = createProgress({ label: `route-latency ${label}`, total: n, stream: process.stderr, isTTY: process.stderr.isTTY === true, unit: 'req' });
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await post(bodies[i]!);
    lat[i] = performance.now() - t0;
    bar.tick();
  }
  bar.finish();
  const hist = (await router.metrics.decisionDuration.get()).values;
  const sum = hist.find((v) => v.metricName === 'router_decision_duration_seconds_sum')!.value;
  const count = hist.find((v) => v.metricName === 'router_decision_duration_seconds_count')!.value;
  await router.store.clear().catch(() => undefined);
  for (const s of [router.names.outcomeStream, router.names.decisionStream, router.names.deadLetterStream]) await router.bus.deleteStream(s).catch(() => undefined);
  await router.close();
  lat.sort();
  return [label, router.state.policy.name, String(n), quantile(lat, 0.5).toFixed(2), quantile(lat, 0.9).toFixed(2), quantile(lat, 0.99).toFixed(2), ((1e3 * sum) / count).toFixed(3)];
}

async function main(): Promise<void> {
  const n = Number(arg('n', '5000'));
  const policy = arg('policy', 'linucb');
  const rows = [await measure('embedded', { ROUTE_POLICY: policy }, n)];
  rows.push(await measure('nats+redis', { ROUTE_POLICY: policy, NATS_URL: arg('nats', 'nats://127.0.0.1:4222'), REDIS_URL: arg('redis', 'redis://127.0.0.1:6379') }, n));
  process.stdout.write(
    renderTable(
      [{ header: 'mode' }, { header: 'policy' }, { header: 'requests' }, { header: 'p50 ms' }, { header: 'p90 ms' }, { header: 'p99 ms' }, { header: 'router ms/decision (mean)' }],
      rows,
      process.argv.includes('--markdown') ? { style: 'markdown' } : {},
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`route-latency: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
