/**
 * A synthetic payments world: traffic, ground-truth approval, outcomes, fees, latency, the oracle and the
 * best static route, for one scenario. See `index.ts` for the documented API.
 */
import { CARD_NETWORKS } from '../../policies/core/context.ts';
import type { Context, PaymentContext } from '../../policies/core/context.ts';
import type { Rng } from '../../policies/core/rng.ts';
import { InvalidCandidatesError, InvalidConfigError } from '../../policies/errors.ts';
import { ACQUIRERS, MERCHANTS } from './catalog.ts';
import type { AcquirerSpec } from './catalog.ts';
import { emptyFeatures, eurPerMinor, extractFeatures, issuerApproval, RouteTables, sigmoid } from './model.ts';
import type { Features } from './model.ts';
import { APPROVED_CODE, issuerDeclineCode, outageCode, routeDeclineCode } from './outcomes.ts';
import { buildScenario } from './scenarios.ts';
import type { Scenario, ScenarioName } from './scenarios.ts';
import { drawPayment } from './traffic.ts';
import { findBestStaticPriority } from './best-static.ts';
import type { StaticPriority } from './best-static.ts';

export interface WorldOptions {
  /** Expected number of transactions; scenario events are placed as fractions of it. Default 20,000. */
  readonly horizon?: number;
  /** Merchant contribution margin on an approved sale, for net revenue. Default 0.10. */
  readonly marginRate?: number;
  /** Epoch ms of transaction 0. Default 2026-11-01T00:00:00Z. */
  readonly startMs?: number;
  /** Ms between consecutive transactions (occurredAtMs = startMs + t * intervalMs). Default 1000. */
  readonly intervalMs?: number;
  /** Mean outcome delay (transactions) for the "delayed" scenario. Default 1% of the horizon, at least 20. */
  readonly meanDelay?: number;
}

export interface Transaction {
  /** Transaction index (time). */
  readonly t: number;
  readonly context: PaymentContext;
  /** Routes the payment core may use for this payment (merchant contracts x network support x launched). */
  readonly candidates: readonly string[];
}

export interface Outcome {
  readonly approved: boolean;
  /** ISO 8583 response code: "00" approved, else a decline code (see outcomes.ts). */
  readonly responseCode: string;
  /** Fee charged by the acquirer for this attempt, in minor units of the payment's currency. */
  readonly feeMinor: number;
  readonly latencyMs: number;
  /** Transactions until the outcome reaches the router (0 = immediately; > 0 in the "delayed" scenario). */
  readonly delay: number;
}

export interface World {
  readonly scenario: Scenario;
  readonly horizon: number;
  readonly marginRate: number;
  /** Every route that exists at some time in this scenario. */
  readonly routes: readonly string[];
  /** Pure: the transaction at time t, drawn with `rng` (reseed it per transaction for reproducibility). */
  transactionAt(t: number, rng: Rng): Transaction;
  /** Stateful convenience: `transactionAt(cursor++, rng)`. */
  nextTransaction(rng: Rng): Transaction;
  /** Next t of `nextTransaction`. */
  readonly cursor: number;
  /** Reset `nextTransaction`'s cursor (default 0). */
  reset(t?: number): void;
  /** The time t of a context built by this world (from occurredAtMs). */
  timeOf(context: Context): number;
  /** Candidate routes for a context at time t (merchant contracts; unknown merchant: every live route). */
  candidatesFor(context: Context, t: number): readonly string[];
  /** Ground truth: probability that `route` approves `context` at time t. */
  approvalProbability(context: Context, route: string, t: number): number;
  /** The route-independent issuer-side approval probability (an upper bound for every route). */
  issuerApprovalProbability(context: Context): number;
  /** Sample the outcome of sending `context` to `route` at time t. */
  sampleOutcome(context: Context, route: string, t: number, rng: Rng): Outcome;
  /** Net revenue in EUR of one attempt: approved ? amount x marginRate : 0, minus the fee. */
  netRevenueEur(context: Context, outcome: Outcome): number;
  /** Expected net revenue in EUR of sending `context` to `route` at t. */
  expectedNetRevenueEur(context: Context, route: string, t: number): number;
  /** The payment's amount in EUR. */
  amountEur(context: Context): number;
  /** The candidate with the highest ground-truth approval probability (first on ties). */
  oracleRoute(context: Context, candidates: readonly string[], t: number): string;
  /** The single route priority with the highest expected approval over the traffic mix and timeline. */
  bestStaticRoute(options?: { samples?: number; seed?: number }): StaticPriority;
  /** The first route of `priority` among `candidates` (the last candidate if none is listed). */
  staticRoute(priority: readonly string[], candidates: readonly string[]): string;
}

