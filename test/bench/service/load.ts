/**
 * The load generator of the HTTP benchmarks: autocannon (programmatic API), the same options for every
 * server. Every request carries a fresh transactionId (autocannon's `[<id>]` replacement), so the router
 * decides every time instead of answering an idempotent replay (built in `setupRequest`; autocannon's own
 * `[<id>]` replacement computes a wrong Content-Length with the hyperid it installs). Latency percentiles come from every
 * response's own time (float ms, from autocannon's `response` event), not from its millisecond histogram.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  /** Cap on requests per run (every load loop is bounded in count and time; default 2,000,000). */
  readonly maxRequests?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

const NETWORKS = ['visa', 'mastercard', 'amex', 'discover'];

/** A contract route request with four candidates. */
export function routeBody(i: number, transactionId: string): string {
  return JSON.stringify({
    transactionId,
    merchantId: `merchant-${i % 40}`,
    amountMinor: 1000 + ((i * 7919) % 100_000),
    currency: 'EUR',
    cardNetwork: NETWORKS[i % NETWORKS.length],
    cardType: i % 3 === 0 ? 'debit' : 'credit',
    issuerCountry: ['FR', 'DE', 'US', 'GB'][i % 4],
    channel: 'ecom',
    mcc: '5411',
    threeDS: i % 2 === 0,
    candidates: ['acq-a', 'acq-b', 'acq-c', 'acq-d'],
    binPrefix: '424242',
  });
}

/** The body of `routeBody` split around its transactionId, so a request costs one concatenation. */
const TEMPLATES = Array.from({ length: 16 }, (_, i) => routeBody(i, '@TX@').split('@TX@') as [string, string]);
let runs = 0;

/** Quantile `q` of ascending `sorted` (the element at rank floor(q n)); NaN when empty. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * POST /v1/route at `url` with `connections` keep-alive connections for `durationSeconds`, from a load
 * generator in a node process of its own (`load-process.ts`, node's default flags), the same for every
 * server: the latency it measures includes its own pauses, so it must not share the heap of the process
 * that runs the benchmarks (which holds their data) nor its flags (`npm run bench` gives that one a
 * 64 MB young generation for the simulator's passes, whose longer pauses added up to 1.5 ms to the
 * router's p99 as measured, and less to the bare server's, with its smaller answers).
 */
export async function load(url: string, options: LoadOptions): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'load-process.ts'), JSON.stringify({ url, options })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), (options.durationSeconds + 60) * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const line = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`load generator for ${url} failed (exit ${code}): ${err.slice(-2000)}`);
  return JSON.parse(line) as LoadResult;
}

/** `load`, in this process (what `load-process.ts` runs). */
export async function loadInThisProcess(url: string, options: LoadOptions): Promise<LoadResult> {
  const max = options.maxRequests ?? 2_000_000;
  const times = new Float64Array(max);
  let n = 0;
  const run = `${(++runs).toString(36)}-${Date.now().toString(36)}`;
  let seq = 0;
  const t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/route`,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: TEMPLATES.map(([head, tail]) => ({
          setupRequest: (req: autocannon.Request) => ({ ...req, method: 'POST' as const, body: `${head}bench-${run}-${seq++}${tail}` }),
        })),
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      if (n < max) times[n++] = ms;
      else instance.stop(); // bounded in count as well as in time
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  const sorted = times.subarray(0, n).sort();
  return {
    requests: result.requests.total,
    seconds,
    rps: result.requests.total / Math.min(seconds, options.durationSeconds),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
