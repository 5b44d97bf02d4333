import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Open Bandit Dataset sample lives in the shared folder beside the repository (`../shared/data/obd/men`),
 * wherever the clone is; OBD_SAMPLE_DIR overrides it.
 */
export function obdSampleDir(): string {
  const fromEnv = process.env['OBD_SAMPLE_DIR'];
  if (fromEnv) return fromEnv;
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const beside = join(repo, '..', 'shared', 'data', 'obd', 'men');
  if (existsSync(beside)) return beside;
  return '/work/shared/data/obd/men';
}
