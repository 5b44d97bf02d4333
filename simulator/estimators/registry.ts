/** The estimators `ope` runs, in output order (the contract's four first). */
import { clippedIps, DEFAULT_CLIP } from './clipped-ips.ts';
import { dm } from './dm.ts';
import { dr } from './dr.ts';
import type { Estimator } from './estimator.ts';
import { ips } from './ips.ts';
import { sndr } from './sndr.ts';
import { snips } from './snips.ts';
import { DEFAULT_SWITCH_TAU, switchDr } from './switch-dr.ts';

export interface EstimatorSettings {
  /** Weight cap of clipped IPS (default 20). */
  readonly clip?: number;
  /** Weight threshold of switch-DR (default 20). */
  readonly switchTau?: number;
}

export function defaultEstimators(settings: EstimatorSettings = {}): Estimator[] {
  return [ips, snips, dm, dr, clippedIps(settings.clip ?? DEFAULT_CLIP), sndr, switchDr(settings.switchTau ?? DEFAULT_SWITCH_TAU)];
}
