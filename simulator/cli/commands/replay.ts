/**
 * `router-sim replay --log FILE --format FORMAT --policy POLICY`: the replay method (Li et al. 2011) over a
 * log: the policy's estimated mean reward over time (rejection sampling first when the logger is not
 * uniform). `--verify` (decision logs only): replay the router's own log bit-exactly and report every
 * decision the policy does not reproduce, with its line number (exit code 1 if any).
 */
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../../../policies/errors.ts';
import { escapeHtml, htmlTable, linePlotSvg, renderHtmlDocument } from '../../report/html.ts';
import { parseLogFormat } from '../../logs/index.ts';
import { type ReplayReport, type VerifyReport, replayPolicy, verifyDecisionLog } from '../../replay/index.ts';
import { formatInterval, formatNumber, renderTable } from '../../report/table.ts';
import { parseSnapshot } from '../../target/index.ts';
import {
  type CliIo,
  type OptionSpec,
  LOG_INPUT_OPTIONS,
  flag,
  jsonFileOption,
  jsonObjectOption,
  listOption,
  numberOption,
  optionalString,
  parseOptions,
  requiredString,
  seedOption,
  usage,
} from '../args.ts';
import { fileProgress } from '../progress-io.ts';

export const REPLAY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...LOG_INPUT_OPTIONS,
  policy: { kind: 'string', help: 'route policy to replay (with --verify: default the log\'s)' },
  html: { kind: 'string', help: 'also write a self-contained HTML report to FILE (replay method)' },
  seed: { kind: 'string', help: 'seed of the policy\'s decisions and of rejection sampling (default 1; --verify uses the log\'s seeds)' },
  params: { kind: 'string', help: 'policy params as JSON (or @FILE)' },
  snapshot: { kind: 'string', help: 'start from this policy snapshot (JSON file)' },
  rejection: { kind: 'string', help: 'auto (default: when the logger is not uniform), on, off' },
  'accept-scale': { kind: 'string', help: 'c of rejection sampling, rows kept with probability c/propensity (default: the smallest propensity)' },
  points: { kind: 'string', help: 'points of the mean-reward-over-time series (default 20)' },
  'propensity-fields': { kind: 'string', help: 'context fields bucketing estimated propensities' },
  verify: { kind: 'boolean', help: 'jsonl only: replay the decision log bit-exactly from its seeds and report mismatches' },
  kind: { kind: 'string', help: 'jsonl: which decisions, route (default) or retry' },
};

export async function runReplay(argv: readonly string[], io: CliIo): Promise<number> {
  const o = parseOptions('replay', argv, REPLAY_OPTIONS);
  if (flag(o, 'help')) {
    io.stdout.write(usage('replay', '--log FILE --format FORMAT --policy POLICY [options]', REPLAY_OPTIONS));
    return 0;
  }
  const file = requiredString(o, 'log');
  const format = parseLogFormat(requiredString(o, 'format'));
  const json = flag(o, 'json');
  const quiet = flag(o, 'quiet');
  const params = jsonObjectOption(o, 'params');
  const snapshotJson = jsonFileOption(o, 'snapshot');
  const snapshot = snapshotJson ? parseSnapshot('--snapshot', snapshotJson) : undefined;
  let badShown = 0;
  const onBadRow = (bad: { line: number; message: string }): void => {
    if (badShown++ < 5) io.stderr.write(`warning: ${file}:${bad.line}: skipped: ${bad.message}\n`);
  };

  if (flag(o, 'verify')) {
    if (format !== 'jsonl') throw new InvalidArgumentError('--verify', 'needs --format jsonl (the router\'s decision log)');
    const policy = optionalString(o, 'policy');
    const progress = fileProgress(io, 'replay --verify', quiet);
    let report: VerifyReport;
    try {
      report = await verifyDecisionLog({
        file,
        ...(policy ? { policy } : {}),
        ...(params ? { params } : {}),
        ...(snapshot ? { snapshot } : {}),
        kind: optionalString(o, 'kind') ?? 'route',
        onProgress: progress.onBytes,
        onBadRow,
      });
    } finally {
      progress.finish();
    }
    io.stdout.write(json ? `${JSON.stringify(report)}\n` : renderVerifyReport(report));
    return report.mismatched === 0 ? 0 : 1;
  }

  const policy = requiredString(o, 'policy');
  const htmlFile = optionalString(o, 'html');
  const rejection = optionalString(o, 'rejection') ?? 'auto';
  if (rejection !== 'auto' && rejection !== 'on' && rejection !== 'off') throw new InvalidArgumentError('--rejection', `expected auto, on or off, got "${rejection}"`);
  const acceptScale = optionalString(o, 'accept-scale') === undefined ? undefined : numberOption(o, 'accept-scale', 1, Number.MIN_VALUE, 1);
  const fields = listOption(o, 'propensity-fields');
  const scan = fileProgress(io, `replay ${policy}: pass 1/2 (scan)`, quiet);
  const run = fileProgress(io, `replay ${policy}: pass 2/2 (replay)`, quiet);
  let report: ReplayReport;
  try {
    report = await replayPolicy({
      file,
      format,
      policy,
      seed: seedOption(o),
      rejection,
      points: numberOption(o, 'points', 20, 1, 10_000, true),
      kind: optionalString(o, 'kind') ?? 'route',
      ...(acceptScale !== undefined ? { acceptScale } : {}),
      ...(params ? { params } : {}),
      ...(snapshot ? { snapshot } : {}),
      ...(fields ? { propensityFields: fields } : {}),
      onProgress: (pass, b, t) => {
        if (pass === 'scan') scan.onBytes(b, t);
        else {
          scan.finish();
          run.onBytes(b, t);
        }
      },
      onBadRow,
    });
  } finally {
    scan.finish();
    run.finish();
  }
  io.stdout.write(json ? `${JSON.stringify(report)}\n` : renderReplayReport(report));
  if (htmlFile !== undefined) {
    try {
      await writeFile(htmlFile, renderReplayHtml(report, ['router-sim', 'replay', ...argv].join(' ')));
    } catch (e) {
      throw new InvalidArgumentError('--html', `cannot write ${htmlFile}: ${(e as Error).message}`);
    }
  }
  return 0;
}

