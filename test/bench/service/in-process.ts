/**
 * CPU per decision in one process (not part of `npm run bench`): the router of the checkout at `--tree`
 * (default this one) built by its `createRouter` with the embedded bus and in-memory store, `POST
 * /v1/route` through `app.inject()` (fastify's routing, validation and serialisation, no socket), 10 at a
 * time. `--warmup` then `--requests` decisions, each with a fresh transactionId; prints the CPU time
 * (`process.cpuUsage`, user + system) per request. Run it with the flags of `npm start` (e.g.
 * `node --max-semi-space-size=32 --import tsx test/bench/service/in-process.ts`).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { routeBody } from './load.ts';
import { flag, numberFlag } from './processes.ts';

interface Injectable {
  inject(options: { method: 'POST'; url: string; headers: Record<string, string>; payload: string }): Promise<{ statusCode: number }>;
}

const tree = resolve(flag('tree') ?? '.');
const { loadConfig } = (await import(pathToFileURL(`${tree}/src/config.ts`).href)) as { loadConfig: (env: Record<string, string>) => unknown };
const { createRouter } = (await import(pathToFileURL(`${tree}/src/router.ts`).href)) as {
  createRouter: (config: unknown) => Promise<{ app: Injectable; startLearning(): Promise<void>; close(): Promise<void> }>;
};
const router = await createRouter(loadConfig({ ROUTE_POLICY: flag('policy') ?? 'linucb', LOG_LEVEL: 'info', ROUTER_REPLICA_ID: 'in-process' }));
await router.startLearning();
let seq = 0;
async function run(n: number): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    const batch: Promise<{ statusCode: number }>[] = [];
    for (let j = 0; j < 10; j++) {
      const k = seq++;
      batch.push(router.app.inject({ method: 'POST', url: '/v1/route', headers: { 'content-type': 'application/json' }, payload: routeBody(k, `ip-${k}`) }));
    }
    for (const r of await Promise.all(batch)) if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  }
}
await run(numberFlag('warmup', 20_000));
const requests = numberFlag('requests', 50_000);
const c0 = process.cpuUsage();
const t0 = performance.now();
await run(requests);
const c = process.cpuUsage(c0);
process.stdout.write(`${tree} ${flag('policy') ?? 'linucb'}: ${((c.user + c.system) / requests).toFixed(1)} us CPU per request (${((performance.now() - t0) * 1000 / requests).toFixed(1)} us wall), ${requests} requests\n`);
await router.close();
