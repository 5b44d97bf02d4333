/**
 * Calibration per route and overall for one policy: a router that is confidently wrong about a route
 * (predicts 0.95 where it approves 0.80) stops exploring it, so the report shows each route separately.
 */
import { CalibrationAccumulator } from './metrics.ts';
import type { CalibrationSummary } from './metrics.ts';

export interface RouteCalibration {
  readonly overall: CalibrationSummary;
  readonly routes: { readonly [route: string]: CalibrationSummary };
}

export class RouteCalibrationAccumulator {
  readonly overall: CalibrationAccumulator;
  private readonly byRoute = new Map<string, CalibrationAccumulator>();

  constructor(readonly bins = 10) {
    this.overall = new CalibrationAccumulator(bins);
  }

  add(route: string, predicted: number, approved: number, truth = Number.NaN): void {
    this.overall.add(predicted, approved, truth);
    let acc = this.byRoute.get(route);
    if (!acc) {
      acc = new CalibrationAccumulator(this.bins);
      this.byRoute.set(route, acc);
    }
    acc.add(predicted, approved, truth);
  }

  merge(other: RouteCalibrationAccumulator): void {
    this.overall.merge(other.overall);
    for (const [route, acc] of other.byRoute) {
      let mine = this.byRoute.get(route);
      if (!mine) {
        mine = new CalibrationAccumulator(this.bins);
        this.byRoute.set(route, mine);
      }
      mine.merge(acc);
    }
  }

  summary(): RouteCalibration {
    const routes: { [route: string]: CalibrationSummary } = {};
    for (const route of [...this.byRoute.keys()].sort()) routes[route] = this.byRoute.get(route)!.summary();
    return { overall: this.overall.summary(), routes };
  }
}
