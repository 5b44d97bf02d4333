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
import { join } from 'node:path';
import { load } from './load.ts';
import { flag, freePort, numberFlag, ROOT, startCommand } from './processes.ts';

const seconds = numberFlag('seconds', 5);
const withStrace = process.argv.includes('--strace');

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(policy: string | null): Promise<void> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', ROUTE_POLICY: policy ?? 'linucb' };
  const base = policy === null ? ['--import', 'tsx', join(ROOT, 'test/bench/service/bare-server.ts'), String(port)] : startCommand();
  const child = spawn(process.execPath, ['--trace-gc', ...base], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let gcLines = '';
  let measuring = false;
  child.stdout!.on('data', (d: Buffer) => {
    if (measuring) gcLines += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/${policy === null ? 'healthz' : 'readyz'}`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await load(url, { connections: 10, durationSeconds: 2 });
  const name = policy ?? 'bare';
  const straceOut = `/tmp/per-request-strace-${name}-${process.pid}.txt`;
  const tracer = withStrace ? spawn('strace', ['-c', '-f', '-p', String(child.pid), '-o', straceOut], { stdio: 'ignore' }) : null;
  if (tracer) await new Promise((r) => setTimeout(r, 500));
  const before = cpuTicks(child.pid!);
  measuring = true;
  const r = await load(url, { connections: 10, durationSeconds: seconds });
  measuring = false;
  const after = cpuTicks(child.pid!);
  const requests = r.rps * seconds;
  let scavengeMs = 0;
  let otherMs = 0;
  for (const line of gcLines.split('\n')) {
    const m = /, ([\d.]+) \/ ([\d.]+) ms/.exec(line);
    if (!m) continue;
    if (line.includes('Scavenge')) scavengeMs += Number(m[1]);
    else otherMs += Number(m[1]);
  }
  const perRequest = (ms: number): string => ((ms * 1000) / requests).toFixed(1);
  process.stderr.write(
    `${name}: ${r.rps.toFixed(0)} req/s, CPU ${(((after - before) * 1e4) / requests).toFixed(1)} us/request, ` +
      `scavenges ${perRequest(scavengeMs)} us/request, other collections ${perRequest(otherMs)} us/request\n`,
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
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
}

const policies = (flag('policies') ?? 'linucb,thompson').split(',');
for (let i = 0; i < numberFlag('repeats', 2); i++) {
  await measure(null);
  for (const p of policies) await measure(p);
}
