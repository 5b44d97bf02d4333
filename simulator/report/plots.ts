/**
 * Inline SVG plots for the HTML reports: pure string builders, no DOM, no network, no fonts to fetch.
 * The SVG is meant to be embedded in an HTML5 page (no xmlns needed, so the page holds no URL at all).
 *
 * - `linePlotSvg`: lines over x with optional shaded bands (spread over seeds) and vertical event markers
 *   (outage start, launch...). Used for approval and regret curves.
 * - `intervalPlotSvg`: one dot with a horizontal whisker per item (estimates with confidence intervals),
 *   plus an optional reference line (e.g. the logged policy's value or the ground truth).
 * - `reliabilitySvg`: reliability diagram (mean prediction vs observed frequency per bin, the diagonal is
 *   perfect calibration; dot area follows the bin's count).
 */
import type { ReliabilityBin } from '../calibration/index.ts';

/** Tableau 10: distinguishable, colour-blind-friendlier than defaults. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface LineSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Optional band (same length as y), drawn shaded behind the line. */
  readonly lo?: readonly number[];
  readonly hi?: readonly number[];
  readonly dashed?: boolean;
  /** Colour; default by series index. */
  readonly color?: string;
}

export interface Marker {
  readonly x: number;
  readonly label: string;
}

export interface LinePlotOptions {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly LineSeries[];
  readonly markers?: readonly Marker[];
  readonly width?: number;
  readonly height?: number;
  /** Force the y range (otherwise from the data, padded). */
  readonly yMin?: number;
  readonly yMax?: number;
  readonly yFormat?: (y: number) => string;
  readonly xFormat?: (x: number) => string;
}

interface Frame {
  readonly left: number;
  readonly top: number;
  readonly w: number;
  readonly h: number;
  readonly sx: (x: number) => number;
  readonly sy: (y: number) => number;
}

const fmt = (v: number): string => (Math.round(v * 10) / 10).toString();

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

export function defaultNumberFormat(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a >= 100 || v === 0) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

function frame(width: number, height: number, legendWidth: number, x: [number, number], y: [number, number]): Frame {
  const left = 64, top = 34, right = 16 + legendWidth, bottom = 46;
  const w = width - left - right, h = height - top - bottom;
  const [x0, x1] = x[1] > x[0] ? x : [x[0] - 0.5, x[0] + 0.5];
  const [y0, y1] = y[1] > y[0] ? y : [y[0] - 0.5, y[0] + 0.5];
  return { left, top, w, h, sx: (v) => left + ((v - x0) / (x1 - x0)) * w, sy: (v) => top + h - ((v - y0) / (y1 - y0)) * h };
}

