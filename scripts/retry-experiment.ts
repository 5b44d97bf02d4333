/**
 * Retry experiment: recovered share of soft declines, fees and rule violations per retry policy against
 * the fixed schedule and the oracle, in the retry world's scenarios, over several seeds (mean ± standard
 * deviation, and min..max). Progress on stderr; the table on stdout (`--markdown` for the README, `--json`
 * for machines).
 *
 *   npx tsx scripts/retry-experiment.ts [--scenario mixed|subscriptions|issuer-outage|all] [--payments 20000]
 *       [--seeds 5] [--policies thompson,linucb,fixed,oracle] [--markdown] [--json]
 */

import { parseArgs } from 'node:util';
import { isRetryPolicyName } from '../policies/retry/factory.ts';
import { runRetrySimulation, type RetryRunResult } from '../simulator/online/retry-runner.ts';
import { createProgress } from '../simulator/report/progress.ts';
import { formatNumber, formatPercent, renderTable } from '../simulator/report/table.ts';
import { createRetryWorld, RETRY_SCENARIO_NAMES } from '../simulator/worlds/retry/world.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'mixed' },
    payments: { type: 'string', default: '20000' },
    seeds: { type: 'string', default: '5' },
    policies: { type: 'string', default: 'thompson,linucb,fixed,random,oracle' },
    markdown: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

function positiveInt(option: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${option}: must be a positive integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const payments = positiveInt('--payments', values.payments);
const seeds = positiveInt('--seeds', values.seeds);
const scenarios = values.scenario === 'all' ? [...RETRY_SCENARIO_NAMES] : [values.scenario];
for (const s of scenarios) {
  if (!(RETRY_SCENARIO_NAMES as readonly string[]).includes(s)) {
    process.stderr.write(`--scenario: unknown "${s}"; known: ${RETRY_SCENARIO_NAMES.join(', ')}, all\n`);
    process.exit(2);
  }
}
const requested = values.policies.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
const policies = requested.filter((p) => p === 'oracle' || isRetryPolicyName(p));
for (const p of requested) if (!policies.includes(p)) process.stderr.write(`skipping policy "${p}": not in the registry\n`);

const bar = createProgress({
  label: 'retry experiment',
  total: scenarios.length * policies.length * seeds * payments,
  stream: process.stderr,
  isTTY: process.stderr.isTTY === true,
  unit: 'payments',
});

interface Row {
  readonly scenario: string;
  readonly policy: string;
  readonly runs: readonly RetryRunResult[];
}

const rows: Row[] = [];
for (const scenario of scenarios) {
  for (const policy of policies) {
    const runs: RetryRunResult[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      bar.setLabel(`retry ${scenario} ${policy} seed ${seed}`);
      const world = createRetryWorld(scenario, { payments });
      runs.push(runRetrySimulation({ world, policy, seed, progress: bar }));
    }
    rows.push({ scenario, policy, runs });
  }
}
bar.finish();

const stat = (xs: readonly number[]): { mean: number; sd: number; min: number; max: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
};

if (values.json) {
  process.stdout.write(
    `${JSON.stringify(
      rows.map((r) => ({
        scenario: r.scenario,
        policy: r.policy,
        recoveredShare: stat(r.runs.map((x) => x.recoveredShare)),
        retriesPerSoftDecline: stat(r.runs.map((x) => x.retries / Math.max(1, x.softDeclines))),
        feesEur: stat(r.runs.map((x) => x.feesEur)),
        netEur: stat(r.runs.map((x) => x.netEur)),
        meanHoursToRecovery: stat(r.runs.map((x) => x.meanHoursToRecovery)),
        violations: r.runs.reduce((a, x) => a + x.violations, 0),
        runs: r.runs,
      })),
    )}\n`,
  );
} else {
  for (const scenario of scenarios) {
    const mine = rows.filter((r) => r.scenario === scenario);
    const soft = stat(mine[0]?.runs.map((x) => x.softDeclines) ?? [0]);
    const table = renderTable(
      [
        { header: 'policy' },
        { header: 'recovered share of soft declines (mean ± sd)', align: 'right' },
        { header: 'min..max', align: 'right' },
        { header: 'retries / soft decline', align: 'right' },
        { header: 'retry fees (EUR)', align: 'right' },
        { header: 'net (EUR)', align: 'right' },
        { header: 'hours to recovery', align: 'right' },
        { header: 'rule violations', align: 'right' },
      ],
      mine.map((r) => {
        const share = stat(r.runs.map((x) => x.recoveredShare));
        return [
          r.policy,
          `${formatPercent(share.mean)} ± ${formatPercent(share.sd)}`,
          `${formatPercent(share.min)}..${formatPercent(share.max)}`,
          formatNumber(stat(r.runs.map((x) => x.retries / Math.max(1, x.softDeclines))).mean, 2),
          formatNumber(stat(r.runs.map((x) => x.feesEur)).mean, 0),
          formatNumber(stat(r.runs.map((x) => x.netEur)).mean, 0),
          formatNumber(stat(r.runs.map((x) => x.meanHoursToRecovery)).mean, 1),
          String(r.runs.reduce((a, x) => a + x.violations, 0)),
        ];
      }),
      {
        style: values.markdown ? 'markdown' : 'box',
        title: `retry scenario "${scenario}": ${payments.toLocaleString('en-US')} declined payments over 30 days (${formatNumber(soft.mean, 0)} soft), ${seeds} seeds, at most 3 retries per payment`,
      },
    );
    process.stdout.write(`${table}\n`);
  }
  const bad = rows.flatMap((r) => r.runs).find((x) => x.violations > 0);
  if (bad) {
    process.stderr.write(`RULE VIOLATION (${bad.policy}, seed ${bad.seed}): ${bad.firstViolation ?? ''}\n`);
    process.exitCode = 1;
  }
}
