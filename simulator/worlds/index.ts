/**
 * Synthetic payments worlds with known ground truth, for on-policy simulation, demos and experiments.
 *
 * ```ts
 * import { createWorld, SCENARIO_NAMES } from './simulator/worlds/index.ts';
 * import { Rng } from './policies/core/rng.ts';
 *
 * const world = createWorld('outage', { horizon: 20_000 });   // scenarios: stable | outage | drift | new-acquirer | delayed
 * const rng = new Rng(1);
 * for (let t = 0; t < world.horizon; t++) {
 *   rng.reseed(seed, `ctx:${t}`);
 *   const { context, candidates } = world.transactionAt(t, rng);   // PaymentContext (all contract fields) + routes
 *   const route = ...policy decides among candidates...;
 *   rng.reseed(seed, `out:${t}`);
 *   const outcome = world.sampleOutcome(context, route, t, rng);   // { approved, responseCode, feeMinor, latencyMs, delay }
 *   // outcome.delay > 0 (scenario "delayed"): deliver it to the policy that many transactions later
 *   const p = world.approvalProbability(context, route, t);        // ground truth, in [0, 1]
 *   const best = world.oracleRoute(context, candidates, t);        // max ground-truth approval
 * }
 * const rule = world.bestStaticRoute();   // { priority: ['acq-global', ...], expectedApproval, oracleApproval }
 * world.staticRoute(rule.priority, candidates);                  // what that rule picks for one payment
 * ```
 *
 * Time `t` is the transaction index; `context.occurredAtMs = startMs + t * intervalMs` (default 1 s apart
 * from 2026-11-01), and `world.timeOf(context)` inverts it. `world.nextTransaction(rng)` is a stateful
 * shortcut for `transactionAt(cursor++, rng)`.
 *
 * The world: 5 acquirers (acq-eu, acq-na, acq-apac, acq-global, acq-budget; acq-nova joins in
 * "new-acquirer"), 12 issuer countries in 3 regions (EU, NA, APAC), 10 merchants with their own currency,
 * MCC, ticket size, channel mix and acquirer contracts. Approval = issuer-side approval (route-independent)
 * x the route's pass-through, a logistic model over domestic/cross-border, network, card type, amount, MCC
 * risk class, channel and 3-D Secure (see `catalog.ts`, `model.ts`). Fees: fixed per attempt + percentage
 * of approved amounts, plus a cross-border percentage outside the acquirer's region. Net revenue (EUR) of
 * an attempt = (approved ? amount x marginRate : 0) - fee, with marginRate 0.10 by default.
 */
export { createWorld } from './world.ts';
export type { Outcome, Transaction, World, WorldOptions } from './world.ts';
export { buildScenario, isScenarioName, SCENARIO_NAMES } from './scenarios.ts';
export type { Scenario, ScenarioEvent, ScenarioName, ScenarioOptions } from './scenarios.ts';
export type { StaticPriority } from './best-static.ts';
export { ACQUIRERS, COUNTRIES, CURRENCIES, MERCHANTS, REGIONS } from './catalog.ts';
export type { AcquirerSpec, CountrySpec, MerchantSpec, Region } from './catalog.ts';
export { APPROVED_CODE, ISSUER_DECLINE_CODES, isIssuerSideCode, ROUTE_RISK_CODES, ROUTE_TECHNICAL_CODES } from './outcomes.ts';
export { eurPerMinor } from './model.ts';