/** Self-contained HTML: the running mean reward (with the logging policy's mean as reference) and a summary. */
export function renderReplayHtml(r: ReplayReport, commandLine: string): string {
  const pts = r.series.filter((p) => Number.isFinite(p.value));
  const plot = linePlotSvg({
    title: `Replay of ${r.policy.name}: mean reward of matched rows so far`,
    xLabel: 'log rows read',
    yLabel: 'mean reward',
    series: [
      { name: r.policy.name, x: pts.map((p) => p.row), y: pts.map((p) => p.value) },
      { name: 'logging policy', x: [0, r.n], y: [r.logged, r.logged], dashed: true },
    ],
  });
  const fmt = (x: number): string => formatNumber(x, 5);
  const table = htmlTable(
    [{ header: '' }, { header: 'value', align: 'right' }],
    [
      ['method', r.method],
      ['why', r.methodReason],
      ['rows read', r.n.toLocaleString('en-US')],
      ['rows kept', r.accepted.toLocaleString('en-US')],
      ['rows matched', r.matched.toLocaleString('en-US')],
      ['estimated mean reward [95% CI]', formatInterval(r.estimate.value, r.estimate.ci95[0], r.estimate.ci95[1], fmt)],
      ['logging policy mean reward', fmt(r.logged)],
    ],
  );
  return renderHtmlDocument({
    title: `Replay: ${r.policy.name}`,
    subtitle: `${r.log.file} (${r.log.format}), seed ${r.seed}`,
    sections: [
      { heading: 'Mean reward over time', html: plot + table },
      ...(r.warnings.length ? [{ heading: 'Caution', html: `<ul>${r.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` }] : []),
    ],
    footer: `<code>${escapeHtml(commandLine)}</code>`,
  });
}

export function renderReplayReport(r: ReplayReport): string {
  const fmt = (x: number): string => formatNumber(x, 5);
  let out = `${r.method} of ${r.policy.name} (${r.policy.version}) over ${r.n.toLocaleString('en-US')} rows of ${r.log.file} (${r.log.format}), seed ${r.seed}\n`;
  out += `  why: ${r.methodReason}${r.acceptScale !== null ? `; acceptance scale c = ${r.acceptScale.toPrecision(4)}` : ''}\n`;
  out += `  rows kept ${r.accepted.toLocaleString('en-US')}, matched ${r.matched.toLocaleString('en-US')}\n`;
  out += `  estimated mean reward: ${formatInterval(r.estimate.value, r.estimate.ci95[0], r.estimate.ci95[1], fmt)}  (logging policy: ${fmt(r.logged)})\n\n`;
  out += renderTable(
    [{ header: 'log rows read' }, { header: 'matched' }, { header: 'mean reward so far' }],
    r.series.map((p) => [p.row.toLocaleString('en-US'), p.matched.toLocaleString('en-US'), fmt(p.value)]),
    { title: 'mean reward over time' },
  );
  if (r.warnings.length > 0) out += `\ncaution\n${r.warnings.map((w) => `  - ${w}\n`).join('')}`;
  return out;
}

export function renderVerifyReport(r: VerifyReport): string {
  let out = `bit-exact replay of ${r.kind} decisions by ${r.policy}: ${r.reproduced.toLocaleString('en-US')} of ${r.decisions.toLocaleString('en-US')} reproduced, ${r.mismatched} mismatched\n`;
  out += `  outcomes applied ${r.outcomesApplied.toLocaleString('en-US')}; skipped (other kind or policy) ${r.skipped}; decisions without outcome ${r.withoutOutcome}; bad lines ${r.bad}\n`;
  for (const m of r.mismatches) out += `  line ${m.line} (${m.decisionId}): ${m.field}: logged ${JSON.stringify(m.logged)}, replayed ${JSON.stringify(m.replayed)}\n`;
  if (r.mismatched > r.mismatches.length) out += `  ... and ${r.mismatched - r.mismatches.length} more\n`;
  for (const b of r.badSamples.slice(0, 5)) out += `  bad line ${b.line}: ${b.message}\n`;
  return out;
}
