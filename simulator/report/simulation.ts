/**
 * Reports of an on-policy simulation (`ExperimentResult` from `simulator/online`): the terminal/Markdown
 * table and the self-contained HTML report (approval, regret and revenue curves with their spread over
 * seeds, scenario events as markers, route shares, calibration per route with reliability diagrams).
 */
import type { CalibrationSummary } from '../calibration/index.ts';
import type { ExperimentResult, PolicySummary, Spread } from '../online/index.ts';
import type { ScenarioEvent } from '../worlds/index.ts';
import { htmlTable, paragraph, plotRow, preformatted, renderHtmlDocument } from './html.ts';
import { colorAt, intervalPlotSvg, linePlotSvg, reliabilitySvg } from './plots.ts';
import type { Marker } from './plots.ts';
import { formatNumber, renderTable } from './table.ts';
import type { TableCell, TableColumn } from './table.ts';

const MIN_BIN_COUNT = 30;

const pct = (x: number, d = 2): string => (Number.isFinite(x) ? `${(x * 100).toFixed(d)}%` : 'n/a');

/** "85.22% ±0.14" (95% interval half-width over seeds, in the same unit); just the mean with one seed. */
function spreadText(s: Spread, format: (x: number) => string, halfFormat: (x: number) => string = format): string {
  if (s.values.length < 2) return format(s.mean);
  return `${format(s.mean)} ±${halfFormat(s.hi95 - s.mean)}`;
}

export const SIMULATION_COLUMNS: readonly TableColumn[] = [
  { header: 'policy' },
  { header: 'approval', align: 'right' },
  { header: 'exp. approval', align: 'right' },
  { header: 'regret (approvals)', align: 'right' },
  { header: 'regret/tx', align: 'right' },
  { header: 'net EUR/tx', align: 'right' },
  { header: 'fees EUR/tx', align: 'right' },
  { header: 'Brier', align: 'right' },
  { header: 'ECE', align: 'right' },
  { header: 'us/tx', align: 'right' },
];

export function simulationRows(result: ExperimentResult): TableCell[][] {
  return result.policies.map((p) => [
    p.label,
    spreadText(p.approvalRate, (x) => pct(x), (x) => (x * 100).toFixed(2)),
    spreadText(p.expectedApprovalRate, (x) => pct(x), (x) => (x * 100).toFixed(2)),
    spreadText(p.regret, (x) => formatNumber(x, 1), (x) => formatNumber(x, 1)),
    spreadText(p.regretPerTx, (x) => pct(x, 2), (x) => (x * 100).toFixed(2)),
    spreadText(p.netRevenuePerTxEur, (x) => formatNumber(x, 3), (x) => formatNumber(x, 3)),
    formatNumber(p.feesPerTxEur.mean, 3),
    p.calibration ? p.calibration.overall.brier.toFixed(4) : 'n/a',
    p.calibration ? p.calibration.overall.ece.toFixed(4) : 'n/a',
    p.policyMicrosPerTx.toFixed(1),
  ]);
}

/** One-line description of the run: scenario, size, seeds, batch, oracle and best static rule. */
export function simulationTitle(result: ExperimentResult): string {
  const seeds = result.seeds.length === 1 ? `seed ${result.seeds[0]}` : `${result.seeds.length} seeds (${result.seeds[0]}..${result.seeds.at(-1)}), mean ±95% CI over seeds`;
  return `scenario ${result.scenario}: ${result.n.toLocaleString('en-US')} transactions, ${seeds}, outcomes in batches of ${result.batch}`;
}

/** The terminal table (or Markdown with style "markdown") with a short legend. */
export function renderSimulationTable(result: ExperimentResult, style: 'box' | 'markdown' = 'box'): string {
  const table = renderTable(SIMULATION_COLUMNS, simulationRows(result), { title: simulationTitle(result), style });
  const notes = [
    `${result.description}.`,
    `oracle approval ${pct(result.oracleApprovalRate.mean)}; best static rule ${result.bestStatic.priority.join(' > ')} (expected ${pct(result.bestStatic.expectedApproval)}).`,
    'regret = expected approvals lost against the oracle (ground-truth probabilities); net = approved amount x ' +
      `${result.marginRate} margin - acquirer fees; Brier/ECE: calibration of predict() against outcomes; us/tx: policy time per decision.`,
  ];
  return style === 'markdown' ? `${table}\n${notes.map((n) => `${n}`).join('  \n')}\n` : `${table}${notes.join('\n')}\n`;
}

export function eventMarkers(events: readonly ScenarioEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    if (e.kind === 'outage') out.push({ x: e.from, label: `${e.route} down` }, { x: e.to, label: `${e.route} back` });
    else if (e.kind === 'drift') out.push({ x: e.from, label: `${e.route} drift starts` }, { x: e.to, label: 'drift ends' });
    else if (e.kind === 'launch') out.push({ x: e.at, label: `${e.route} launched` });
  }
  return out;
}

function isReference(p: PolicySummary): boolean {
  return p.policy === 'oracle' || p.policy === 'best-static';
}

type Band = { readonly mean: readonly number[]; readonly min: readonly number[]; readonly max: readonly number[] };

