import { LogFormatError } from '../../policies/errors.ts';
import type { BadRow } from './row.ts';

const SAMPLES = 20;

/**
 * Counts rejected rows and keeps the first few with their line numbers. `check` fails the whole read when
 * the file is mostly bad (more bad rows than good), since an estimate from the remainder would mislead.
 */
export class BadRowTracker {
  count = 0;
  readonly samples: BadRow[] = [];

  constructor(
    private readonly file: string,
    private readonly onBadRow?: (bad: BadRow) => void,
  ) {}

  record(line: number, message: string): void {
    this.count++;
    const bad = { line, message };
    if (this.samples.length < SAMPLES) this.samples.push(bad);
    this.onBadRow?.(bad);
  }

  /** Throw LogFormatError if bad rows outnumber good ones (or there is no good row at all). */
  check(good: number): void {
    if (good === 0 && this.count === 0) throw new LogFormatError(this.file, 0, 'no data rows');
    if (this.count > good) {
      const first = this.samples[0];
      throw new LogFormatError(
        this.file,
        first?.line ?? 0,
        `${this.count} of ${this.count + good} rows are bad (more than half): is this the right --format? first: ${first?.message ?? '?'}`,
      );
    }
  }
}
