/**
 * Simulator benchmark (`npm run bench -- simulator`):
 *
 * - throughput on a 1,000,000-row generic CSV log (generated into a temp directory): rows per second for
 *   reading the log, for each estimator's accumulation (with the default 200 bootstrap replicates, and as a
 *   bare point estimate), and for the whole `ope` pipeline (two passes, reward model, all estimators);
 * - peak memory (max RSS) of the whole `ope` pipeline in a child process per log size, which must stay flat
 *   as the log grows. Sizes: `--sim-sizes=1000000,3000000` by default; add 10,000,000 with
 *   `npm run bench -- simulator --sim-sizes=1000000,3000000,10000000` (minutes: generation + two passes).
 *   The estimator pass against reading is timed `--pass-repeats N` times (default 3), alternating: medians.
 *
 * Child mode: `tsx test/bench/simulator.bench.ts --child FILE` runs one `ope` and prints
 * `{ rows, seconds, maxRssMB }` as JSON.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '../../policies/core/rng.ts';
import { BootstrapAccumulator, RowBatch, defaultEstimators, evaluateOffPolicy } from '../../simulator/estimators/index.ts';
import type { BootstrapOptions } from '../../simulator/estimators/bootstrap.ts';
import { readLog } from '../../simulator/logs/index.ts';
import { replayPolicy } from '../../simulator/replay/index.ts';
import type { BenchRow } from './harness.ts';
import { numberFlag } from './service/processes.ts';

const ROUTES = ['acq-a', 'acq-b', 'acq-c', 'acq-d'];
const NETWORKS = ['visa', 'mastercard', 'amex', 'discover'];
const COUNTRIES = ['FR', 'DE', 'US', 'GB', 'JP', 'BR'];

/** Write an n-row generic CSV log (streaming, constant memory). */
export async function generateLog(file: string, n: number, seed = 1): Promise<void> {
  const rng = new Rng(seed, 'bench-log');
  const out = createWriteStream(file);
  const write = (s: string): Promise<void> | null => (out.write(s) ? null : new Promise((resolve) => out.once('drain', () => resolve())));
  await write('key,cardNetwork,issuerCountry,channel,amountMinor,threeDS,action,reward,propensity,fee\n');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const net = rng.int(4);
    const country = rng.int(6);
    // logging: favours route (net + country) % 4 with probability 0.55, others 0.15
    const fav = (net + country) % 4;
    const u = rng.next();
    const a = u < 0.55 ? fav : (fav + 1 + Math.floor(((u - 0.55) / 0.45) * 3)) % 4;
    const p = a === fav ? 0.55 : 0.15;
    const approve = 0.8 + 0.1 * ((a + net) % 2) - 0.05 * (country % 3);
    const r = rng.next() < approve ? 1 : 0;
    chunk += `tx-${i},${NETWORKS[net]},${COUNTRIES[country]},ecom,${100 + rng.int(100_000)},${rng.next() < 0.5},${ROUTES[a]},${r},${p},${10 + a}\n`;
    if (chunk.length > 1 << 20) {
      const wait = write(chunk);
      chunk = '';
      if (wait) await wait;
    }
  }
  if (chunk) out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

function sizesFromArgv(): number[] {
  const arg = process.argv.find((a) => a.startsWith('--sim-sizes='));
  if (!arg) return [1_000_000, 3_000_000];
  return arg
    .slice('--sim-sizes='.length)
    .split(',')
    .map((s) => Number(s))
    .filter((n) => Number.isInteger(n) && n > 0);
}

const here = fileURLToPath(import.meta.url);

/**
 * Just reading the log (every row parsed and handed over), against one estimator pass (reading, each row
 * into a batch: action, reward, logging propensity, a uniform target distribution and a constant reward
 * model, then every default estimator accumulated per batch) as point estimates and with the default 200
 * bootstrap replicates. Alternating, medians over `repeats` runs of each.
 */
