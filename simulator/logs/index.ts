/** Streaming log readers: one entry point per format, all delivering LoggedRow in log order. */
import { InvalidArgumentError } from '../../policies/errors.ts';
import { readDecisionLog } from './decision-log.ts';
import { readCsvLog } from './generic-csv.ts';
import { readObdLog } from './obd.ts';
import type { ReadOptions } from './read-options.ts';
import { LOG_FORMATS } from './row.ts';
import type { LogFormat, LoggedRow, ReadSummary } from './row.ts';

export type { BadRow, LogFormat, LoggedRow, ReadSummary } from './row.ts';
export type { ReadOptions } from './read-options.ts';
export { LOG_FORMATS } from './row.ts';
export { forEachDecisionLogRecord, parseDecisionLogRecord, readDecisionLog } from './decision-log.ts';
export type { DecisionLogRecord, DecisionRecord, OutcomeRecord } from './decision-log.ts';
export { readCsvLog } from './generic-csv.ts';
export { readObdActions, readObdLog } from './obd.ts';
export { forEachLine, fileSize } from './lines.ts';
export { parseCsvLine } from './csv.ts';
export { EmpiricalPropensity } from './empirical-propensity.ts';

export function parseLogFormat(value: string): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new InvalidArgumentError('--format', `unknown log format "${value}"; known: ${LOG_FORMATS.join(', ')}`);
}

/** Read every good row of `file` in `format`, in log order, with constant memory. */
export function readLog(file: string, format: LogFormat, onRow: (row: LoggedRow) => void, options: ReadOptions = {}): Promise<ReadSummary> {
  switch (format) {
    case 'jsonl':
      return readDecisionLog(file, onRow, options);
    case 'csv':
      return readCsvLog(file, onRow, options);
    case 'obd':
      return readObdLog(file, onRow, options);
  }
}
