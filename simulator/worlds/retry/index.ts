/** The retry world: declined payments with ground truth of recovery by decline kind, delay and route. */
export * from './compliance.ts';
export * from './truth.ts';
export * from './world.ts';
