/**
 * `router-sim ope --log FILE --format FORMAT --target POLICY [--json]`: off-policy estimates of POLICY's
 * mean reward from a log written by another policy (contract: "Offline evaluation").
 *
 * `--json` prints exactly one JSON object on stdout: `{ n, actions, estimates: { ips, snips, dm, dr, ... },
 * diagnostics }`, each estimate `{ value, ci95: [lo, hi] }`. Otherwise a table. Progress goes to stderr.
 */
import { writeFile } from 'node:fs/promises';
import { evaluateOffPolicy, type OpeReport } from '../../estimators/index.ts';
import { escapeHtml, htmlTable, intervalPlotSvg, paragraph, preformatted, renderHtmlDocument } from '../../report/html.ts';
import { parseLogFormat } from '../../logs/index.ts';
import { parseEncoderSpec } from '../../../policies/features/spec.ts';
import { InvalidArgumentError } from '../../../policies/errors.ts';
import { formatInterval, formatNumber, formatPercent, renderTable } from '../../report/table.ts';
import { empiricalTargetFromLog, parseSnapshot, targetNames, type TargetPolicy } from '../../target/index.ts';
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

export const OPE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...LOG_INPUT_OPTIONS,
  target: { kind: 'string', help: 'policy to evaluate: uniform or a route policy name' },
  html: { kind: 'string', help: 'also write a self-contained HTML report to FILE' },
  seed: { kind: 'string', help: 'seed of the bootstrap and of randomised targets (default 1)' },
  bootstrap: { kind: 'string', help: 'bootstrap replicates for the 95% intervals (default 200)' },
  clip: { kind: 'string', help: 'weight cap of clipped IPS (default 20)' },
  'switch-tau': { kind: 'string', help: 'weight threshold of switch-DR (default 20)' },
  folds: { kind: 'string', help: 'cross-fitting folds of the reward model (default 2)' },
  ridge: { kind: 'string', help: 'ridge penalty of the reward model (default 1)' },
  'train-rows': { kind: 'string', help: 'train a learning target on the first N rows, evaluate on the rest (default 0)' },
  params: { kind: 'string', help: 'target policy params as JSON (or @FILE)' },
  'target-log': { kind: 'string', help: 'with --target empirical: the log whose action frequencies define the target' },
  'target-format': { kind: 'string', help: 'format of --target-log (default: --format)' },
  'target-fields': { kind: 'string', help: 'with --target empirical: context fields the frequencies condition on (default: position for obd, none otherwise)' },
  snapshot: { kind: 'string', help: 'start the target from this policy snapshot (JSON file)' },
  'propensity-fields': { kind: 'string', help: 'context fields bucketing estimated propensities (default: categorical fields)' },
  features: { kind: 'string', help: 'reward-model feature spec (JSON EncoderSpec file)' },
  kind: { kind: 'string', help: 'jsonl: evaluate route (default) or retry decisions' },
};

