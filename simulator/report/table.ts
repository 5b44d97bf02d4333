/**
 * Plain-text tables for the terminal and for Markdown docs. Pure string building, no I/O, no colours
 * (safe to pipe and to paste into a README).
 *
 * ```ts
 * renderTable(
 *   [{ header: 'policy' }, { header: 'approval', align: 'right' }],
 *   [['thompson', formatPercent(0.9123)], ['random', formatPercent(0.88)]],
 *   { title: 'scenario stable, 20,000 tx, 5 seeds' },
 * );
 * ```
 * gives (style "box", the default):
 * ```
 * scenario stable, 20,000 tx, 5 seeds
 * policy    | approval
 * ----------+---------
 * thompson  |   91.23%
 * random    |   88.00%
 * ```
 * and with `{ style: 'markdown' }` a GitHub-flavoured Markdown table (alignment row `---:`).
 * Numbers given as cells are printed with `String(n)`; format them first with the helpers below.
 */

export type Align = 'left' | 'right';

export interface TableColumn {
  readonly header: string;
  /** Default: right for columns whose cells are all numbers, left otherwise. */
  readonly align?: Align;
}

export type TableCell = string | number;

export interface TableOptions {
  /** A line printed above the table (box) or as a bold line above it (markdown). */
  readonly title?: string;
  /** "box" (terminal, default) or "markdown". */
  readonly style?: 'box' | 'markdown';
}

export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly TableCell[])[], options: TableOptions = {}): string {
  const style = options.style ?? 'box';
  const ncol = columns.length;
  const text = rows.map((row) => {
    if (row.length !== ncol) throw new RangeError(`table row has ${row.length} cells, expected ${ncol}: ${JSON.stringify(row)}`);
    return row.map((c) => {
      const s = typeof c === 'number' ? String(c) : c;
      return style === 'markdown' ? escapeMarkdown(s) : s;
    });
  });
  const align: Align[] = columns.map((c, j) => c.align ?? (rows.length > 0 && rows.every((r) => typeof r[j] === 'number') ? 'right' : 'left'));
  const width = columns.map((c, j) => Math.max(style === 'markdown' ? 3 : 1, c.header.length, ...text.map((r) => r[j]!.length)));
  const pad = (s: string, j: number): string => (align[j] === 'right' ? s.padStart(width[j]!) : s.padEnd(width[j]!));
  const lines: string[] = [];
  if (style === 'markdown') {
    if (options.title) lines.push(`**${options.title}**`, '');
    lines.push(`| ${columns.map((c, j) => pad(c.header, j)).join(' | ')} |`);
    lines.push(`| ${width.map((w, j) => (align[j] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`);
    for (const r of text) lines.push(`| ${r.map((s, j) => pad(s, j)).join(' | ')} |`);
  } else {
    if (options.title) lines.push(options.title);
    lines.push(columns.map((c, j) => pad(c.header, j)).join(' | ').trimEnd());
    lines.push(width.map((w) => '-'.repeat(w)).join('-+-'));
    for (const r of text) lines.push(r.map((s, j) => pad(s, j)).join(' | ').trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function escapeMarkdown(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** 0.91234 -> "91.23%" (digits after the point, default 2). Non-finite -> "n/a". */
export function formatPercent(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a';
}

/** Fixed digits with thousands separators: 12345.678 -> "12,345.68". Non-finite -> "n/a". */
export function formatNumber(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A value with its interval: "0.9123 [0.9101, 0.9140]". `format` formats each number (default 4 digits).
 * Used for estimator confidence intervals and for spread over seeds.
 */
export function formatInterval(value: number, lo: number, hi: number, format: (x: number) => string = (x) => formatNumber(x, 4)): string {
  return `${format(value)} [${format(lo)}, ${format(hi)}]`;
}

/** A mean with its half-spread: "91.23% ± 0.12" style, in the unit of `format`. */
export function formatPlusMinus(value: number, halfWidth: number, format: (x: number) => string = (x) => formatNumber(x, 4)): string {
  return `${format(value)} ± ${format(halfWidth)}`;
}
