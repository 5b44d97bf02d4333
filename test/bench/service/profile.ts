/**
 * Profiling helper (not part of `npm run bench`): starts the router with `node --cpu-prof`, drives it with
 * the benchmark's load for `--seconds` (default 8), stops it, and prints the functions with the most self
 * time from the profile. `node --import tsx test/bench/service/profile.ts [--bare] [--nats] [--policy P] [--dir D] [--env K=V,...]
 * [--callers f,g --depth N] [--inclusive f,g]`.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cleanUp } from './cleanup.ts';
import { load } from './load.ts';
import { flag, freePort, numberFlag, ROOT, startCommand } from './processes.ts';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

// a fresh directory by default: the largest profile in it is read below (a reused one may hold older runs')
const dir = flag('dir') ?? mkdtempSync(join(tmpdir(), 'router-prof-'));
const port = await freePort();
const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', ROUTE_POLICY: flag('policy') ?? 'linucb' };
const namespace = `prof${Date.now().toString(36)}`;
const nats = process.argv.includes('--nats');
if (nats) Object.assign(env, { NATS_URL: 'nats://127.0.0.1:4222', REDIS_URL: 'redis://127.0.0.1:6379', ROUTER_NAMESPACE: namespace });
// --env K=V,K2=V2: more of the router's variables (e.g. STORE_BUDGET_MS=0)
for (const kv of flag('env')?.split(',') ?? []) {
  const at = kv.indexOf('=');
  if (at > 0) env[kv.slice(0, at)] = kv.slice(at + 1);
}
const args = process.argv.includes('--bare') ? ['--import', 'tsx', join(ROOT, 'test/bench/service/bare-server.ts'), String(port)] : startCommand();
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) {
  try {
    if ((await fetch(`${url}/${process.argv.includes('--bare') ? 'healthz' : 'readyz'}`)).ok) break;
  } catch {
    // not yet
  }
  await new Promise((r) => setTimeout(r, 100));
}
await load(url, { connections: 10, durationSeconds: 2 });
const r = await load(url, { connections: 10, durationSeconds: numberFlag('seconds', 8) });
process.stderr.write(`${r.rps.toFixed(0)} req/s p99 ${r.p99Ms.toFixed(2)} ms\n`);
child.kill('SIGTERM');
await new Promise((res) => child.once('exit', res));
// its streams and keys (a run leaves a few hundred thousand decisions in Redis for a day otherwise)
if (nats) await cleanUp(namespace, 'nats://127.0.0.1:4222', 'redis://127.0.0.1:6379');
// the largest profile is the main thread's (tsx's loader runs in a worker that writes its own)
const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]!;
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
/** A frame's file, from the package (node_modules) or the checkout's root. */
const fileOf = (url: string): string => url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}/`, '');
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const byFn = new Map<string, number>();
let all = 0;
for (const n of prof.nodes) {
  const t = self.get(n.id) ?? 0;
  all += t;
  const key = `${n.callFrame.functionName || '(anon)'} ${fileOf(n.callFrame.url)}:${n.callFrame.lineNumber}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
}
for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, numberFlag('top', 40))) process.stdout.write(`${((100 * t) / all).toFixed(1).padStart(5)}%  ${k}\n`);

// inclusive time of the functions named with --inclusive a,b,c (every frame below them counted once)
const wanted = (flag('inclusive') ?? 'route,decide,claim,decision,publish,add,inc,observe,toISOString,stringify,encode,next,handleRequest,validate10,serialize').split(',');
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>();
let busy = 0;
for (const [id, t] of self) {
  const top = byId.get(id)!.callFrame.functionName;
  if (top === '(idle)') continue;
  busy += t;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    const key = `${f.functionName} ${fileOf(f.url)}`;
    if (wanted.includes(f.functionName) && !seen.has(key)) {
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + t);
    }
  }
}
process.stdout.write('\ninclusive, % of busy time:\n');
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) process.stdout.write(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}\n`);

// the callers (up to --depth frames up, default 3) of the functions named with --callers a,b: their self time by call path
const callers = flag('callers')?.split(',') ?? [];
const depth = numberFlag('depth', 3);
for (const fn of callers) {
  const paths = new Map<string, number>();
  let sum = 0;
  for (const [id, t] of self) {
    if (byId.get(id)!.callFrame.functionName !== fn) continue;
    sum += t;
    const names: string[] = [];
    for (let cur = parent.get(id), k = 0; cur !== undefined && k < depth; cur = parent.get(cur), k++) {
      const f = byId.get(cur)!.callFrame;
      names.push(`${f.functionName || '(anon)'}@${fileOf(f.url).replace(/^.*\//, '')}:${f.lineNumber}`);
    }
    const key = names.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + t);
  }
  process.stdout.write(`\n${fn}: ${((100 * sum) / busy).toFixed(1)}% of busy time, by caller:\n`);
  for (const [k, t] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stdout.write(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}\n`);
}