async function passRatios(file: string, n: number, repeats = 3): Promise<BenchRow[]> {
  const readTimes: number[] = [];
  const pointTimes: number[] = [];
  const bootTimes: number[] = [];
  const oneThreadTimes: number[] = [];
  const cpu = { read: [] as number[], boot: [] as number[], oneThread: [] as number[] };
  let offloaded = 0;
  const cpuSeconds = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const pass = async (replicates: number, options: BootstrapOptions = {}, cpuTimes?: number[]): Promise<number> => {
    const acc = new BootstrapAccumulator(defaultEstimators(), replicates, 1, options);
    const c0 = cpuSeconds();
    const actions = new Map<string, number>();
    const batch = new RowBatch(4096, 4);
    const flush = () => {
      batch.derive();
      acc.add(batch);
      batch.size = 0;
    };
    const t0 = performance.now();
    await readLog(file, 'csv', (row) => {
      let a = actions.get(row.action);
      if (a === undefined) {
        a = actions.size;
        actions.set(row.action, a);
      }
      const i = batch.size++;
      batch.action[i] = a;
      batch.reward[i] = row.reward;
      batch.propensity[i] = row.propensity;
      for (let j = 0; j < 4; j++) {
        batch.targetDist[i * 4 + j] = 0.25;
        batch.qhat[i * 4 + j] = 0.85;
      }
      if (batch.full) flush();
    });
    if (batch.size > 0) flush();
    acc.result();
    if (acc.rows !== n) throw new Error(`estimator pass saw ${acc.rows} of ${n} rows`);
    const seconds = (performance.now() - t0) / 1000;
    cpuTimes?.push(cpuSeconds() - c0);
    if (replicates > 0 && options.offload !== false) offloaded = acc.offloadReport.batches;
    return seconds;
  };
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    let read = 0;
    await readLog(file, 'csv', () => {
      read++;
    });
    readTimes.push((performance.now() - t0) / 1000);
    cpu.read.push(cpuSeconds() - c0);
    if (read !== n) throw new Error(`read ${read} of ${n} rows`);
    pointTimes.push(await pass(0));
    bootTimes.push(await pass(200, {}, cpu.boot));
    oneThreadTimes.push(await pass(200, { offload: false }, cpu.oneThread));
    process.stderr.write(
      `bench: simulator pass: read ${readTimes.at(-1)!.toFixed(2)} s, estimators ${pointTimes.at(-1)!.toFixed(2)} s, ` +
        `with bootstrap ${bootTimes.at(-1)!.toFixed(2)} s (CPU ${cpu.boot.at(-1)!.toFixed(2)} s), on one thread ${oneThreadTimes.at(-1)!.toFixed(2)} s\n`,
    );
  }
  const read = median(readTimes);
  const point = median(pointTimes);
  const boot = median(bootTimes);
  const oneThread = median(oneThreadTimes);
  const readCpu = median(cpu.read);
  const bootCpu = median(cpu.boot);
  const oneThreadCpu = median(cpu.oneThread);
  const group = 'simulator';
  return [
    { group, name: 'read 1M-row CSV log (just reading)', value: read, unit: 's', note: `${(n / read).toFixed(0)} rows/s, median of ${repeats}` },
    { group, name: 'estimator pass, 7 estimators (point estimates)', value: point, unit: 's', baseline: read, target: '<= 1.5x reading', pass: point <= 1.5 * read, note: 'reading + batches + all default estimators' },
    {
      group,
      name: 'estimator pass, 7 estimators + 200 bootstrap replicates',
      value: boot,
      unit: 's',
      baseline: read,
      target: '<= 1.5x reading',
      pass: boot <= 1.5 * read,
      note: `the ope default (Poisson bootstrap), replicates on a worker thread (${offloaded} of ${Math.ceil(n / 4096)} batches); CPU ${bootCpu.toFixed(2)} s, ${(bootCpu / readCpu).toFixed(2)}x reading's ${readCpu.toFixed(2)} s`,
    },
    {
      group,
      name: 'estimator pass + 200 bootstrap replicates, one thread',
      value: oneThread,
      unit: 's',
      baseline: read,
      note: `offload: false, for comparison; CPU ${oneThreadCpu.toFixed(2)} s, ${(oneThreadCpu / readCpu).toFixed(2)}x reading's`,
    },
  ];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function runChild(file: string): { rows: number; seconds: number; maxRssMB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', here, '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { rows: number; seconds: number; maxRssMB: number };
}