function axes(f: Frame, xr: [number, number], yr: [number, number], xFormat: (v: number) => string, yFormat: (v: number) => string, xLabel: string, yLabel: string): string {
  const parts: string[] = [];
  for (const v of niceTicks(yr[0], yr[1], 5)) {
    const y = fmt(f.sy(v));
    parts.push(`<line class="grid" x1="${f.left}" x2="${f.left + f.w}" y1="${y}" y2="${y}"/>`, `<text class="tick" x="${f.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(yFormat(v))}</text>`);
  }
  for (const v of niceTicks(xr[0], xr[1], 6)) {
    const x = fmt(f.sx(v));
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${f.top}" y2="${f.top + f.h}"/>`, `<text class="tick" x="${x}" y="${f.top + f.h + 16}" text-anchor="middle">${escapeXml(xFormat(v))}</text>`);
  }
  parts.push(`<rect class="frame" x="${f.left}" y="${f.top}" width="${f.w}" height="${f.h}" fill="none"/>`);
  if (xLabel) parts.push(`<text class="label" x="${fmt(f.left + f.w / 2)}" y="${f.top + f.h + 36}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel) parts.push(`<text class="label" transform="translate(14 ${fmt(f.top + f.h / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  return parts.join('');
}

function legend(names: readonly { name: string; color: string; dashed?: boolean }[], x: number, top: number): string {
  return names
    .map((s, i) => {
      const y = top + 8 + i * 18;
      return `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text class="legend" x="${x + 24}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`;
    })
    .join('');
}

function svgOpen(width: number, height: number, title: string, kind: string): string {
  return `<svg class="plot" data-plot="${kind}" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${escapeXml(title)}</title><text class="title" x="${width / 2}" y="18" text-anchor="middle">${escapeXml(title)}</text>`;
}

function legendWidthFor(names: readonly string[]): number {
  return names.length === 0 ? 0 : Math.min(220, 40 + 7 * Math.max(...names.map((n) => n.length)));
}

/** Line plot with optional bands and event markers. */
export function linePlotSvg(o: LinePlotOptions): string {
  const width = o.width ?? 760, height = o.height ?? 340;
  const yFormat = o.yFormat ?? defaultNumberFormat, xFormat = o.xFormat ?? defaultNumberFormat;
  const xr = extent(o.series.flatMap((s) => s.x));
  const ys = o.series.flatMap((s) => [...s.y, ...(s.lo ?? []), ...(s.hi ?? [])]);
  let yr = extent(ys);
  const pad = (yr[1] - yr[0]) * 0.05 || Math.abs(yr[0]) * 0.05 || 0.5;
  yr = [o.yMin ?? yr[0] - pad, o.yMax ?? yr[1] + pad];
  const lw = legendWidthFor(o.series.map((s) => s.name));
  const f = frame(width, height, lw, xr, yr);
  const clip = (v: number): number => Math.min(f.top + f.h, Math.max(f.top, v));
  const parts: string[] = [svgOpen(width, height, o.title, 'line'), axes(f, xr, yr, xFormat, yFormat, o.xLabel ?? '', o.yLabel ?? '')];
  o.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    if (s.lo && s.hi && s.lo.length === s.x.length && s.hi.length === s.x.length) {
      const upper = s.x.map((x, k) => `${fmt(f.sx(x))},${fmt(clip(f.sy(s.hi![k]!)))}`);
      const lower = s.x.map((x, k) => `${fmt(f.sx(x))},${fmt(clip(f.sy(s.lo![k]!)))}`).reverse();
      parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"><title>${escapeXml(s.name)} (spread)</title></polygon>`);
    }
  });
  o.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const points = s.x.map((x, k) => [x, s.y[k]!] as const).filter(([, y]) => Number.isFinite(y));
    parts.push(
      `<polyline class="series" data-series="${escapeXml(s.name)}" points="${points.map(([x, y]) => `${fmt(f.sx(x))},${fmt(clip(f.sy(y)))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(s.name)}</title></polyline>`,
    );
  });
  for (const m of o.markers ?? []) {
    if (!(m.x >= xr[0] && m.x <= xr[1])) continue;
    const x = fmt(f.sx(m.x));
    parts.push(`<line class="marker" x1="${x}" x2="${x}" y1="${f.top}" y2="${f.top + f.h}"/><text class="marker-label" x="${x}" y="${f.top + 12}" dx="3">${escapeXml(m.label)}</text>`);
  }
  parts.push(legend(o.series.map((s, i) => ({ name: s.name, color: s.color ?? colorAt(i), ...(s.dashed !== undefined && { dashed: s.dashed }) })), width - lw, f.top), '</svg>');
  return parts.join('');
}

export interface IntervalItem {
  readonly label: string;
  readonly value: number;
  /** Interval bounds; NaN or missing: the dot alone. */
  readonly lo?: number;
  readonly hi?: number;
  readonly color?: string;
}

export interface IntervalPlotOptions {
  readonly title: string;
  readonly items: readonly IntervalItem[];
  readonly xLabel?: string;
  /** A vertical reference line (e.g. ground truth, the logging policy's mean reward). */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly width?: number;
  readonly xFormat?: (x: number) => string;
}

/** Dot-and-whisker plot, one row per item (estimator intervals, policy comparisons). */
export function intervalPlotSvg(o: IntervalPlotOptions): string {
  const rowH = 26;
  const width = o.width ?? 760;
  const height = 44 + 46 + Math.max(1, o.items.length) * rowH;
  const xFormat = o.xFormat ?? defaultNumberFormat;
  const values = o.items.flatMap((it) => [it.value, it.lo ?? Number.NaN, it.hi ?? Number.NaN]);
  if (o.reference) values.push(o.reference.value);
  let xr = extent(values);
  const pad = (xr[1] - xr[0]) * 0.08 || Math.abs(xr[0]) * 0.05 || 0.5;
  xr = [xr[0] - pad, xr[1] + pad];
  const labelW = Math.min(200, 20 + 7 * Math.max(4, ...o.items.map((it) => it.label.length)));
  const left = labelW, top = 44, w = width - left - 20, h = height - top - 46;
  const sx = (v: number): number => left + ((v - xr[0]) / (xr[1] - xr[0])) * w;
  const parts: string[] = [svgOpen(width, height, o.title, 'interval')];
  for (const v of niceTicks(xr[0], xr[1], 6)) {
    const x = fmt(sx(v));
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${top + h}"/><text class="tick" x="${x}" y="${top + h + 16}" text-anchor="middle">${escapeXml(xFormat(v))}</text>`);
  }
  parts.push(`<rect class="frame" x="${left}" y="${top}" width="${w}" height="${h}" fill="none"/>`);
  if (o.xLabel) parts.push(`<text class="label" x="${fmt(left + w / 2)}" y="${top + h + 36}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  if (o.reference && Number.isFinite(o.reference.value)) {
    const x = fmt(sx(o.reference.value));
    parts.push(`<line class="marker" x1="${x}" x2="${x}" y1="${top}" y2="${top + h}"/><text class="marker-label" x="${x}" y="${top - 4}" text-anchor="middle">${escapeXml(o.reference.label)}</text>`);
  }
  o.items.forEach((it, i) => {
    const y = fmt(top + rowH * (i + 0.5));
    const color = it.color ?? colorAt(i);
    parts.push(`<text class="tick" x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(it.label)}</text>`);
    const lo = it.lo ?? Number.NaN, hi = it.hi ?? Number.NaN;
    const tip = `${it.label}: ${xFormat(it.value)}${Number.isFinite(lo) && Number.isFinite(hi) ? ` [${xFormat(lo)}, ${xFormat(hi)}]` : ''}`;
    parts.push(`<g class="interval" data-item="${escapeXml(it.label)}"><title>${escapeXml(tip)}</title>`);
    if (Number.isFinite(lo) && Number.isFinite(hi)) {
      const a = fmt(sx(lo)), b = fmt(sx(hi));
      parts.push(`<line x1="${a}" x2="${b}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/><line x1="${a}" x2="${a}" y1="${Number(y) - 6}" y2="${Number(y) + 6}" stroke="${color}" stroke-width="2"/><line x1="${b}" x2="${b}" y1="${Number(y) - 6}" y2="${Number(y) + 6}" stroke="${color}" stroke-width="2"/>`);
    }
    if (Number.isFinite(it.value)) parts.push(`<circle cx="${fmt(sx(it.value))}" cy="${y}" r="4.5" fill="${color}"/>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface ReliabilitySeries {
  readonly name: string;
  readonly bins: readonly ReliabilityBin[];
  readonly color?: string;
}

/** Reliability diagram: observed frequency against mean prediction per bin, with the diagonal. */
export function reliabilitySvg(o: {
  readonly title: string;
  readonly series: readonly ReliabilitySeries[];
  readonly size?: number;
  /** Bins with fewer predictions are not drawn (their observed rate is noise). Default 1. */
  readonly minCount?: number;
}): string {
  const minCount = o.minCount ?? 1;
  const size = o.size ?? 360;
  const lw = legendWidthFor(o.series.map((s) => s.name));
  const width = size + lw, height = size;
  const f = frame(width, height, lw, [0, 1], [0, 1]);
  const parts: string[] = [svgOpen(width, height, o.title, 'reliability'), axes(f, [0, 1], [0, 1], (v) => v.toFixed(1), (v) => v.toFixed(1), 'predicted approval probability', 'observed approval rate')];
  parts.push(`<line class="diagonal" x1="${fmt(f.sx(0))}" y1="${fmt(f.sy(0))}" x2="${fmt(f.sx(1))}" y2="${fmt(f.sy(1))}"/>`);
  const maxCount = Math.max(1, ...o.series.flatMap((s) => s.bins.map((b) => b.count)));
  o.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const pts = s.bins.filter((b) => b.count >= Math.max(1, minCount) && Number.isFinite(b.meanPredicted) && Number.isFinite(b.observedRate));
    parts.push(`<polyline class="series" data-series="${escapeXml(s.name)}" points="${pts.map((b) => `${fmt(f.sx(b.meanPredicted))},${fmt(f.sy(b.observedRate))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"><title>${escapeXml(s.name)}</title></polyline>`);
    for (const b of pts) {
      const r = 2 + 5 * Math.sqrt(b.count / maxCount);
      parts.push(`<circle cx="${fmt(f.sx(b.meanPredicted))}" cy="${fmt(f.sy(b.observedRate))}" r="${fmt(r)}" fill="${color}" fill-opacity="0.75"><title>${escapeXml(`${s.name}: predicted ${b.meanPredicted.toFixed(3)}, observed ${b.observedRate.toFixed(3)}, n=${b.count}`)}</title></circle>`);
    }
  });
  parts.push(legend(o.series.map((s, i) => ({ name: s.name, color: s.color ?? colorAt(i) })), width - lw, f.top), '</svg>');
  return parts.join('');
}
