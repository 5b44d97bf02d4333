/**
 * Child processes for the service benchmarks: the router (`src/main.ts` as one node process, tsx as a
 * loader) and the bare fastify baseline, each on a free port; a Prometheus text scraper with histogram
 * quantiles; the resident memory of a child from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitHealthy } from '../../integration/service-support.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote (stdout and stderr), capped at the last 4 MB. */
  output(): string;
  /** Resident set size in MB (from /proc). */
  rssMB(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children still running: killed if the benchmark itself exits or is interrupted, so none is left behind. */
const running = new Set<ChildProcess>();
let hooked = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of running) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

async function start(name: string, args: readonly string[], env: Record<string, string>, port: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 4 << 20) out = out.slice(-(2 << 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(name, child, url, () => out, 60_000);
  return {
    name,
    url,
    child,
    output: () => out,
    rssMB() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * The node arguments of `npm start` in the checkout at `root` (its package.json `start` script, `node
 * <flags> src/main.ts`), with the entry point made absolute: the benchmarks run what ships.
 */
export function startCommand(root: string = ROOT): string[] {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = script.trim().split(/\s+/);
  if (words[0] === 'tsx') return ['--import', 'tsx', ...words.slice(1).map((w) => (w.endsWith('.ts') ? join(root, w) : w))];
  if (words[0] !== 'node') throw new Error(`package.json start script is not "node ...": ${script}`);
  return words.slice(1).map((w) => (w.endsWith('.ts') ? join(root, w) : w));
}

/**
 * The router as `npm start` runs it, with `env` on top of the defaults (PORT is chosen here); `nodeArgs`
 * after the start script's own flags (node takes the last of a repeated flag); `root`: another checkout.
 */
export async function startRouter(name: string, env: Record<string, string>, nodeArgs: readonly string[] = [], root: string = ROOT): Promise<ServerProcess> {
  const port = await freePort();
  const command = startCommand(root);
  return start(name, [...command.slice(0, -1), ...nodeArgs, ...command.slice(-1)], { HOST: '127.0.0.1', ...env, PORT: String(port) }, port);
}

/** The bare fastify baseline (`nodeArgs` before its own). */
export async function startBare(nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  return start('bare fastify', [...nodeArgs, '--import', 'tsx', join(ROOT, 'test/bench/service/bare-server.ts'), String(port)], {}, port);
}

/** Wait until `/readyz` answers 200 (bus and store connected, state loaded). */
export async function waitReady(p: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${p.url}/readyz`);
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${p.name} not ready after ${timeoutMs} ms: ${p.output().slice(-2000)}`);
    await sleep(100);
  }
}

/** A scrape of `/metrics`: sample value by full series text (`name{labels}`). */
export type Scrape = ReadonlyMap<string, number>;

export async function scrape(p: ServerProcess): Promise<Scrape> {
  return parseScrape(await (await fetch(`${p.url}/metrics`)).text());
}

/** Prometheus text as a `Scrape`. */
export function parseScrape(text: string): Scrape {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Sum of every series of `name` whose labels include all of `labels` (e.g. `kind="route"`). */
export function total(s: Scrape, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const [k, v] of s) {
    const base = k.indexOf('{') < 0 ? k : k.slice(0, k.indexOf('{'));
    if (base === name && labels.every((l) => k.includes(l))) sum += v;
  }
  return sum;
}

/**
 * Quantile `q` of a Prometheus histogram over the interval between two scrapes (`before` may be empty),
 * linearly interpolated inside the bucket that holds it (as PromQL's histogram_quantile does).
 */
export function histogramQuantile(after: Scrape, before: Scrape, name: string, q: number, label: string): { value: number; count: number } {
  const buckets: { le: number; n: number }[] = [];
  for (const [k, v] of after) {
    if (!k.startsWith(`${name}_bucket{`) || !k.includes(label)) continue;
    const m = /le="([^"]+)"/.exec(k);
    if (!m) continue;
    buckets.push({ le: m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), n: v - (before.get(k) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.n ?? 0;
  if (count === 0) return { value: Number.NaN, count };
  const rank = q * count;
  let prevLe = 0;
  let prevN = 0;
  for (const b of buckets) {
    if (b.n >= rank) {
      if (!Number.isFinite(b.le)) return { value: prevLe, count };
      return { value: prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(1e-12, b.n - prevN), count };
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return { value: prevLe, count };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `--name value` or `--name=value` from argv. */
export function flag(name: string): string | undefined {
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

export function numberFlag(name: string, fallback: number): number {
  const v = flag(name);
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** CPU time (user + system, every thread) a process has used, from /proc/<pid>/stat; NaN where it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** The pids of the processes named exactly `name` on this machine (`pgrep -x`; empty when none or no pgrep). */
export function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').filter((x) => x !== '').map(Number);
  } catch {
    return [];
  }
}
