/**
 * `router-sim simulate --scenario NAME --policy POLICY[,POLICY...] --n N`: runs policies online against a
 * synthetic payments world with known ground truth (simulator/worlds) and reports approval rate, regret
 * against the oracle and net revenue, over `--seeds K` seeds (mean and 95% interval), with the oracle and
 * the best static routing rule as reference lines.
 *
 * Output: a table on stdout; `--json` prints one JSON object instead (the full ExperimentResult: summaries
 * with spread over seeds, curves, calibration); `--html FILE` also writes a self-contained HTML report.
 * Progress goes to stderr. The same options and `--seed` always give the same numbers (except the
 * policy-time column, which is wall time).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../../../policies/errors.ts';
import { isPolicyName, POLICY_NAMES } from '../../../policies/registry.ts';
import { groundTruthValue, instantiatePolicy, isReferencePolicyName, REFERENCE_POLICY_NAMES, runExperiment, spreadOf } from '../../online/index.ts';
import type { DecisionLogSink, ExperimentResult, PolicySpec } from '../../online/index.ts';
import { createProgress } from '../../report/progress.ts';
import { renderSimulationHtml, renderSimulationTable } from '../../report/simulation.ts';
import { createWorld, isScenarioName, SCENARIO_NAMES } from '../../worlds/index.ts';
import { renderTable } from '../../report/table.ts';
import type { CliIo, OptionSpec } from '../args.ts';
import { flag, jsonObjectOption, listOption, numberOption, optionalString, parseOptions, requiredString, seedOption, usage } from '../args.ts';

export const SIMULATE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  scenario: { kind: 'string', help: `world scenario: ${SCENARIO_NAMES.join(', ')}` },
  policy: { kind: 'string', help: 'policy or comma-separated policies (registry names; oracle and best-static are added as references)' },
  n: { kind: 'string', help: 'transactions per seed (default 20000)' },
  seeds: { kind: 'string', help: 'number of seeds, run as SEED, SEED+1, ... (default 1)' },
  seed: { kind: 'string', help: 'first seed (default 1): same seed, same output' },
  batch: { kind: 'string', help: 'apply outcomes to the policies in batches of B transactions (default 1)' },
  params: { kind: 'string', help: 'policy params as JSON {"policy": {...}} (or @FILE)' },
  'no-references': { kind: 'boolean', help: 'do not add the oracle and best-static reference lines' },
  points: { kind: 'string', help: 'points of the curves (default 100)' },
  margin: { kind: 'string', help: 'merchant margin on approved amounts for net revenue (default 0.10)' },
  'mean-delay': { kind: 'string', help: 'scenario delayed: mean outcome delay in transactions (default 1% of n, at least 20)' },
  json: { kind: 'boolean', help: 'print one JSON object on stdout instead of the table' },
  markdown: { kind: 'boolean', help: 'print the table as Markdown' },
  html: { kind: 'string', help: 'also write a self-contained HTML report (plots, calibration) to this file' },
  'log-out': { kind: 'string', help: 'write the first policy\'s decisions and outcomes on the first seed as a router decision log (JSONL)' },
  frozen: { kind: 'boolean', help: 'no learning: print each policy\'s exact ground-truth expected approval on the same payments (the yardstick for ope on a --log-out log)' },
  quiet: { kind: 'boolean', help: 'no progress output' },
};

function policySpecs(names: readonly string[], params: Record<string, unknown> | undefined, references: boolean): PolicySpec[] {
  const known = [...POLICY_NAMES, ...REFERENCE_POLICY_NAMES];
  for (const name of names) {
    if (!isPolicyName(name) && !isReferencePolicyName(name)) throw new InvalidArgumentError('--policy', `unknown policy "${name}"; known: ${known.join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('--policy', `a policy is listed twice in "${names.join(',')}"`);
  for (const key of Object.keys(params ?? {})) {
    if (!names.includes(key)) throw new InvalidArgumentError('--params', `params given for "${key}", which is not in --policy`);
  }
  const all = [...names, ...(references ? REFERENCE_POLICY_NAMES.filter((r) => !names.includes(r)) : [])];
  return all.map((name) => {
    const p = params?.[name];
    if (p === undefined) return { name };
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new InvalidArgumentError('--params', `params of "${name}" must be a JSON object`);
    return { name, params: p as Record<string, unknown> };
  });
}

/** A synchronous, buffered file sink (the simulation loop is synchronous; memory stays bounded). */
function openLogSink(path: string): DecisionLogSink & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new InvalidArgumentError('--log-out', `cannot write ${path}: ${(e as Error).message}`);
  }
  let buffer: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (buffer.length) writeSync(fd, buffer.join(''));
    buffer = [];
    size = 0;
  };
  return {
    write(line) {
      buffer.push(line);
      size += line.length;
      if (size >= 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

/** Plain JSON of the result (NaN -> null). */
export function simulationJson(result: ExperimentResult): string {
  return JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

export async function runSimulate(argv: readonly string[], io: CliIo): Promise<number> {
  const o = parseOptions('simulate', argv, SIMULATE_OPTIONS);
  if (flag(o, 'help')) {
    io.stdout.write(`${usage('simulate', '--scenario NAME --policy POLICY[,POLICY...] --n N [options]', SIMULATE_OPTIONS)}\npolicies: ${[...POLICY_NAMES, ...REFERENCE_POLICY_NAMES].join(', ')}\n`);
    return 0;
  }
  const scenario = requiredString(o, 'scenario');
  if (!isScenarioName(scenario)) throw new InvalidArgumentError('--scenario', `unknown scenario "${scenario}"; known: ${SCENARIO_NAMES.join(', ')}`);
  const names = listOption(o, 'policy');
  if (!names) throw new InvalidArgumentError('--policy', 'is required');
  const specs = policySpecs(names, jsonObjectOption(o, 'params'), !flag(o, 'no-references'));
  const n = numberOption(o, 'n', 20_000, 1, 100_000_000, true);
  const seeds = numberOption(o, 'seeds', 1, 1, 1000, true);
  const seed = seedOption(o);
  const batch = numberOption(o, 'batch', 1, 1, 100_000_000, true);
  const points = numberOption(o, 'points', 100, 1, 10_000, true);
  const marginRate = numberOption(o, 'margin', 0.1, 0, 1);
  const meanDelayRaw = optionalString(o, 'mean-delay');
  const meanDelay = meanDelayRaw === undefined ? undefined : numberOption(o, 'mean-delay', 0, 0, 1e9);
  if (meanDelay !== undefined && scenario !== 'delayed') throw new InvalidArgumentError('--mean-delay', 'only applies to --scenario delayed');
  const json = flag(o, 'json');
  const html = optionalString(o, 'html');
  const logOut = optionalString(o, 'log-out');
  const sink = logOut === undefined ? undefined : openLogSink(logOut);

  if (flag(o, 'frozen')) {
    for (const name of ['html', 'log-out', 'batch', 'points', 'markdown']) {
      if (o[name] !== undefined) throw new InvalidArgumentError(`--${name}`, 'does not apply with --frozen');
    }
    const world = createWorld(scenario, { horizon: n, marginRate, ...(meanDelay !== undefined && { meanDelay }) });
    const seedList = Array.from({ length: seeds }, (_, i) => seed + i);
    const bar = createProgress({ label: `simulate --frozen ${scenario}`, total: specs.length * seeds, stream: io.stderr, isTTY: io.isTTY, enabled: !flag(o, 'quiet'), unit: 'policy-seeds' });
    const values = specs.map((spec) => {
      const runs = seedList.map((s) => {
        const v = groundTruthValue(world, instantiatePolicy(spec, world), { n, seed: s });
        bar.tick();
        return v;
      });
      return { policy: spec.name, value: spreadOf(runs.map((r) => r.value)), standardError: runs.map((r) => r.standardError), oracleValue: spreadOf(runs.map((r) => r.oracleValue)) };
    });
    bar.finish();
    if (json) io.stdout.write(`${JSON.stringify({ scenario, n, seeds: seedList, frozen: true, policies: values })}\n`);
    else {
      const rows = values.map((v) => [v.policy, v.value.mean.toFixed(4), seeds > 1 ? `[${v.value.min.toFixed(4)}, ${v.value.max.toFixed(4)}]` : '', Math.max(...v.standardError).toFixed(4), v.oracleValue.mean.toFixed(4)]);
      io.stdout.write(renderTable([{ header: 'policy' }, { header: 'expected approval', align: 'right' }, { header: 'min..max over seeds', align: 'right' }, { header: 's.e.', align: 'right' }, { header: 'oracle', align: 'right' }], rows, { title: `scenario ${scenario}: ground-truth value of each policy as it is (no learning), ${n.toLocaleString('en-US')} payments x ${seeds} seed(s) from ${seed}` }));
    }
    return 0;
  }

  const progress = createProgress({ label: `simulate ${scenario}`, total: n * specs.length * seeds, stream: io.stderr, isTTY: io.isTTY, enabled: !flag(o, 'quiet'), unit: 'decisions' });
  let result: ExperimentResult;
  try {
    result = runExperiment({
      scenario,
      policies: specs,
      n,
      seeds,
      seed,
      batch,
      points,
      world: { marginRate, ...(meanDelay !== undefined && { meanDelay }) },
      progress,
      onSeed: (s) => progress.setLabel(`simulate ${scenario} seed ${s}`),
      ...(sink && { decisionLog: { policy: specs[0]!.name, sink } }),
    });
  } finally {
    progress.finish();
    sink?.close();
  }
  if (logOut !== undefined) io.stderr.write(`decision log of ${specs[0]!.name} (seed ${seed}) written to ${logOut}\n`);

  if (json) io.stdout.write(`${simulationJson(result)}\n`);
  else io.stdout.write(renderSimulationTable(result, flag(o, 'markdown') ? 'markdown' : 'box'));
  if (html !== undefined) {
    const command = `router-sim simulate ${argv.map((a) => (/^[\w.,/@=:-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ')}`;
    try {
      await writeFile(html, renderSimulationHtml(result, { command }));
    } catch (e) {
      throw new InvalidArgumentError('--html', `cannot write ${html}: ${(e as Error).message}`);
    }
    io.stderr.write(`HTML report written to ${html}\n`);
  }
  return 0;
}
