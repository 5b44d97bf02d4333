/**
 * Generic CSV of historical transactions, one row per payment attempt, with a header line:
 *
 * | column | required | meaning |
 * | --- | --- | --- |
 * | `action` | yes | the route (or retry action) that was chosen |
 * | `reward` | one of `reward` / `approved` | the reward observed (a number) |
 * | `approved` | one of `reward` / `approved` | `true`/`false`/`1`/`0`; the reward when there is no `reward` column |
 * | `propensity` | no | probability with which the logging policy chose `action`, in (0, 1]; empty or absent: estimated from the log |
 * | `fee` | no | fee of the attempt in minor units |
 * | `candidates` | no | the routes that were available, separated by `|`; absent: every action seen in the log |
 * | `key` | no | key of the decision's random stream (e.g. the transaction id); absent: the row index |
 *
 * Every other column is a context field: plain decimal numbers become numbers ("012345" stays a string), `true`/`false` booleans, empty cells are
 * absent, anything else a string (e.g. `cardNetwork`, `issuerCountry`, `amountMinor`).
 */
import { LogFormatError } from '../../policies/errors.ts';
import type { ContextValue } from '../../policies/core/context.ts';
import { BadRowTracker } from './bad-rows.ts';
import { parseCsvLine, parseNumber } from './csv.ts';
import { forEachLine } from './lines.ts';
import type { ReadOptions } from './read-options.ts';
import type { LoggedRow, ReadSummary } from './row.ts';

const RESERVED = new Set(['action', 'reward', 'approved', 'propensity', 'fee', 'candidates', 'key']);

function parseBoolean(s: string): boolean | undefined {
  const t = s.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

/** A plain decimal number (no leading zeros, hex, spaces or "Infinity": "012345" stays a string, as BINs must). */
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function contextValue(raw: string): ContextValue {
  if (raw === '') return undefined;
  if (DECIMAL.test(raw)) return Number(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return raw;
}

export async function readCsvLog(file: string, onRow: (row: LoggedRow) => void, options: ReadOptions = {}): Promise<ReadSummary> {
  const bad = new BadRowTracker(file, options.onBadRow);
  const actions = new Map<string, number>();
  const addAction = (a: string): void => {
    if (!actions.has(a)) actions.set(a, actions.size);
  };
  let header: string[] | null = null;
  let iAction = -1, iReward = -1, iApproved = -1, iProp = -1, iFee = -1, iCands = -1, iKey = -1;
  let contextCols: { name: string; index: number }[] = [];
  let rows = 0;
  await forEachLine(
    file,
    (line, lineNumber) => {
      if (header === null) {
        header = parseCsvLine(line).map((h) => h.trim());
        const h = header;
        iAction = h.indexOf('action');
        iReward = h.indexOf('reward');
        iApproved = h.indexOf('approved');
        iProp = h.indexOf('propensity');
        iFee = h.indexOf('fee');
        iCands = h.indexOf('candidates');
        iKey = h.indexOf('key');
        if (iAction < 0) throw new LogFormatError(file, 1, 'missing column "action" (see the CSV format in docs/simulator-ope.md)');
        if (iReward < 0 && iApproved < 0) throw new LogFormatError(file, 1, 'missing column "reward" (or "approved")');
        contextCols = h.map((name, index) => ({ name, index })).filter((c) => !RESERVED.has(c.name) && c.name !== '');
        return;
      }
      if (line === '') return;
      let f: string[];
      try {
        f = parseCsvLine(line);
      } catch (e) {
        return bad.record(lineNumber, (e as Error).message);
      }
      if (f.length !== header.length) return bad.record(lineNumber, `expected ${header.length} fields, got ${f.length}`);
      const action = f[iAction]!.trim();
      if (action === '') return bad.record(lineNumber, 'action: empty');
      let reward: number;
      if (iReward >= 0) {
        reward = parseNumber(f[iReward]);
        if (Number.isNaN(reward)) return bad.record(lineNumber, `reward: expected a number, got ${JSON.stringify(f[iReward])}`);
      } else {
        const ok = parseBoolean(f[iApproved]!);
        if (ok === undefined) return bad.record(lineNumber, `approved: expected true/false/1/0, got ${JSON.stringify(f[iApproved])}`);
        reward = ok ? 1 : 0;
      }
      let propensity = Number.NaN;
      if (iProp >= 0 && f[iProp]!.trim() !== '') {
        propensity = parseNumber(f[iProp]);
        if (!(propensity > 0 && propensity <= 1)) return bad.record(lineNumber, `propensity: expected a number in (0, 1] or empty, got ${JSON.stringify(f[iProp])}`);
      }
      let feeMinor = Number.NaN;
      if (iFee >= 0 && f[iFee]!.trim() !== '') {
        feeMinor = parseNumber(f[iFee]);
        if (Number.isNaN(feeMinor)) return bad.record(lineNumber, `fee: expected a number, got ${JSON.stringify(f[iFee])}`);
      }
      let candidates: string[] | null = null;
      if (iCands >= 0 && f[iCands]!.trim() !== '') {
        candidates = f[iCands]!.split('|').map((c) => c.trim());
        if (candidates.some((c) => c === '')) return bad.record(lineNumber, 'candidates: empty route id');
        if (new Set(candidates).size !== candidates.length) return bad.record(lineNumber, 'candidates: duplicate route id');
        if (!candidates.includes(action)) return bad.record(lineNumber, `action: "${action}" is not among candidates`);
      }
      const context: Record<string, ContextValue> = {};
      for (const c of contextCols) {
        const v = contextValue(f[c.index]!);
        if (v !== undefined) context[c.name] = v;
      }
      addAction(action);
      if (candidates) for (const c of candidates) addAction(c);
      onRow({
        index: rows,
        line: lineNumber,
        key: iKey >= 0 && f[iKey]!.trim() !== '' ? f[iKey]!.trim() : String(rows),
        context,
        candidates,
        action,
        reward,
        propensity,
        loggingProbabilities: null,
        feeMinor,
      });
      rows++;
    },
    options,
  );
  if (header === null) throw new LogFormatError(file, 0, 'empty file (expected a CSV header)');
  bad.check(rows);
  return { file, format: 'csv', rows, bad: bad.count, badSamples: bad.samples, unjoined: 0, actions: [...actions.keys()] };
}
