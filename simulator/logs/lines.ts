/**
 * Streaming line reader: constant memory whatever the file size. Reads the file in 1 MiB chunks, splits on
 * '\n' (a trailing '\r' is dropped), and calls `onLine` synchronously for each line with its 1-based line
 * number. Only a line that spans two chunks is copied; nothing is kept once `onLine` returns.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { LogFormatError } from '../../policies/errors.ts';

export interface LineReadOptions {
  /** Called after each chunk with the bytes read so far (for progress bars). */
  readonly onBytes?: (bytesRead: number, totalBytes: number) => void;
  /** Chunk size in bytes (default 1 MiB). */
  readonly chunkBytes?: number;
}

/** Size of a file in bytes (for progress totals). */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/**
 * Call `onLine(text, lineNumber)` for every line of `path`; resolves to the number of lines. A file that
 * cannot be opened or read fails with LogFormatError naming it (errors thrown by `onLine` pass through).
 */
export async function forEachLine(path: string, onLine: (line: string, lineNumber: number) => void, options: LineReadOptions = {}): Promise<number> {
  try {
    return await readLines(path, onLine, options);
  } catch (e) {
    const sys = e as NodeJS.ErrnoException;
    if (typeof sys.code === 'string' && typeof sys.syscall === 'string') throw new LogFormatError(path, 0, `cannot read: ${sys.message}`, { cause: e });
    throw e;
  }
}

async function readLines(path: string, onLine: (line: string, lineNumber: number) => void, options: LineReadOptions): Promise<number> {
  const total = options.onBytes ? await fileSize(path) : 0;
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  let carry: Buffer | null = null;
  let lineNumber = 0;
  let bytes = 0;
  const emit = (buf: Buffer, start: number, end: number): void => {
    if (end > start && buf[end - 1] === 13) end--;
    lineNumber++;
    onLine(buf.toString('utf8', start, end), lineNumber);
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    let buf = chunk;
    let pos = 0;
    if (carry !== null) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, chunk]);
        options.onBytes?.(bytes, total);
        continue;
      }
      buf = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
      carry = null;
      emit(buf, 0, buf.length - 1);
      buf = chunk;
      pos = nl + 1;
    }
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      emit(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < buf.length) carry = Buffer.from(buf.subarray(pos));
    options.onBytes?.(bytes, total);
  }
  if (carry !== null && carry.length > 0) emit(carry, 0, carry.length);
  return lineNumber;
}
