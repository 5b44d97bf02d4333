/** Calibration of policies' predicted approval probabilities: Brier score, reliability diagram, ECE, per route. */
export { binOf, brierScore, CalibrationAccumulator, expectedCalibrationError, summarise } from './metrics.ts';
export type { CalibrationSummary, ReliabilityBin } from './metrics.ts';
export { RouteCalibrationAccumulator } from './per-route.ts';
export type { RouteCalibration } from './per-route.ts';