export async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
  const rows: BenchRow[] = [];
  const group = 'simulator';
  try {
    const n = 1_000_000;
    const file = join(dir, 'log-1000000.csv');
    let t0 = performance.now();
    await generateLog(file, n);
    rows.push({ group, name: 'generate 1M-row CSV log', value: (performance.now() - t0) / 1000, unit: 's' });

    // reading: rows/s, and keep the rows as batches (in the parent only) for the estimator timings
    t0 = performance.now();
    let read = 0;
    await readLog(file, 'csv', () => {
      read++;
    });
    const readSeconds = (performance.now() - t0) / 1000;
    rows.push({ group, name: 'read CSV log (1M rows)', value: read / readSeconds, unit: 'rows/s' });

    // one estimator pass over the log against just reading it, alternating, medians over 3 repeats
    rows.push(...(await passRatios(file, n, numberFlag('pass-repeats', 3))));

    // replaying LinUCB over the whole log (Li et al. replay: a scan pass, then the replay)
    t0 = performance.now();
    const replay = await replayPolicy({ file, format: 'csv', policy: 'linucb', seed: 1 });
    const replaySeconds = (performance.now() - t0) / 1000;
    rows.push({ group, name: 'replay linucb over 1M rows', value: replaySeconds, unit: 's', target: '< 60 s', pass: replaySeconds < 60, note: `${replay.matched} rows counted, ${(n / replaySeconds).toFixed(0)} rows/s` });

    // estimator accumulation on batches shaped like the pipeline's (4 actions, uniform target)
    const batches: RowBatch[] = [];
    const rng = new Rng(3, 'batches');
    for (let done = 0; done < n; done += 4096) {
      const b = new RowBatch(4096, 4);
      b.size = Math.min(4096, n - done);
      for (let i = 0; i < b.size; i++) {
        const a = rng.int(4);
        b.action[i] = a;
        b.reward[i] = rng.next() < 0.85 ? 1 : 0;
        b.propensity[i] = a === 0 ? 0.55 : 0.15;
        for (let j = 0; j < 4; j++) {
          b.targetDist[i * 4 + j] = 0.25;
          b.qhat[i * 4 + j] = 0.8 + 0.01 * j;
        }
      }
      b.derive();
      batches.push(b);
    }
    for (const e of defaultEstimators()) {
      for (const replicates of [200, 0]) {
        const acc = new BootstrapAccumulator([e], replicates, 1);
        t0 = performance.now();
        for (const b of batches) acc.add(b);
        acc.result();
        const s = (performance.now() - t0) / 1000;
        rows.push({ group, name: `${e.name} (${replicates ? `${replicates} bootstrap replicates` : 'point estimate'})`, value: n / s, unit: 'rows/s' });
      }
    }
    const all = new BootstrapAccumulator(defaultEstimators(), 200, 1);
    t0 = performance.now();
    for (const b of batches) all.add(b);
    all.result();
    rows.push({ group, name: 'all 7 estimators together (200 replicates)', value: n / ((performance.now() - t0) / 1000), unit: 'rows/s' });
    batches.length = 0;

    // whole pipeline and peak memory, one child process per size
    const sizes = sizesFromArgv();
    let first: number | null = null;
    for (const size of sizes) {
      const f = size === n ? file : join(dir, `log-${size}.csv`);
      if (size !== n) {
        process.stderr.write(`bench: generating a ${size.toLocaleString('en-US')}-row log ...\n`);
        await generateLog(f, size);
      }
      process.stderr.write(`bench: ope on ${size.toLocaleString('en-US')} rows in a child process ...\n`);
      const r = runChild(f);
      first ??= r.maxRssMB;
      rows.push({ group, name: `ope pipeline, ${size.toLocaleString('en-US')} rows`, value: r.rows / r.seconds, unit: 'rows/s', note: `${r.seconds.toFixed(1)} s, 2 passes, 7 estimators, 200 replicates` });
      rows.push({
        group,
        name: `ope peak RSS, ${size.toLocaleString('en-US')} rows`,
        value: r.maxRssMB,
        unit: 'MB',
        target: `flat (within 25% of the ${sizes[0]!.toLocaleString('en-US')}-row run)`,
        pass: r.maxRssMB <= first * 1.25,
      });
      if (size !== n) rmSync(f, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function child(file: string): Promise<void> {
  const t0 = performance.now();
  const report = await evaluateOffPolicy({ file, format: 'csv', target: 'uniform', seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ rows: report.n, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  await child(process.argv[3]!);
}