export async function runOpe(argv: readonly string[], io: CliIo): Promise<number> {
  const o = parseOptions('ope', argv, OPE_OPTIONS);
  if (flag(o, 'help')) {
    io.stdout.write(usage('ope', '--log FILE --format FORMAT --target POLICY [options]', OPE_OPTIONS) + `\ntargets: ${targetNames().join(', ')}\n`);
    return 0;
  }
  const file = requiredString(o, 'log');
  const format = parseLogFormat(requiredString(o, 'format'));
  const target = requiredString(o, 'target');
  const json = flag(o, 'json');
  const htmlFile = optionalString(o, 'html');
  const snapshotJson = jsonFileOption(o, 'snapshot');
  const features = jsonFileOption(o, 'features');
  const params = jsonObjectOption(o, 'params');
  const propensityFields = listOption(o, 'propensity-fields');
  let encoder;
  try {
    encoder = features ? parseEncoderSpec(features) : undefined;
  } catch (e) {
    throw new InvalidArgumentError('--features', (e as Error).message);
  }
  const quiet = flag(o, 'quiet');
  let targetPolicy: TargetPolicy | string = target;
  const targetLog = optionalString(o, 'target-log');
  if (target === 'empirical') {
    if (targetLog === undefined) throw new InvalidArgumentError('--target-log', 'is required with --target empirical');
    const targetFormat = parseLogFormat(optionalString(o, 'target-format') ?? format);
    const pre = fileProgress(io, 'ope empirical: reading --target-log', quiet);
    try {
      targetPolicy = await empiricalTargetFromLog(targetLog, targetFormat, listOption(o, 'target-fields') ?? (targetFormat === 'obd' ? ['position'] : []), pre.onBytes);
    } finally {
      pre.finish();
    }
  } else if (targetLog !== undefined) throw new InvalidArgumentError('--target-log', 'only with --target empirical');
  const fit = fileProgress(io, `ope ${target}: pass 1/2 (fit reward model)`, quiet);
  const est = fileProgress(io, `ope ${target}: pass 2/2 (estimate)`, quiet);
  let badShown = 0;
  let report: OpeReport;
  try {
    report = await evaluateOffPolicy({
      file,
      format,
      target: targetPolicy,
      seed: seedOption(o),
      bootstrap: numberOption(o, 'bootstrap', 200, 0, 100_000, true),
      clip: numberOption(o, 'clip', 20, Number.MIN_VALUE, Number.MAX_VALUE),
      switchTau: numberOption(o, 'switch-tau', 20, 0, Number.MAX_VALUE),
      folds: numberOption(o, 'folds', 2, 2, 20, true),
      ridge: numberOption(o, 'ridge', 1, Number.MIN_VALUE, Number.MAX_VALUE),
      trainRows: numberOption(o, 'train-rows', 0, 0, Number.MAX_SAFE_INTEGER, true),
      kind: optionalString(o, 'kind') ?? 'route',
      ...(params ? { targetParams: params } : {}),
      ...(snapshotJson ? { snapshot: parseSnapshot('--snapshot', snapshotJson) } : {}),
      ...(propensityFields ? { propensityFields } : {}),
      ...(encoder ? { encoder } : {}),
      onProgress: (pass, bytes, total) => {
        if (pass === 'fit') fit.onBytes(bytes, total);
        else {
          fit.finish();
          est.onBytes(bytes, total);
        }
      },
      onBadRow: (bad) => {
        if (badShown++ < 5) io.stderr.write(`warning: ${file}:${bad.line}: skipped: ${bad.message}\n`);
      },
    });
  } finally {
    fit.finish();
    est.finish();
  }
  if (report.diagnostics.log.bad > 5) io.stderr.write(`warning: ${report.diagnostics.log.bad} bad rows skipped in total\n`);
  if (report.diagnostics.log.propensities !== 'logged') {
    io.stderr.write(`note: logging propensities ${report.diagnostics.log.propensities === 'estimated' ? 'are missing from the log and were' : 'are missing on some rows and were'} estimated from the log (empirical action frequencies per context bucket)\n`);
  }
  if (json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(renderOpeReport(report));
  if (htmlFile !== undefined) await writeOpeHtml(htmlFile, report, ['router-sim', 'ope', ...argv].join(' '));
  return 0;
}

/** The terminal report: estimates with intervals, the log's own mean, diagnostics and warnings. */
export function renderOpeReport(r: OpeReport): string {
  const d = r.diagnostics;
  const fmt = (x: number): string => formatNumber(x, 5);
  const rows = Object.entries(r.estimates).map(([name, e]) => [name, formatInterval(e.value, e.ci95[0], e.ci95[1], fmt), d.estimators[name] ?? '']);
  rows.push(['(logged)', formatInterval(d.logging.value, d.logging.ci95[0], d.logging.ci95[1], fmt), 'on-policy mean reward of the logging policy']);
  const title = `${d.target.description}\nestimated on ${r.n.toLocaleString('en-US')} rows of ${d.log.file} (${d.log.format}), ${r.actions} actions, ${d.settings.bootstrap} bootstrap replicates, seed ${d.settings.seed}`;
  let out = renderTable([{ header: 'estimator' }, { header: 'value [95% CI]' }, { header: 'what' }], rows, { title });
  out += '\ndiagnostics\n';
  out += `  importance weights: mean ${formatNumber(d.weights.mean, 3)} (±${formatNumber(1.96 * d.weights.meanStdError, 3)}), min ${formatNumber(d.weights.min, 3)}, max ${formatNumber(d.weights.max, 3)}, ${formatPercent(d.weights.aboveClipShare)} above ${d.weights.clipThreshold}\n`;
  out += `  effective sample size: ${formatNumber(d.effectiveSampleSize, 0)} (${formatPercent(d.effectiveSampleFraction, 1)} of n)\n`;
  out += `  target mass on actions never logged: ${formatPercent(d.supportGap.unexplored)}; never logged in the same context bucket: ${formatPercent(d.supportGap.unexploredInContext)}`;
  out += d.supportGap.zeroLoggingProbability === null ? '\n' : `; with logging probability 0: ${formatPercent(d.supportGap.zeroLoggingProbability)}\n`;
  out += `  logging propensities: ${d.log.propensities}; smallest ${formatNumber(d.minPropensity, 4)}\n`;
  out += `  log: ${d.log.rows.toLocaleString('en-US')} good rows, ${d.log.bad} bad${d.log.unjoined ? `, ${d.log.unjoined} decisions without outcome` : ''}${d.log.trainRows ? `, first ${d.log.trainRows.toLocaleString('en-US')} used for training` : ''}\n`;
  for (const b of d.log.badSamples.slice(0, 5)) out += `    line ${b.line}: ${b.message}\n`;
  if (d.warnings.length > 0) {
    out += '\ncaution\n';
    for (const w of d.warnings) out += `  - ${w}\n`;
  }
  return out;
}

async function writeOpeHtml(file: string, report: OpeReport, commandLine: string): Promise<void> {
  try {
    await writeFile(file, renderOpeHtml(report, commandLine));
  } catch (e) {
    throw new InvalidArgumentError('--html', `cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Self-contained HTML: interval plot of every estimate against the logging policy's own mean, tables, caveats. */
export function renderOpeHtml(r: OpeReport, commandLine: string): string {
  const d = r.diagnostics;
  const fmt = (x: number): string => formatNumber(x, 5);
  const items = Object.entries(r.estimates).map(([name, e]) => ({ label: name, value: e.value, lo: e.ci95[0], hi: e.ci95[1] }));
  items.push({ label: '(logged policy)', value: d.logging.value, lo: d.logging.ci95[0], hi: d.logging.ci95[1], color: '#999' } as (typeof items)[number]);
  const plot = intervalPlotSvg({
    title: `Estimated mean reward of ${d.target.name} (95% intervals)`,
    items,
    xLabel: 'mean reward',
    reference: { value: d.logging.value, label: 'logging policy (on-policy)' },
    xFormat: fmt,
  });
  const table = htmlTable(
    [{ header: 'estimator' }, { header: 'value', align: 'right' }, { header: '95% CI', align: 'right' }, { header: 'what' }],
    Object.entries(r.estimates).map(([name, e]) => [name, fmt(e.value), `[${fmt(e.ci95[0])}, ${fmt(e.ci95[1])}]`, d.estimators[name] ?? '']),
  );
  const diagTable = htmlTable(
    [{ header: 'diagnostic' }, { header: 'value', align: 'right' }],
    [
      ['rows evaluated', r.n.toLocaleString('en-US')],
      ['actions', String(r.actions)],
      ['mean importance weight (about 1 when the logger covers the target)', `${formatNumber(d.weights.mean, 3)} ± ${formatNumber(1.96 * d.weights.meanStdError, 3)}`],
      ['min / max weight', `${formatNumber(d.weights.min, 3)} / ${formatNumber(d.weights.max, 3)}`],
      [`rows with weight above ${d.weights.clipThreshold}`, formatPercent(d.weights.aboveClipShare)],
      ['effective sample size', `${formatNumber(d.effectiveSampleSize, 0)} (${formatPercent(d.effectiveSampleFraction, 1)})`],
      ['target mass on actions never logged', formatPercent(d.supportGap.unexplored)],
      ['target mass on actions never logged in the context bucket', formatPercent(d.supportGap.unexploredInContext)],
      ['target mass where the logger had probability 0', d.supportGap.zeroLoggingProbability === null ? 'not logged' : formatPercent(d.supportGap.zeroLoggingProbability)],
      ['logging propensities', d.log.propensities],
      ['DM model standard error', formatNumber(d.dmModelStdError, 5)],
      ['bad rows skipped', String(d.log.bad)],
    ],
  );
  const sections = [
    { heading: 'Estimates', html: plot + table },
    { heading: 'Diagnostics', html: diagTable + (d.warnings.length ? `<h3>Caution</h3><ul>${d.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : paragraph('No diagnostic fired.')) },
  ];
  if (d.log.badSamples.length > 0) sections.push({ heading: 'Bad rows (first ones)', html: preformatted(d.log.badSamples.map((b) => `line ${b.line}: ${b.message}`).join('\n')) });
  return renderHtmlDocument({
    title: `Off-policy evaluation: ${d.target.name}`,
    subtitle: `${d.target.description}; ${r.n.toLocaleString('en-US')} rows of ${d.log.file} (${d.log.format}), ${d.settings.bootstrap} bootstrap replicates, seed ${d.settings.seed}`,
    sections,
    footer: `<code>${escapeHtml(commandLine)}</code>`,
  });
}