const DEFAULT_START_MS = Date.UTC(2026, 10, 1);

function positive(field: string, v: number | undefined, fallback: number, integer: boolean): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new InvalidConfigError(field, `must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  }
  return v;
}

export function createWorld(scenarioName: ScenarioName | string, options: WorldOptions = {}): World {
  const horizon = positive('horizon', options.horizon, 20_000, true);
  const marginRate = options.marginRate ?? 0.1;
  if (!(marginRate >= 0 && marginRate <= 1)) throw new InvalidConfigError('marginRate', `must be in [0, 1], got ${marginRate}`);
  const startMs = options.startMs ?? DEFAULT_START_MS;
  if (!Number.isFinite(startMs)) throw new InvalidConfigError('startMs', `must be a finite number, got ${startMs}`);
  const intervalMs = positive('intervalMs', options.intervalMs, 1000, false);
  const scenario = buildScenario(scenarioName, options.meanDelay === undefined ? { horizon } : { horizon, meanDelay: options.meanDelay });

  const specs: AcquirerSpec[] = scenario.routes.map((id) => {
    const s = ACQUIRERS.find((a) => a.id === id);
    if (!s) throw new InvalidConfigError('scenario', `route ${id} is not in the catalog`);
    return s;
  });
  const tables = new RouteTables(specs);
  const na = specs.length;

  // scenario adjustments, per route index
  const outageFrom = new Float64Array(na).fill(Infinity);
  const outageTo = new Float64Array(na).fill(-Infinity);
  const outagePass = new Float64Array(na);
  const driftFrom = new Float64Array(na).fill(Infinity);
  const driftTo = new Float64Array(na).fill(Infinity);
  const driftChange = new Float64Array(na);
  const launchAt = new Float64Array(na); // 0: from the start
  let delayEvent: Extract<Scenario['events'][number], { kind: 'delay' }> | undefined;
  for (const e of scenario.events) {
    if (e.kind === 'delay') {
      delayEvent = e;
      continue;
    }
    const a = tables.index.get(e.route)!;
    if (e.kind === 'outage') {
      outageFrom[a] = e.from;
      outageTo[a] = e.to;
      outagePass[a] = e.passThrough;
    } else if (e.kind === 'drift') {
      driftFrom[a] = e.from;
      driftTo[a] = e.to;
      driftChange[a] = e.logitChange;
    } else {
      launchAt[a] = e.at;
    }
  }
  const launchTimes = [...new Set(Array.from(launchAt))].sort((x, y) => x - y);

  // candidate sets, precomputed per (merchant, network, launch phase); frozen and shared
  const merchantById = new Map(MERCHANTS.map((m, i) => [m.id, i] as const));
  const networkIndex = new Map(CARD_NETWORKS.map((n, i) => [n as string, i] as const));
  const knownCandidates: (readonly string[] | undefined)[] = new Array<readonly string[] | undefined>((launchTimes.length + 1) * MERCHANTS.length * CARD_NETWORKS.length);
  const foreignCandidates = new Map<string, readonly string[]>();
  const phaseOf = (t: number): number => {
    let p = 0;
    for (const at of launchTimes) if (t >= at) p++;
    return p;
  };
  const computeCandidates = (pool: readonly string[], network: string, t: number): readonly string[] => {
    const live = pool.filter((id) => {
      const a = tables.index.get(id);
      return a !== undefined && t >= launchAt[a]! && (specs[a]!.networks as readonly string[]).includes(network);
    });
    // every merchant contracts acq-global, which takes every network; for foreign contexts keep one route
    return Object.freeze(live.length > 0 ? live : [tables.ids.includes('acq-global') ? 'acq-global' : tables.ids[0]!]);
  };
  const candidatesFor = (context: Context, t: number): readonly string[] => {
    const merchantId = String(context['merchantId']);
    const network = String(context['cardNetwork']);
    const phase = phaseOf(t);
    const m = merchantById.get(merchantId);
    const j = networkIndex.get(network);
    if (m !== undefined && j !== undefined) {
      const slot = (phase * MERCHANTS.length + m) * CARD_NETWORKS.length + j;
      return (knownCandidates[slot] ??= computeCandidates(MERCHANTS[m]!.acquirers, network, t));
    }
    const key = `${merchantId}|${network}|${phase}`;
    let c = foreignCandidates.get(key);
    if (!c) {
      c = computeCandidates(tables.ids, network, t);
      if (foreignCandidates.size < 10_000) foreignCandidates.set(key, c);
    }
    return c;
  };

  // one-entry feature cache (the runner asks several routes about the same context in a row)
  let cachedCtx: Context | null = null;
  const features: Features = emptyFeatures();
  const featuresOf = (ctx: Context): Features => {
    if (ctx !== cachedCtx) {
      extractFeatures(ctx, features);
      cachedCtx = ctx;
    }
    return features;
  };

  const routeIndex = (route: string): number => {
    const a = tables.index.get(route);
    if (a === undefined) throw new InvalidCandidatesError(`route "${route}" is not an acquirer of the ${scenario.name} world (${tables.ids.join(', ')})`);
    return a;
  };
  const inOutage = (a: number, t: number): boolean => t >= outageFrom[a]! && t < outageTo[a]!;
  const passThrough = (a: number, f: Features, t: number): number => {
    if (inOutage(a, t)) return outagePass[a]!;
    let x = tables.logit(a, f);
    if (t >= driftFrom[a]!) x += driftChange[a]! * Math.min(1, (t - driftFrom[a]!) / Math.max(1, driftTo[a]! - driftFrom[a]!));
    return sigmoid(x);
  };
  const approvalProbability = (context: Context, route: string, t: number): number => {
    const f = featuresOf(context);
    return issuerApproval(f) * passThrough(routeIndex(route), f, t);
  };
  const feeMinorOf = (a: number, f: Features, amountMinor: number, approved: boolean): number => {
    const fee = specs[a]!.fee;
    const fixed = fee.fixedEurCents / 100 / f.eurPerMinor;
    const pct = approved ? (amountMinor * (fee.percent + (tables.isCrossBorder(a, f) ? fee.crossBorderPercent : 0))) / 100 : 0;
    return Math.round(fixed + pct);
  };
  const amountMinorOf = (context: Context): number => {
    const v = context['amountMinor'];
    return typeof v === 'number' && v > 0 ? v : 0;
  };

  let cursor = 0;
  const transactionAt = (t: number, rng: Rng): Transaction => {
    const { context } = drawPayment(t, startMs + t * intervalMs, rng);
    return { t, context, candidates: candidatesFor(context, t) };
  };

  let bestStaticCache: { key: string; value: StaticPriority } | undefined;

  const world: World = {
    scenario,
    horizon,
    marginRate,
    routes: tables.ids,
    transactionAt,
    nextTransaction(rng) {
      return transactionAt(cursor++, rng);
    },
    get cursor() {
      return cursor;
    },
    reset(t = 0) {
      cursor = t;
    },
    timeOf(context) {
      const ms = context['occurredAtMs'];
      if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new InvalidConfigError('occurredAtMs', 'context has no numeric occurredAtMs');
      return Math.round((ms - startMs) / intervalMs);
    },
    candidatesFor,
    approvalProbability,
    issuerApprovalProbability(context) {
      return issuerApproval(featuresOf(context));
    },
    sampleOutcome(context, route, t, rng) {
      const a = routeIndex(route);
      const f = featuresOf(context);
      const q = issuerApproval(f);
      const p = passThrough(a, f, t);
      // fixed draw order whatever the route, so policies compared on the same seed share the issuer's
      // decision for each transaction (common random numbers)
      const uIssuer = rng.next();
      const uRoute = rng.next();
      const uCode = rng.next();
      const uTail = rng.next();
      const uDelay = rng.next();
      const z = rng.normal();
      const down = inOutage(a, t);
      const issuerOk = uIssuer < q;
      const routeOk = uRoute < p;
      const approved = issuerOk && routeOk;
      let responseCode: string = APPROVED_CODE;
      if (!approved) {
        if (down && !routeOk) responseCode = outageCode(uCode);
        else if (!issuerOk) responseCode = issuerDeclineCode(f, uCode);
        else responseCode = routeDeclineCode(f, specs[a]!.technicalShare, uCode);
      }
      const lat = specs[a]!.latency;
      let latencyMs = lat.medianMs * Math.exp(lat.sigma * z);
      if (responseCode === '91' || responseCode === '96') latencyMs = (down ? 6000 : 2500) * Math.exp(0.3 * z);
      let delay = 0;
      if (delayEvent) {
        const mean = delayEvent.meanDelay * (uTail < delayEvent.longTailShare ? delayEvent.longTailFactor : 1);
        delay = Math.floor(-Math.log(uDelay) * mean);
      }
      return { approved, responseCode, feeMinor: feeMinorOf(a, f, amountMinorOf(context), approved), latencyMs: Math.round(latencyMs), delay };
    },
    netRevenueEur(context, outcome) {
      const perMinor = eurPerMinor(String(context['currency']));
      return (outcome.approved ? amountMinorOf(context) * perMinor * marginRate : 0) - outcome.feeMinor * perMinor;
    },
    expectedNetRevenueEur(context, route, t) {
      const a = routeIndex(route);
      const f = featuresOf(context);
      const p = issuerApproval(f) * passThrough(a, f, t);
      const amount = amountMinorOf(context);
      const expectedFeeMinor = p * feeMinorOf(a, f, amount, true) + (1 - p) * feeMinorOf(a, f, amount, false);
      return (p * amount * marginRate - expectedFeeMinor) * f.eurPerMinor;
    },
    amountEur(context) {
      return amountMinorOf(context) * eurPerMinor(String(context['currency']));
    },
    oracleRoute(context, candidates, t) {
      let best = candidates[0];
      if (best === undefined) throw new InvalidCandidatesError('empty candidate list');
      let bestP = -1;
      const f = featuresOf(context);
      for (const route of candidates) {
        const p = passThrough(routeIndex(route), f, t); // the issuer factor is common to every route
        if (p > bestP) {
          bestP = p;
          best = route;
        }
      }
      return best;
    },
    bestStaticRoute(opts = {}) {
      const samples = opts.samples ?? Math.min(20_000, Math.max(2_000, horizon));
      const seed = opts.seed ?? 1;
      const key = `${samples}|${seed}`;
      if (bestStaticCache?.key !== key) bestStaticCache = { key, value: findBestStaticPriority(world, samples, seed) };
      return bestStaticCache.value;
    },
    staticRoute(priority, candidates) {
      for (const r of priority) if (candidates.includes(r)) return r;
      const last = candidates[candidates.length - 1];
      if (last === undefined) throw new InvalidCandidatesError('empty candidate list');
      return last;
    },
  };
  return world;
}
