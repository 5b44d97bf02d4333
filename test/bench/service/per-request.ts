/**
 * Where a request's CPU goes, server by server (not part of `npm run bench`): the bare fastify server and
 * the router (embedded, as `npm start` starts it, one policy per run) under the benchmark's load, each
 * with `--trace-gc`: CPU per request (/proc/<pid>/stat, every thread), and the collector's pause time per
 * request, scavenges and the rest apart. With `--strace` also the system calls per request (`strace -c -f`
 * attached for the measured run; strace slows the server, the counts per request are what it is for).
 *
 * `node --import tsx test/bench/service/per-request.ts [--policies linucb,thompson] [--repeats 2]
 * [--seconds 5] [--strace]`
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { load } from './load.ts';
import { cpuSeconds, flag, numberFlag, startBare, startRouter, waitReady, type ServerProcess } from './processes.ts';

const seconds = numberFlag('seconds', 5);
const withStrace = process.argv.includes('--strace');

/** Pause milliseconds of the `--trace-gc` lines in `text`: scavenges, and every other collection. */
function gcMs(text: string): { scavenge: number; other: number } {
  const ms = { scavenge: 0, other: 0 };
  for (const line of text.split('\n')) {
    const m = /, ([\d.]+) \/ ([\d.]+) ms/.exec(line);
    if (m) ms[line.includes('Scavenge') ? 'scavenge' : 'other'] += Number(m[1]);
  }
  return ms;
}

async function measure(server: ServerProcess): Promise<void> {
  await load(server.url, { connections: 10, durationSeconds: 2 });
  const straceOut = `/tmp/per-request-strace-${process.pid}-${server.child.pid}.txt`;
  const tracer = withStrace ? spawn('strace', ['-c', '-f', '-p', String(server.child.pid), '-o', straceOut], { stdio: 'ignore' }) : null;
  if (tracer) await new Promise((r) => setTimeout(r, 500));
  const cpu0 = cpuSeconds(server.child.pid);
  const out0 = server.output().length; // a few KB of GC lines per run, far from the output's 4 MB cap
  const r = await load(server.url, { connections: 10, durationSeconds: seconds });
  const cpu = cpuSeconds(server.child.pid) - cpu0;
  const gc = gcMs(server.output().slice(out0));
  const requests = r.rps * seconds;
  const us = (s: number): string => ((s * 1e6) / requests).toFixed(1);
  process.stderr.write(
    `${server.name}: ${r.rps.toFixed(0)} req/s, CPU ${us(cpu)} us/request, ` +
      `scavenges ${us(gc.scavenge / 1000)} us/request, other collections ${us(gc.other / 1000)} us/request\n`,
  );
  if (tracer) {
    tracer.kill('SIGINT');
    await new Promise((res) => tracer.once('exit', res));
    const calls = readFileSync(straceOut, 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 5 && /^\d+$/.test(f[3] ?? ''))
      .map((f) => `${f.at(-1)} ${(Number(f[3]) / requests).toFixed(2)}`);
    process.stderr.write(`  system calls per request: ${calls.join(', ')}\n`);
  }
  await server.stop();
}

const policies = (flag('policies') ?? 'linucb,thompson').split(',');
for (let i = 0; i < numberFlag('repeats', 2); i++) {
  await measure(await startBare(['--trace-gc']));
  for (const policy of policies) {
    const router = await startRouter(policy, { ROUTE_POLICY: policy }, ['--trace-gc']);
    await waitReady(router);
    await measure(router);
  }
}
