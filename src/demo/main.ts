/**
 * `npm run demo`: drives a router with synthetic payments from the simulator's world and prints, live,
 * its approval rate against the best static route and the oracle (ground truth of the same transactions),
 * so a newcomer sees it learn. Uses the router at --url (default http://127.0.0.1:8080, e.g. `npm start`
 * in another terminal); when none answers there, starts one in-process (embedded bus and store).
 *
 *   npm run demo -- [--url http://127.0.0.1:8080] [--scenario stable] [--n 20000] [--batch 50] [--seed 1] [--concurrency 8]
 */
import { randomBytes } from 'node:crypto';
import { isScenarioName, SCENARIO_NAMES, createWorld } from '../../simulator/worlds/index.ts';
import { loadConfig } from '../config.ts';
import { createRouter, type Router } from '../router.ts';
import { driveTraffic, gapShare, httpClient, type TrafficTotals } from './traffic.ts';

interface Args {
  url: string;
  scenario: string;
  n: number;
  batch: number;
  seed: number;
  concurrency: number;
}

function parseArgs(argv: readonly string[]): Args {
  const out: Args = { url: 'http://127.0.0.1:8080', scenario: 'stable', n: 20_000, batch: 50, seed: 1, concurrency: 8 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a}: missing value`);
    const int = (): number => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${a}: must be a positive integer, got "${v}"`);
      return Number(v);
    };
    if (a === '--url') out.url = v.replace(/\/$/, '');
    else if (a === '--scenario') out.scenario = v;
    else if (a === '--n') out.n = int();
    else if (a === '--batch') out.batch = int();
    else if (a === '--seed') out.seed = int();
    else if (a === '--concurrency') out.concurrency = int();
    else throw new Error(`unknown argument "${a}"; known: --url --scenario --n --batch --seed --concurrency`);
  }
  if (!isScenarioName(out.scenario)) throw new Error(`--scenario: unknown "${out.scenario}"; known: ${SCENARIO_NAMES.join(', ')}`);
  return out;
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '  n/a').padStart(6);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let url = args.url;
  let embedded: Router | undefined;
  if (!(await reachable(url))) {
    embedded = await createRouter(loadConfig({ PORT: '0', LOG_LEVEL: 'warn' }));
    url = (await embedded.listen()).replace(/\/$/, '');
    process.stdout.write(`no router at ${args.url}; started one in-process at ${url} (policy ${embedded.state.policy.name}, embedded bus and store)\n`);
  }
  const world = createWorld(args.scenario, { horizon: args.n });
  const rule = world.bestStaticRoute();
  const policy = ((await (await fetch(`${url}/readyz`)).json()) as { policy?: { name?: string } }).policy?.name ?? '?';
  process.stdout.write(
    `demo: ${args.n} payments of scenario "${args.scenario}" (seed ${args.seed}) through ${url} (policy ${policy}), outcomes reported every ${args.batch}\n` +
      `best static route: ${rule.priority.join(' > ')}   (approval is the ground-truth probability of the chosen route)\n\n` +
      `${'payments'.padStart(9)}  ${'router'.padStart(6)}  ${'static'.padStart(6)}  ${'oracle'.padStart(6)}  ${'gap captured'.padStart(12)}   last window: router / static / oracle  (gap captured)\n`,
  );
  let stop = false;
  process.on('SIGINT', () => {
    stop = true;
  });
  let lastPrint = 0;
  const line = (t: Readonly<TrafficTotals>, w: Readonly<TrafficTotals>): string =>
    `${t.n.toLocaleString('en-US').padStart(9)}  ${pct(t.served / t.n)}  ${pct(t.static / t.n)}  ${pct(t.oracle / t.n)}  ${pct(gapShare(t)).padStart(12)}   ${pct(w.served / w.n)} / ${pct(w.static / w.n)} / ${pct(w.oracle / w.n)}  (${pct(gapShare(w)).trim()})`;
  const windowAcc = { n: 0, approvals: 0, served: 0, static: 0, oracle: 0, reported: 0 };
  const started = Date.now();
  const totals = await driveTraffic({
    world,
    client: httpClient(url),
    n: args.n,
    seed: args.seed,
    batch: args.batch,
    runId: `demo-${randomBytes(4).toString('hex')}`,
    staticRule: rule,
    concurrency: args.concurrency,
    shouldStop: () => stop,
    onBatch: (t, w) => {
      for (const k of ['n', 'approvals', 'served', 'static', 'oracle', 'reported'] as const) windowAcc[k] += w[k];
      if (Date.now() - lastPrint >= 1000) {
        process.stdout.write(line(t, windowAcc) + '\n');
        lastPrint = Date.now();
        for (const k of Object.keys(windowAcc) as (keyof typeof windowAcc)[]) windowAcc[k] = 0;
      }
    },
  });
  process.stdout.write(
    `\ndone: ${totals.n} payments in ${((Date.now() - started) / 1000).toFixed(1)} s; router ${pct(totals.served / totals.n).trim()} vs static ${pct(totals.static / totals.n).trim()} vs oracle ${pct(totals.oracle / totals.n).trim()}: ` +
      `${pct(gapShare(totals)).trim()} of the static-to-oracle gap captured (realised approvals ${pct(totals.approvals / totals.n).trim()})\n`,
  );
  await embedded?.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
