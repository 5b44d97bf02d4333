/**
 * Progress reporting for long-running commands (simulate, ope, replay), always on a side stream (stderr),
 * never on stdout, so `--json` output stays machine-readable.
 *
 * - On a terminal (`isTTY`): one line redrawn in place (`\r` + clear line), at most every `redrawMs`:
 *   `label [#####.....]  42.0%  84,000/200,000 rows  61.2k rows/s  ETA 0:02`.
 * - Off a terminal (CI logs, pipes): one plain line every `intervalMs` (default 5 s), no control characters.
 * - Nothing at all for work that finishes within `showAfterMs` (default 1 s): short commands stay quiet.
 * - `total` may be unknown (0 or undefined): then counts and rate only.
 *
 * Cheap enough for per-row calls: `tick()` is an add and a compare; the clock is read only every `stride`
 * ticks, with the stride adapted to the observed rate (about 20 clock reads per second).
 *
 * Usage:
 * ```ts
 * const bar = createProgress({ label: 'simulate', total: n, stream: io.stderr, isTTY: io.isTTY, enabled: !json });
 * for (...) { ...; bar.tick(); }
 * bar.finish();   // clears the bar on a TTY; prints a final summary line if anything was shown
 * ```
 */

export interface ProgressOptions {
  /** Short name shown before the bar, e.g. "simulate thompson seed 2". */
  readonly label: string;
  /** Number of units of work expected; 0 or undefined when unknown. */
  readonly total?: number;
  /** Where to draw: pass stderr. */
  readonly stream: NodeJS.WritableStream;
  /** Redrawn bar when true, periodic plain lines when false. */
  readonly isTTY: boolean;
  /** false: a no-op progress (e.g. with --json and no terminal, or in tests). Default true. */
  readonly enabled?: boolean;
  /** Name of the unit in the plain-line mode ("rows", "tx"). Default "items". */
  readonly unit?: string;
  /** Plain-line mode: ms between lines. Default 5000. */
  readonly intervalMs?: number;
  /** TTY mode: ms between redraws. Default 100. */
  readonly redrawMs?: number;
  /** Show nothing before this many ms have elapsed. Default 1000. */
  readonly showAfterMs?: number;
  /** Bar width in characters (TTY mode). Default: fits the terminal width, at most 30. */
  readonly width?: number;
  /** Clock in ms (injectable for tests). Default `performance.now()`. */
  readonly now?: () => number;
}

export interface Progress {
  /** Add `n` (default 1) units of completed work. */
  tick(n?: number): void;
  /** Set the completed count absolutely. */
  update(done: number): void;
  /** Change the label (e.g. next policy / seed) without resetting counts. */
  setLabel(label: string): void;
  /** Change the expected total (e.g. once a file's size is known). */
  setTotal(total: number): void;
  /** Stop: erase the bar on a TTY and, if anything was shown, print one final summary line. Idempotent. */
  finish(): void;
  /** Units done so far. */
  readonly done: number;
}

/** A progress that draws nothing (for --json without a terminal, tests, library use). */
export function createNoopProgress(): Progress {
  let done = 0;
  return {
    tick(n = 1) {
      done += n;
    },
    update(d) {
      done = d;
    },
    setLabel() {},
    setTotal() {},
    finish() {},
    get done() {
      return done;
    },
  };
}

export function createProgress(options: ProgressOptions): Progress {
  if (options.enabled === false) return createNoopProgress();
  const stream = options.stream;
  const tty = options.isTTY;
  const now = options.now ?? (() => performance.now());
  const unit = options.unit ?? 'items';
  const intervalMs = options.intervalMs ?? 5000;
  const redrawMs = options.redrawMs ?? 100;
  const showAfterMs = options.showAfterMs ?? 1000;
  let label = options.label;
  let total = options.total !== undefined && options.total > 0 ? options.total : 0;

  const start = now();
  let done = 0;
  let nextCheck = 1; // tick count at which the clock is next read
  let stride = 1;
  let lastCheckAt = start;
  let lastCheckDone = 0;
  let lastDrawAt = -Infinity;
  let shown = false;
  let finished = false;

  const check = (): void => {
    const t = now();
    // adapt stride so the clock is read about every 50 ms
    const dt = t - lastCheckAt;
    const dn = done - lastCheckDone;
    if (dt > 0 && dn > 0) stride = Math.max(1, Math.min(1 << 20, Math.floor((dn / dt) * 50)));
    lastCheckAt = t;
    lastCheckDone = done;
    nextCheck = done + stride;
    const elapsed = t - start;
    if (elapsed < showAfterMs) return;
    if (t - lastDrawAt < (tty ? redrawMs : intervalMs)) return;
    lastDrawAt = t;
    shown = true;
    const tail = describe(done, total, elapsed, unit);
    if (tty) {
      const width = options.width ?? barWidth(stream, label.length + tail.length);
      stream.write(`\r\x1b[2K${label} ${bar(done, total, width)}${tail}`);
    } else stream.write(`${label}${tail}\n`);
  };

  return {
    tick(n = 1) {
      done += n;
      if (done >= nextCheck && !finished) check();
    },
    update(d) {
      done = d;
      if (!finished) check();
    },
    setLabel(l) {
      label = l;
    },
    setTotal(t) {
      total = t > 0 ? t : 0;
    },
    finish() {
      if (finished) return;
      finished = true;
      const elapsed = now() - start;
      if (tty && shown) stream.write('\r\x1b[2K');
      if (shown || elapsed >= showAfterMs) {
        stream.write(`${label}: ${formatCount(done)} ${unit} in ${formatDuration(elapsed / 1000)} (${formatRate(rate(done, elapsed), unit)})\n`);
      }
    },
    get done() {
      return done;
    },
  };
}

function rate(done: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
}

/** Everything after the label and bar, starting with two spaces. */
function describe(done: number, total: number, elapsedMs: number, unit: string): string {
  const r = rate(done, elapsedMs);
  if (total > 0) {
    const frac = Math.min(1, done / total);
    const eta = r > 0 ? Math.max(0, (total - done) / r) : NaN;
    return `  ${(frac * 100).toFixed(1).padStart(5)}%  ${formatCount(done)}/${formatCount(total)} ${unit}  ${formatRate(r, unit)}  ETA ${Number.isFinite(eta) ? formatDuration(eta) : '?'}`;
  }
  return `  ${formatCount(done)} ${unit}  ${formatRate(r, unit)}  elapsed ${formatDuration(elapsedMs / 1000)}`;
}

function bar(done: number, total: number, width: number): string {
  if (total <= 0 || width < 5) return '';
  const filled = Math.round(Math.min(1, done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function barWidth(stream: NodeJS.WritableStream, used: number): number {
  const columns = (stream as { columns?: unknown }).columns;
  const cols = typeof columns === 'number' && columns > 0 ? columns : 80;
  return Math.max(0, Math.min(30, cols - used - 4));
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Units per second, human-scaled: "950/s", "61.2k/s", "1.3M/s"; with `unit`, named: "61.2k rows/s"; a
 * rate of kB (a file read) as bytes: "950 kB/s", "4.8 MB/s", "1.2 GB/s".
 */
export function formatRate(perSecond: number, unit?: string): string {
  if (unit === 'kB') {
    if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} GB/s`;
    if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} MB/s`;
    return `${perSecond.toFixed(0)} kB/s`;
  }
  const per = unit === undefined ? '/s' : ` ${unit}/s`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M${per}`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k${per}`;
  return `${perSecond.toFixed(0)}${per}`;
}

/** Seconds as "m:ss" (or "h:mm:ss"); sub-10-second durations as "3.2s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
