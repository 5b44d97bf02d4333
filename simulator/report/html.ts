/**
 * Self-contained HTML reports: one file, inline CSS and inline SVG (see `plots.ts`), no scripts, no fonts,
 * no URLs, so it opens offline and can be attached to a ticket as is.
 *
 * ```ts
 * const html = renderHtmlDocument({
 *   title: 'Off-policy estimates',
 *   subtitle: 'log.jsonl, 10,000 rows, target linucb',
 *   sections: [
 *     { heading: 'Estimates', html: intervalPlotSvg({ title: 'Mean reward', items }) + htmlTable(columns, rows) },
 *   ],
 * });
 * await writeFile('report.html', html);
 * ```
 */
import { escapeXml } from './plots.ts';
import type { TableCell, TableColumn } from './table.ts';

export { colorAt, intervalPlotSvg, linePlotSvg, reliabilitySvg } from './plots.ts';
export type { IntervalItem, IntervalPlotOptions, LinePlotOptions, LineSeries, Marker, ReliabilitySeries } from './plots.ts';

export function escapeHtml(s: string): string {
  return escapeXml(s);
}

export interface HtmlSection {
  readonly heading: string;
  /** Trusted HTML (build it with the helpers here; escape any text with `escapeHtml`). */
  readonly html: string;
}

export interface HtmlDocument {
  readonly title: string;
  readonly subtitle?: string;
  readonly sections: readonly HtmlSection[];
  /** Small print at the bottom (command line, generation parameters). */
  readonly footer?: string;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}.subtitle{color:#555;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 8px}th{background:#f3f3f3;text-align:left}td.num,th.num{text-align:right}
.plots{display:flex;flex-wrap:wrap;gap:12px}
svg.plot{max-width:100%;height:auto;background:#fff;font-family:inherit}
svg .title{font-size:14px;font-weight:600}svg .tick{font-size:11px;fill:#555}svg .label{font-size:12px;fill:#333}
svg .legend{font-size:12px;fill:#222}svg .grid{stroke:#eee;stroke-width:1}svg .frame{stroke:#999;stroke-width:1}
svg .marker{stroke:#888;stroke-width:1.2;stroke-dasharray:4 3}svg .marker-label{font-size:11px;fill:#666}
svg .diagonal{stroke:#aaa;stroke-width:1;stroke-dasharray:3 3}
footer{margin-top:32px;color:#777;font-size:12px}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f6f6;padding:8px;overflow-x:auto}
`;

export function renderHtmlDocument(doc: HtmlDocument): string {
  const sections = doc.sections.map((s) => `<section>\n<h2>${escapeHtml(s.heading)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(doc.title)}</h1>
${doc.subtitle ? `<p class="subtitle">${escapeHtml(doc.subtitle)}</p>` : ''}
${sections}
${doc.footer ? `<footer>${doc.footer}</footer>` : ''}
</main>
</body>
</html>
`;
}

/** An HTML table; numeric cells (or columns aligned right) get the `num` class. Text is escaped. */
export function htmlTable(columns: readonly TableColumn[], rows: readonly (readonly TableCell[])[], caption?: string): string {
  const right = columns.map((c, j) => c.align === 'right' || (c.align === undefined && rows.length > 0 && rows.every((r) => typeof r[j] === 'number')));
  const head = columns.map((c, j) => `<th${right[j] ? ' class="num"' : ''}>${escapeHtml(c.header)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((cell, j) => `<td${right[j] ? ' class="num"' : ''}>${escapeHtml(String(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** A row of plots that wraps on narrow screens. */
export function plotRow(...svgs: readonly string[]): string {
  return `<div class="plots">${svgs.join('\n')}</div>`;
}

/** A paragraph of escaped text. */
export function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

/** Escaped preformatted text (e.g. the command line that produced the report). */
export function preformatted(text: string): string {
  return `<pre>${escapeHtml(text)}</pre>`;
}
