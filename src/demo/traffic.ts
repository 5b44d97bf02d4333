/**
 * Drives a router with synthetic payments from the simulator's world: each transaction goes to
 * `POST /v1/route`; its outcome is sampled from the world's ground truth and reported with
 * `POST /v1/outcomes` in batches (delayed feedback). Alongside, the same transactions are scored for the
 * best static route and the oracle, so the share of the gap the router captures is known exactly.
 * Used by the demo (against a running router over HTTP) and the served-gap experiment (in-process).
 */
import type { PaymentContext } from '../../policies/core/context.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { Outcome as WorldOutcome, StaticPriority, World } from '../../simulator/worlds/index.ts';
import type { RouteAnswer } from '../decisions/decision-record.ts';
import type { Outcome, RouteRequest } from '../http/schemas.ts';

/** How the driver talks to a router: HTTP (`httpClient`) or in-process (app.inject). */
export interface RouterClient {
  route(body: RouteRequest): Promise<RouteAnswer>;
  outcomes(outcomes: readonly Outcome[]): Promise<void>;
  /** Resolves once every reported outcome has been applied (in-process runs, for determinism). */
  settle?(): Promise<void>;
}

export interface TrafficTotals {
  /** Transactions routed. */
  n: number;
  /** Realised approvals of the served routes (sampled outcomes). */
  approvals: number;
  /** Sum of the ground-truth approval probability of the served route / best static route / oracle. */
  served: number;
  static: number;
  oracle: number;
  /** Outcomes reported. */
  reported: number;
}

export interface TrafficOptions {
  readonly world: World;
  readonly client: RouterClient;
  readonly n: number;
  readonly seed: number;
  /** Outcomes are reported every `batch` transactions. */
  readonly batch: number;
  /** Prefix of transaction ids (unique per run: the router remembers ids for the decision TTL). */
  readonly runId: string;
  readonly staticRule?: StaticPriority;
  /** Called after every batch with cumulative and last-window totals. */
  readonly onBatch?: (total: Readonly<TrafficTotals>, window: Readonly<TrafficTotals>) => void;
  readonly shouldStop?: () => boolean;
  /** Route requests in flight at once (default 1: sequential and deterministic in-process). */
  readonly concurrency?: number;
}

interface Pending {
  readonly due: number;
  readonly outcome: Outcome;
}

const zero = (): TrafficTotals => ({ n: 0, approvals: 0, served: 0, static: 0, oracle: 0, reported: 0 });

export function outcomeOf(decisionId: string, o: WorldOutcome, occurredAtMs: number): Outcome {
  return {
    decisionId,
    approved: o.approved,
    responseCode: o.responseCode,
    feeMinor: Math.round(o.feeMinor),
    latencyMs: o.latencyMs,
    occurredAt: new Date(occurredAtMs + Math.round(o.latencyMs)).toISOString(),
  };
}

export async function driveTraffic(options: TrafficOptions): Promise<TrafficTotals> {
  const { world, client, n, seed, batch } = options;
  const rule = options.staticRule ?? world.bestStaticRoute();
  const ctxRng = new Rng(seed);
  const outRng = new Rng(seed);
  const total = zero();
  let window = zero();
  let pending: Pending[] = [];
  const flush = async (now: number, all: boolean): Promise<void> => {
    const due = all ? pending : pending.filter((p) => p.due <= now);
    if (due.length === 0) return;
    pending = all ? [] : pending.filter((p) => p.due > now);
    for (let i = 0; i < due.length; i += 1000) await client.outcomes(due.slice(i, i + 1000).map((p) => p.outcome));
    total.reported += due.length;
    window.reported += due.length;
    await client.settle?.();
  };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  for (let t0 = 0; t0 < n; ) {
    if (options.shouldStop?.()) break;
    // up to `concurrency` requests in flight, never across a batch boundary
    const end = Math.min(n, t0 + concurrency, (Math.floor(t0 / batch) + 1) * batch);
    const group: { t: number; tt: number; context: PaymentContext; candidates: readonly string[]; body: RouteRequest }[] = [];
    for (let t = t0; t < end; t++) {
      const tt = t % world.horizon;
      ctxRng.reseed(seed, `ctx:${tt}`);
      const { context, candidates } = world.transactionAt(tt, ctxRng);
      group.push({ t, tt, context, candidates, body: routeRequestOf(`${options.runId}-${t}`, context, candidates) });
    }
    const answers = concurrency === 1 ? [await client.route(group[0]!.body)] : await Promise.all(group.map((g) => client.route(g.body)));
    group.forEach(({ t, tt, context, candidates }, i) => {
      const answer = answers[i]!;
      outRng.reseed(seed, `out:${tt}`);
      const outcome = world.sampleOutcome(context, answer.route, tt, outRng);
      const pServed = world.approvalProbability(context, answer.route, tt);
      const pStatic = world.approvalProbability(context, world.staticRoute(rule.priority, candidates), tt);
      const pOracle = world.approvalProbability(context, world.oracleRoute(context, candidates, tt), tt);
      for (const w of [total, window]) {
        w.n++;
        w.approvals += outcome.approved ? 1 : 0;
        w.served += pServed;
        w.static += pStatic;
        w.oracle += pOracle;
      }
      pending.push({ due: t + outcome.delay, outcome: outcomeOf(answer.decisionId, outcome, context.occurredAtMs) });
    });
    t0 = end;
    if (t0 % batch === 0) {
      await flush(t0 - 1, false);
      options.onBatch?.(total, window);
      window = zero();
    }
  }
  await flush(Infinity, true);
  if (window.n > 0) options.onBatch?.(total, window);
  return total;
}

/** The contract's route body for a world transaction. */
export function routeRequestOf(transactionId: string, context: PaymentContext, candidates: readonly string[]): RouteRequest {
  return {
    transactionId,
    merchantId: context.merchantId,
    amountMinor: context.amountMinor,
    currency: context.currency,
    cardNetwork: context.cardNetwork,
    cardType: context.cardType,
    issuerCountry: context.issuerCountry,
    channel: context.channel,
    mcc: context.mcc,
    threeDS: context.threeDS,
    candidates: [...candidates],
    ...(context.binPrefix !== undefined ? { binPrefix: context.binPrefix } : {}),
    occurredAt: new Date(context.occurredAtMs).toISOString(),
  };
}

/** Share of the gap between the best static route and the oracle captured by the served routes. */
export function gapShare(t: Pick<TrafficTotals, 'served' | 'static' | 'oracle'>): number {
  const gap = t.oracle - t.static;
  return gap > 0 ? (t.served - t.static) / gap : NaN;
}

/** A client over HTTP (the demo against a running router). */
export function httpClient(baseUrl: string): RouterClient {
  const post = async (path: string, body: unknown): Promise<Response> => {
    const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 400) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    async route(body) {
      return (await (await post('/v1/route', body)).json()) as RouteAnswer;
    },
    async outcomes(outcomes) {
      await post('/v1/outcomes', { outcomes });
    },
  };
}
