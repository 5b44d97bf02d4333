/**
 * The policy that wrote ANOTHER log, as seen in its action frequencies: pi(a | x) = the share of rows of
 * that log with action a among rows whose context has the same values of `fields` (smoothed, see
 * EmpiricalPropensity). It stands in for a logging policy whose full distribution was not recorded (the
 * Open Bandit Dataset's Bernoulli Thompson sampling logs only the propensity of the shown item): evaluating
 * it on a uniform log and comparing with that policy's own on-policy mean is the OBP paper's check.
 * It is an approximation: a time-varying policy is averaged over time, and contexts not in `fields` are
 * ignored.
 */
import { EmpiricalPropensity } from '../logs/empirical-propensity.ts';
import { readLog } from '../logs/index.ts';
import type { LogFormat } from '../logs/row.ts';
import type { TargetPolicy } from './target-policy.ts';

export async function empiricalTargetFromLog(
  file: string,
  format: LogFormat,
  fields: readonly string[],
  onBytes?: (bytesRead: number, totalBytes: number) => void,
): Promise<TargetPolicy> {
  const freq = new EmpiricalPropensity({ fields, minBucketRows: 30 });
  const summary = await readLog(file, format, (row) => freq.observe(row.context, row.action), onBytes ? { onBytes } : {});
  return {
    name: 'empirical',
    description: `empirical: action frequencies of ${file} (${summary.rows.toLocaleString('en-US')} rows) per ${fields.length ? fields.join(' x ') : 'log'}`,
    learns: false,
    distribution(row, candidates, out) {
      const bucket = freq.bucketOf(row.context);
      for (let i = 0; i < candidates.length; i++) out[i] = freq.estimateIn(bucket, candidates[i]!, candidates);
    },
    train() {},
    freeze() {},
  };
}
