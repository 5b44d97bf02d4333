/**
 * Where the CPU of a decision goes across processes (not part of `npm run bench`): bare fastify, the
 * embedded router and the router on NATS + Redis, one after the other, each under the HTTP benchmark's load
 * (10 connections, `--seconds`, default 6, after 2 s of warm-up), `--rounds` times (default 2). Per request,
 * from /proc: CPU time of the server, of `nats-server` and of `redis-server` (found by name: the local
 * servers the router uses), the server's minor page faults and its context switches (voluntary: it slept
 * waiting for a socket; the servers' own counts likewise), and for the router on NATS + Redis, Redis's
 * script calls per request (`INFO commandstats`: how many claims or writes one call carries).
 *
 * `node --import tsx test/bench/service/cpu-split.ts [--modes bare,embedded,nats] [--budget MS]
 * [--policy P] [--seconds S] [--rounds N]`; `--budget` is the NATS router's `STORE_BUDGET_MS` (default 20).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cleanUp } from './cleanup.ts';
import { load } from './load.ts';
import { cpuSeconds, flag, numberFlag, pidsOf, startBare, startRouter, waitReady } from './processes.ts';

const NATS_URL = 'nats://127.0.0.1:4222';
const REDIS_URL = 'redis://127.0.0.1:6379';

/** Minor page faults and voluntary context switches of `pid` (every thread), NaN where unreadable. */
function counters(pid: number | undefined): { faults: number; switches: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const faults = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const switches = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]);
    return { faults, switches };
  } catch {
    return { faults: Number.NaN, switches: Number.NaN };
  }
}

/** Redis's script calls so far (EVALSHA and EVAL), from `INFO commandstats`; NaN without redis-cli. */
function scriptCalls(): number {
  try {
    const info = execFileSync('redis-cli', ['-u', REDIS_URL, 'info', 'commandstats']).toString();
    let calls = 0;
    for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(m[1]);
    return calls;
  } catch {
    return Number.NaN;
  }
}

const modes = (flag('modes') ?? 'bare,embedded,nats').split(',');
const seconds = numberFlag('seconds', 6);
const natsPid = pidsOf('nats-server')[0];
const redisPid = pidsOf('redis-server')[0];
const us = (a: number, b: number, n: number) => (((b - a) * 1e6) / n).toFixed(1).padStart(5);
const per = (a: number, b: number, n: number) => ((b - a) / n).toFixed(2).padStart(5);
process.stdout.write(`nats-server pid ${natsPid ?? '-'}, redis-server pid ${redisPid ?? '-'}; CPU in us per request, faults and switches per request\n`);
for (let round = 0; round < numberFlag('rounds', 2); round++) {
  for (const mode of modes) {
    const namespace = `split${Date.now().toString(36)}`;
    const env: Record<string, string> = { ROUTE_POLICY: flag('policy') ?? 'linucb' };
    if (mode === 'nats') Object.assign(env, { NATS_URL, REDIS_URL, ROUTER_NAMESPACE: namespace, STORE_BUDGET_MS: flag('budget') ?? '20' });
    else if (mode !== 'bare' && mode !== 'embedded') throw new Error(`--modes: unknown mode "${mode}" (bare, embedded, nats)`);
    const server = mode === 'bare' ? await startBare() : await startRouter(mode, env);
    try {
      if (mode !== 'bare') await waitReady(server);
      await load(server.url, { connections: 10, durationSeconds: 2 });
      const pids = [server.child.pid, natsPid, redisPid];
      const cpu0 = pids.map(cpuSeconds);
      const c0 = pids.map(counters);
      const s0 = scriptCalls();
      const r = await load(server.url, { connections: 10, durationSeconds: seconds });
      const cpu1 = pids.map(cpuSeconds);
      const c1 = pids.map(counters);
      const s1 = scriptCalls();
      const n = r.requests;
      const calls = mode === 'nats' && s1 > s0 ? `  ${(n / (s1 - s0)).toFixed(2)} requests a script call` : '';
      process.stdout.write(
        `${mode.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s p99 ${r.p99Ms.toFixed(2)} ms  CPU server ${us(cpu0[0]!, cpu1[0]!, n)} nats ${us(cpu0[1]!, cpu1[1]!, n)} redis ${us(cpu0[2]!, cpu1[2]!, n)}` +
          `  faults ${per(c0[0]!.faults, c1[0]!.faults, n)}  switches server ${per(c0[0]!.switches, c1[0]!.switches, n)} nats ${per(c0[1]!.switches, c1[1]!.switches, n)} redis ${per(c0[2]!.switches, c1[2]!.switches, n)}${calls}\n`,
      );
    } finally {
      await server.stop();
      if (mode === 'nats') await cleanUp(namespace, NATS_URL, REDIS_URL);
    }
  }
}
