/**
 * Scenario timelines. Time `t` is the transaction index (0, 1, 2, ...); events are placed as fractions of
 * the world's `horizon` (the number of transactions the run is expected to have), so the same scenario
 * reads the same at 20,000 and at 1,000,000 transactions.
 */
import { InvalidConfigError } from '../../policies/errors.ts';

export const SCENARIO_NAMES = ['stable', 'outage', 'drift', 'new-acquirer', 'delayed'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

/** One change in the world, in transaction time. */
export type ScenarioEvent =
  /** `route` is down for t in [from, to): almost every attempt fails with 91 (issuer or switch inoperative) / 96. */
  | { readonly kind: 'outage'; readonly route: string; readonly from: number; readonly to: number; readonly passThrough: number }
  /** `route`'s pass-through logit moves linearly by `logitChange` over [from, to) and stays there. */
  | { readonly kind: 'drift'; readonly route: string; readonly from: number; readonly to: number; readonly logitChange: number }
  /** `route` is offered as a candidate (to merchants that contract it) from t = at. */
  | { readonly kind: 'launch'; readonly route: string; readonly at: number }
  /**
   * Outcomes arrive late: delay in transactions ~ Exponential(mean), and a share `longTailShare` of them
   * `longTailFactor` times later still (slow issuers, batch settlement files).
   */
  | { readonly kind: 'delay'; readonly meanDelay: number; readonly longTailShare: number; readonly longTailFactor: number };

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** Acquirers that exist at some point (the new one only in "new-acquirer"). */
  readonly routes: readonly string[];
  readonly events: readonly ScenarioEvent[];
}

const BASE_ROUTES = ['acq-eu', 'acq-na', 'acq-apac', 'acq-global', 'acq-budget'] as const;

export interface ScenarioOptions {
  /** Expected number of transactions (places the events). */
  readonly horizon: number;
  /** Mean outcome delay in transactions for "delayed" (default: 1% of the horizon, at least 20). */
  readonly meanDelay?: number;
}

export function buildScenario(name: string, options: ScenarioOptions): Scenario {
  if (!isScenarioName(name)) throw new InvalidConfigError('scenario', `unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  const h = options.horizon;
  if (!Number.isInteger(h) || h < 1) throw new InvalidConfigError('horizon', `must be a positive integer, got ${h}`);
  const at = (fraction: number): number => Math.round(fraction * h);
  switch (name) {
    case 'stable':
      return { name, description: 'five acquirers, fixed ground truth', routes: BASE_ROUTES, events: [] };
    case 'outage':
      return {
        name,
        description: 'acq-eu (the best route for most European traffic) is down from 40% to 55% of the run',
        routes: BASE_ROUTES,
        events: [{ kind: 'outage', route: 'acq-eu', from: at(0.4), to: at(0.55), passThrough: 0.03 }],
      };
    case 'drift':
      return {
        name,
        description: "acq-na's approval degrades gradually (-1.6 logit) from 25% to 75% of the run",
        routes: BASE_ROUTES,
        events: [{ kind: 'drift', route: 'acq-na', from: at(0.25), to: at(0.75), logitChange: -1.6 }],
      };
    case 'new-acquirer':
      return {
        name,
        description: 'acq-nova (best for APAC issuers, JCB/UnionPay and debit) is launched at 30% of the run',
        routes: [...BASE_ROUTES, 'acq-nova'],
        events: [{ kind: 'launch', route: 'acq-nova', at: at(0.3) }],
      };
    case 'delayed': {
      const meanDelay = options.meanDelay ?? Math.max(20, Math.round(h / 100));
      if (!(meanDelay >= 0) || !Number.isFinite(meanDelay)) throw new InvalidConfigError('meanDelay', `must be a finite number >= 0, got ${meanDelay}`);
      return {
        name,
        description: `stable world, outcomes arrive after ~Exp(${meanDelay}) transactions, 10% of them 5x later`,
        routes: BASE_ROUTES,
        events: [{ kind: 'delay', meanDelay, longTailShare: 0.1, longTailFactor: 5 }],
      };
    }
  }
}
