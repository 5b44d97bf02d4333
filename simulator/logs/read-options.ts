import type { BadRow } from './row.ts';

export interface ReadOptions {
  /** Progress: bytes read so far and the file size. */
  readonly onBytes?: (bytesRead: number, totalBytes: number) => void;
  /** Every rejected row, as it is found (the summary keeps only the first 20). */
  readonly onBadRow?: (bad: BadRow) => void;
  /** Decision log only: which decisions to read, "route" (default) or "retry"; the others are skipped. */
  readonly kind?: string;
}
