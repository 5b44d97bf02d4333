/**
 * The served-gap experiment: on the simulator's payments world, how much of the gap between the best
 * single (static) route and the oracle does each route policy capture when SERVED by the router? Each
 * policy runs in its own in-process router (embedded bus and store, the same code as `npm start`):
 * transactions go through POST /v1/route, their outcomes are reported through POST /v1/outcomes in
 * batches (delayed feedback) and applied from the outcome stream. Shares use the ground-truth approval
 * probability of the chosen route (lower variance than realised approvals).
 *
 *   npx tsx scripts/served-gap.ts [--scenario stable] [--n 20000] [--batch 50] [--seed 1] [--seeds 1] [--policies a,b]
 *       [--blame off|issuer|JSON] [--params JSON] [--json | --markdown]
 *
 * `--seeds K` runs seeds seed, seed + 1, ..., seed + K - 1 (world and ROUTER_SEED) and reports the mean share with
 * its standard deviation, min and max over seeds; `--blame` sets the router's ROUTE_BLAME (default off); `--params`
 * creates every listed policy with a JSON object of its params, as the router's ROUTE_POLICY_PARAMS (structural
 * ones such as `features` and `dimension` included; a param the policy does not have is an error naming it).
 */
import { POLICY_NAMES } from '../policies/registry.ts';
import { createProgress } from '../simulator/report/progress.ts';
import { renderTable, formatPercent } from '../simulator/report/table.ts';
import { spreadOf } from '../simulator/online/spread.ts';
import { createWorld, isScenarioName, SCENARIO_NAMES } from '../simulator/worlds/index.ts';
import { loadConfig } from '../src/config.ts';
import { inProcessClient } from '../src/demo/in-process-client.ts';
import { driveTraffic, gapShare, type TrafficTotals } from '../src/demo/traffic.ts';
import { createRouter } from '../src/router.ts';

const RETRY_ONLY = new Set(['fixed']);

function parseArgs(argv: readonly string[]): { scenario: string; n: number; batch: number; seed: number; seeds: number; blame: string; params: string | undefined; policies: string[]; json: boolean; markdown: boolean } {
  const out: ReturnType<typeof parseArgs> = { scenario: 'stable', n: 20_000, batch: 50, seed: 1, seeds: 1, blame: 'off', params: undefined, policies: POLICY_NAMES.filter((p) => !RETRY_ONLY.has(p) && !p.startsWith('retry')), json: false, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    const need = (): string => {
      if (v === undefined) throw new Error(`${a}: missing value`);
      i++;
      return v;
    };
    const int = (name: string, s: string): number => {
      if (!/^\d+$/.test(s) || Number(s) < 1) throw new Error(`${name}: must be a positive integer, got "${s}"`);
      return Number(s);
    };
    if (a === '--scenario') out.scenario = need();
    else if (a === '--n') out.n = int('--n', need());
    else if (a === '--batch') out.batch = int('--batch', need());
    else if (a === '--seed') out.seed = int('--seed', need());
    else if (a === '--seeds') out.seeds = int('--seeds', need());
    else if (a === '--blame') out.blame = need();
    else if (a === '--params') out.params = need();
    else if (a === '--policies') out.policies = need().split(',').filter(Boolean);
    else if (a === '--json') out.json = true;
    else if (a === '--markdown') out.markdown = true;
    else throw new Error(`unknown argument "${a}"; known: --scenario --n --batch --seed --seeds --blame --params --policies --json --markdown`);
  }
  if (!isScenarioName(out.scenario)) throw new Error(`--scenario: unknown "${out.scenario}"; known: ${SCENARIO_NAMES.join(', ')}`);
  for (const p of out.policies) if (!POLICY_NAMES.includes(p)) throw new Error(`--policies: unknown policy "${p}"; known: ${POLICY_NAMES.join(', ')}`);
  return out;
}

