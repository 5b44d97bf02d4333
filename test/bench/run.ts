/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line, e.g.
 * `npm run bench -- linear thompson`) and prints one table. Benchmarks never run under `npm test`.
 *
 * The service benchmarks (docs/performance.md): `http` (POST /v1/route against a bare fastify process,
 * embedded and on NATS + Redis, and the router's own time per decision), `learning` (outcomes applied
 * from JetStream against a bare consume-and-ack loop), `soak` (`--duration S`, default 60; the 5-minute
 * run is `npm run bench -- soak --duration 300`). Options go after the names (`--seconds 5`, `--repeats 3`,
 * `--connections 10`, `--decisions 50000`, `--sim-sizes=1000000,3000000`) and are not bench names.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatTable, type BenchRow } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** Bench names on the command line; options (`--seconds 5`, `--sim-sizes=...`) and their values are not names. */
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && !(all[i - 1]?.startsWith('--') && !all[i - 1]!.includes('=') && /^[\d.]+$|^[a-z]+:\/\//.test(a)));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

if (!(globalThis as { gc?: unknown }).gc) {
  process.stderr.write('bench: run with --expose-gc for allocation figures (npm run bench does)\n');
}

const all: BenchRow[] = [];
for (const f of files) {
  process.stderr.write(`bench: ${f} ...\n`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { bench?: () => Promise<BenchRow[]> };
  if (typeof mod.bench !== 'function') {
    process.stderr.write(`bench: ${f} exports no bench(); skipped\n`);
    continue;
  }
  const t0 = Date.now();
  const rows = await mod.bench();
  process.stderr.write(`bench: ${f} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  all.push(...rows);
}
const table = formatTable(all);
process.stdout.write(`${table}\n`);
const out = join(here, '..', '..', 'reports');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'bench.md'), `${table}\n`);
writeFileSync(join(out, 'bench.json'), `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: all }, null, 2)}\n`);
process.stderr.write('bench: written reports/bench.md and reports/bench.json\n');