/** Curves per policy; cumulative curves start from (0, 0). */
function curvePlot(result: ExperimentResult, title: string, yLabel: string, pick: (p: PolicySummary) => Band, yFormat: (y: number) => string, cumulative = false): string {
  const from0 = (xs: readonly number[]): readonly number[] => (cumulative ? [0, ...xs] : xs);
  return linePlotSvg({
    title,
    xLabel: 'transactions',
    yLabel,
    series: result.policies.map((p) => {
      const band = pick(p);
      return { name: p.label, x: from0(p.curves.t), y: from0(band.mean), ...(result.seeds.length > 1 && { lo: from0(band.min), hi: from0(band.max) }), dashed: isReference(p) };
    }),
    markers: eventMarkers(result.events),
    yFormat,
  });
}

function calibrationRows(p: PolicySummary): TableCell[][] {
  if (!p.calibration) return [];
  const row = (scope: string, s: CalibrationSummary): TableCell[] => [
    p.label, scope, s.count, pct(s.meanPredicted), pct(s.observedRate), s.brier.toFixed(4), s.ece.toFixed(4), s.mce.toFixed(4), s.meanAbsErrorVsTruth.toFixed(4),
  ];
  return [row('all routes', p.calibration.overall), ...Object.entries(p.calibration.routes).map(([route, s]) => row(route, s))];
}

/** The self-contained HTML report. `command` (optional) is shown so the report says how to rerun it. */
export function renderSimulationHtml(result: ExperimentResult, options: { command?: string } = {}): string {
  const routes = result.routes;
  const eventsText = result.events.length === 0 ? 'none' : result.events.map((e) => JSON.stringify(e)).join('; ');
  const summary = [
    paragraph(`${result.description}. Events (t = transaction index): ${eventsText}.`),
    paragraph(
      `Oracle approval ${pct(result.oracleApprovalRate.mean)}. Best static rule: ${result.bestStatic.priority.join(' > ')} ` +
        `(expected approval ${pct(result.bestStatic.expectedApproval)} over the timeline). Net revenue per transaction = ` +
        `approved amount x ${result.marginRate} margin - acquirer fees (EUR).`,
    ),
    htmlTable(SIMULATION_COLUMNS, simulationRows(result)),
    intervalPlotSvg({
      title: result.seeds.length > 1 ? 'Expected approval rate (mean and 95% interval over seeds)' : 'Expected approval rate',
      xLabel: 'approval probability of the chosen routes',
      items: result.policies.map((p) => ({ label: p.label, value: p.expectedApprovalRate.mean, lo: p.expectedApprovalRate.lo95, hi: p.expectedApprovalRate.hi95 })),
      reference: { value: result.bestStatic.expectedApproval, label: 'best static (sample)' },
      xFormat: (x) => pct(x, 1),
    }),
  ].join('\n');
  const approval = plotRow(
    curvePlot(result, 'Expected approval rate per window', 'approval probability of chosen routes', (p) => p.curves.expectedApprovalRate, (y) => pct(y, 1)),
    curvePlot(result, 'Realised approval rate per window', 'approved share', (p) => p.curves.approvalRate, (y) => pct(y, 1)),
  );
  const regret = plotRow(
    curvePlot(result, 'Cumulative regret against the oracle', 'expected approvals lost', (p) => p.curves.cumulativeRegret, (y) => formatNumber(y, 0), true),
    curvePlot(result, 'Cumulative net revenue', 'EUR', (p) => p.curves.cumulativeNetRevenueEur, (y) => formatNumber(y, 0), true),
  );
  const shares = htmlTable(
    [{ header: 'policy' }, ...routes.map((r) => ({ header: r, align: 'right' as const }))],
    result.policies.map((p) => [p.label, ...routes.map((r) => pct(p.routeShares[r] ?? 0, 1))]),
  );
  const calibrated = result.policies.filter((p) => p.calibration);
  const calibration = calibrated.length
    ? [
        paragraph(
          `Each policy's predict(context, chosen route) before the outcome, against the outcome. A router that is confidently wrong about a route explores it too little. |pred - truth| compares with the ground-truth probability. Diagrams omit bins with fewer than ${MIN_BIN_COUNT} predictions.`,
        ),
        htmlTable(
          [{ header: 'policy' }, { header: 'route' }, { header: 'n', align: 'right' }, { header: 'mean predicted', align: 'right' }, { header: 'observed', align: 'right' }, { header: 'Brier', align: 'right' }, { header: 'ECE', align: 'right' }, { header: 'MCE', align: 'right' }, { header: '|pred - truth|', align: 'right' }],
          calibrated.flatMap(calibrationRows),
        ),
        plotRow(
          ...calibrated.map((p) =>
            reliabilitySvg({
              title: `Reliability: ${p.label}`,
              series: [
                { name: 'all routes', bins: p.calibration!.overall.bins, color: '#222' },
                ...Object.entries(p.calibration!.routes).map(([route, s]) => ({ name: route, bins: s.bins, color: colorAt(routes.indexOf(route)) })),
              ],
              minCount: MIN_BIN_COUNT,
            }),
          ),
        ),
      ].join('\n')
    : paragraph('Calibration was not recorded for this run.');
  return renderHtmlDocument({
    title: `Simulation: ${result.scenario}`,
    subtitle: simulationTitle(result),
    sections: [
      { heading: 'Summary', html: summary },
      { heading: 'Approval over time', html: approval },
      { heading: 'Regret and revenue', html: regret },
      { heading: 'Route shares', html: shares },
      { heading: 'Calibration', html: calibration },
    ],
    ...(options.command !== undefined && { footer: `Reproduce with:${preformatted(options.command)}` }),
  });
}
