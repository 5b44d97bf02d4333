/**
 * The default context encoding of each log format, for the reward model (policies/features specs):
 * - decision log (`jsonl`): the payment context's default features (`paymentEncoderSpec`);
 * - `obd`: position and the four hashed user features as categoricals, the 34 user-item affinities as numbers;
 * - `csv`: the payment features when the context has payment fields (`cardNetwork`), else a tabular spec
 *   from the first row: numbers become numeric features (log1p-scaled when non-negative), strings and
 *   booleans categoricals.
 * `--features FILE` (a JSON EncoderSpec) overrides it.
 */
import type { Context } from '../../policies/core/context.ts';
import { type EncoderSpec, type FeatureSpec, parseEncoderSpec, paymentEncoderSpec, tabularEncoderSpec } from '../../policies/features/spec.ts';
import type { LogFormat } from './row.ts';

export const REWARD_MODEL_DIMENSION = 64;

export function defaultEncoderSpec(format: LogFormat, first: Context): EncoderSpec {
  if (format === 'jsonl' || (format === 'csv' && 'cardNetwork' in first)) return paymentEncoderSpec(REWARD_MODEL_DIMENSION);
  const fields = Object.keys(first);
  if (format === 'obd') {
    return tabularEncoderSpec({
      dimension: REWARD_MODEL_DIMENSION,
      numeric: fields.filter((f) => f.startsWith('user-item_affinity_')),
      categorical: fields.filter((f) => f === 'position' || f.startsWith('user_feature_')),
    });
  }
  const features: FeatureSpec[] = [{ kind: 'bias' }];
  for (const f of fields) {
    const v = first[f];
    if (typeof v === 'number') features.push(v >= 0 ? { kind: 'numeric', field: f, transform: 'log1p', scale: 0.1, placement: 'hashed' } : { kind: 'numeric', field: f, placement: 'hashed' });
    else features.push({ kind: 'categorical', field: f });
  }
  return parseEncoderSpec({ dimension: REWARD_MODEL_DIMENSION, hashing: 'signed', features });
}
