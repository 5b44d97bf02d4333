import { createProgress, type Progress } from '../report/progress.ts';
import type { CliIo } from './args.ts';

/**
 * A byte-based progress bar for one pass over a file (on stderr; drawn on a terminal, periodic lines
 * otherwise unless `quiet`), fed from the readers' onBytes callback.
 */
export function fileProgress(io: CliIo, label: string, quiet: boolean): { onBytes: (bytes: number, total: number) => void; finish: () => void; bar: Progress } {
  const bar = createProgress({ label, stream: io.stderr, isTTY: io.isTTY, enabled: !quiet, unit: 'kB' });
  let totalSet = false;
  return {
    bar,
    onBytes(bytes, total) {
      if (!totalSet) {
        bar.setTotal(Math.ceil(total / 1000));
        totalSet = true;
      }
      bar.update(Math.floor(bytes / 1000));
    },
    finish() {
      bar.finish();
    },
  };
}