async function runPolicy(policy: string, args: ReturnType<typeof parseArgs>, seed: number): Promise<TrafficTotals & { seconds: number; observations: number; decisionUs: number }> {
  const world = createWorld(args.scenario, { horizon: args.n });
  const env: Record<string, string> = { PORT: '0', LOG_LEVEL: 'silent', ROUTE_POLICY: policy, ROUTER_SEED: String(seed), ROUTE_BLAME: args.blame };
  if (args.params !== undefined) env['ROUTE_POLICY_PARAMS'] = args.params; // checked by loadConfig, naming the param
  const router = await createRouter(loadConfig(env));
  await router.startLearning();
  while (!router.learner.loaded) await new Promise((r) => setTimeout(r, 5));
  const bar = createProgress({ label: `served-gap ${policy} seed ${seed}`, total: args.n, stream: process.stderr, isTTY: process.stderr.isTTY === true, unit: 'tx' });
  const started = performance.now();
  let last = 0;
  const totals = await driveTraffic({
    world,
    client: inProcessClient(router),
    n: args.n,
    seed,
    batch: args.batch,
    runId: `gap-${policy}`,
    onBatch: (t) => {
      bar.tick(t.n - last);
      last = t.n;
    },
  });
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const observations = router.state.policy.observations;
  // the router's own time per decision (router_decision_duration_seconds): sum / count
  const hist = (await router.metrics.decisionDuration.get()).values;
  const sum = hist.find((v) => v.metricName === 'router_decision_duration_seconds_sum')?.value ?? NaN;
  const count = hist.find((v) => v.metricName === 'router_decision_duration_seconds_count')?.value ?? NaN;
  await router.close();
  return { ...totals, seconds, observations, decisionUs: (1e6 * sum) / count };
}

interface Row {
  readonly policy: string;
  readonly seed: number;
  readonly share: number;
  readonly served: number;
  readonly static: number;
  readonly oracle: number;
  readonly realised: number;
  readonly observations: number;
  readonly decisionUs: number;
  readonly seconds: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rule = createWorld(args.scenario, { horizon: args.n }).bestStaticRoute();
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.seed + i);
  const rows: Row[] = [];
  for (const policy of args.policies) {
    for (const seed of seeds) {
      const t = await runPolicy(policy, args, seed);
      rows.push({ policy, seed, share: gapShare(t), served: t.served / t.n, static: t.static / t.n, oracle: t.oracle / t.n, realised: t.approvals / t.n, observations: t.observations, decisionUs: t.decisionUs, seconds: t.seconds });
    }
  }
  const summary = args.policies.map((policy) => {
    const mine = rows.filter((r) => r.policy === policy);
    const mean = (f: (r: Row) => number): number => mine.reduce((a, r) => a + f(r), 0) / mine.length;
    return { policy, share: spreadOf(mine.map((r) => r.share)), served: mean((r) => r.served), static: mean((r) => r.static), oracle: mean((r) => r.oracle), realised: mean((r) => r.realised), observations: mean((r) => r.observations), decisionUs: mean((r) => r.decisionUs), seconds: mean((r) => r.seconds) };
  });
  if (args.json) {
    process.stdout.write(JSON.stringify({ scenario: args.scenario, n: args.n, batch: args.batch, seed: args.seed, seeds, blame: args.blame, params: args.params === undefined ? null : (JSON.parse(args.params) as unknown), staticPriority: rule.priority, summary, rows }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    `served-gap: scenario ${args.scenario}, ${args.n} transactions, outcomes reported in batches of ${args.batch}, seed${seeds.length > 1 ? `s ${seeds[0]}..${seeds[seeds.length - 1]}` : ` ${args.seed}`}, blame ${args.blame}${args.params !== undefined ? `, params ${args.params}` : ''}\n` +
      `best static route priority: ${rule.priority.join(' > ')}\n\n`,
  );
  const many = seeds.length > 1;
  const columns = [
    { header: 'policy' },
    { header: many ? 'gap captured (mean ± sd)' : 'gap captured', align: 'right' as const },
    ...(many ? [{ header: 'min..max', align: 'right' as const }] : []),
    { header: 'served E[approval]', align: 'right' as const },
    { header: 'best static', align: 'right' as const },
    { header: 'oracle', align: 'right' as const },
    { header: 'realised approval', align: 'right' as const },
    { header: 'outcomes learned', align: 'right' as const },
    { header: 'router µs/decision', align: 'right' as const },
    { header: 'seconds', align: 'right' as const },
  ];
  process.stdout.write(
    renderTable(
      columns,
      summary.map((r) => [
        r.policy,
        many ? `${formatPercent(r.share.mean, 1)} ± ${(100 * r.share.sd).toFixed(1)}` : formatPercent(r.share.mean, 1),
        ...(many ? [`${formatPercent(r.share.min, 1)}..${formatPercent(r.share.max, 1)}`] : []),
        formatPercent(r.served),
        formatPercent(r.static),
        formatPercent(r.oracle),
        formatPercent(r.realised),
        Math.round(r.observations),
        r.decisionUs.toFixed(0),
        r.seconds.toFixed(1),
      ]),
      args.markdown ? { style: 'markdown' } : {},
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`served-gap: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
