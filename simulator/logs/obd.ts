/**
 * Open Bandit Dataset reader (Saito et al. 2021; `men.csv` beside `item_context.csv`).
 *
 * Columns used: `item_id` (action, an integer in [0, K)), `click` (reward, 0/1), `propensity_score` (logging
 * propensity of the logged item), `position` (slot 1..3), `user_feature_*` (hashed categorical strings) and
 * `user-item_affinity_*` (numbers); these last three form the context. K, the number of actions, is the
 * number of items listed in `item_context.csv` in the same directory. The unnamed first column (row index)
 * and `timestamp` are ignored.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LogFormatError } from '../../policies/errors.ts';
import type { ContextValue } from '../../policies/core/context.ts';
import { BadRowTracker } from './bad-rows.ts';
import { parseCsvLine, parseNumber } from './csv.ts';
import { forEachLine } from './lines.ts';
import type { LoggedRow, ReadSummary } from './row.ts';
import type { ReadOptions } from './read-options.ts';

/** Item ids of the dataset's `item_context.csv` beside `file`, in id order ("0".."K-1"). */
export async function readObdActions(file: string): Promise<string[]> {
  const path = join(dirname(file), 'item_context.csv');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new LogFormatError(path, 0, 'cannot read item_context.csv (the OBD format reads the number of actions from it, beside the log)', { cause });
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = parseCsvLine(lines[0] ?? '');
  const col = header.indexOf('item_id');
  if (col < 0) throw new LogFormatError(path, 1, 'missing column "item_id"');
  const ids = new Set<number>();
  for (let i = 1; i < lines.length; i++) {
    const v = parseNumber(parseCsvLine(lines[i]!)[col]);
    if (!Number.isInteger(v) || v < 0) throw new LogFormatError(path, i + 1, `item_id: expected a non-negative integer, got ${JSON.stringify(parseCsvLine(lines[i]!)[col])}`);
    ids.add(v);
  }
  const k = ids.size;
  for (let a = 0; a < k; a++) if (!ids.has(a)) throw new LogFormatError(path, 0, `item ids must be 0..${k - 1}; ${a} is missing`);
  return Array.from({ length: k }, (_, a) => String(a));
}

export async function readObdLog(file: string, onRow: (row: LoggedRow) => void, options: ReadOptions = {}): Promise<ReadSummary> {
  const actions = await readObdActions(file);
  const k = actions.length;
  const bad = new BadRowTracker(file, options.onBadRow);
  let header: string[] | null = null;
  let iItem = -1, iClick = -1, iProp = -1, iPos = -1;
  let contextCols: { name: string; index: number; numeric: boolean }[] = [];
  let rows = 0;
  await forEachLine(
    file,
    (line, lineNumber) => {
      if (header === null) {
        header = parseCsvLine(line);
        const h = header;
        const need = (name: string): number => {
          const i = h.indexOf(name);
          if (i < 0) throw new LogFormatError(file, 1, `missing column "${name}" (OBD needs item_id, click, propensity_score, position)`);
          return i;
        };
        iItem = need('item_id');
        iClick = need('click');
        iProp = need('propensity_score');
        iPos = need('position');
        contextCols = h
          .map((name, index) => ({ name, index, numeric: !name.startsWith('user_feature_') }))
          .filter((c) => c.name === 'position' || c.name.startsWith('user_feature_') || c.name.startsWith('user-item_affinity_'));
        return;
      }
      if (line === '') return;
      let f: string[];
      try {
        f = parseCsvLine(line);
      } catch (e) {
        bad.record(lineNumber, (e as Error).message);
        return;
      }
      if (f.length !== header.length) return bad.record(lineNumber, `expected ${header.length} fields, got ${f.length}`);
      const item = parseNumber(f[iItem]);
      if (!Number.isInteger(item) || item < 0 || item >= k) return bad.record(lineNumber, `item_id: expected an integer in [0, ${k - 1}], got ${JSON.stringify(f[iItem])}`);
      const click = parseNumber(f[iClick]);
      if (!Number.isFinite(click)) return bad.record(lineNumber, `click: expected a number, got ${JSON.stringify(f[iClick])}`);
      const propField = f[iProp]!;
      const prop = parseNumber(propField);
      if (propField.trim() !== '' && !(prop > 0 && prop <= 1)) return bad.record(lineNumber, `propensity_score: expected a number in (0, 1] or empty, got ${JSON.stringify(propField)}`);
      const pos = parseNumber(f[iPos]);
      if (!Number.isFinite(pos)) return bad.record(lineNumber, `position: expected a number, got ${JSON.stringify(f[iPos])}`);
      const context: Record<string, ContextValue> = {};
      for (const c of contextCols) {
        const raw = f[c.index]!;
        if (c.numeric) {
          const v = parseNumber(raw);
          if (Number.isNaN(v)) return bad.record(lineNumber, `${c.name}: expected a number, got ${JSON.stringify(raw)}`);
          context[c.name] = v;
        } else context[c.name] = raw;
      }
      onRow({
        index: rows,
        line: lineNumber,
        key: String(rows),
        context,
        candidates: null,
        action: actions[item]!,
        reward: click,
        propensity: prop,
        loggingProbabilities: null,
        feeMinor: Number.NaN,
      });
      rows++;
    },
    options,
  );
  if (header === null) throw new LogFormatError(file, 0, 'empty file (expected an OBD CSV header)');
  bad.check(rows);
  return { file, format: 'obd', rows, bad: bad.count, badSamples: bad.samples, unjoined: 0, actions };
}
