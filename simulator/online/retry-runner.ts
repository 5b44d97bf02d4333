/**
 * The retry simulation loop: declined payments arrive over simulated days; for each decline the retry policy
 * (rules + a learning policy, the fixed schedule, or the oracle) answers stop or retry (delay, route); a
 * retry happens at its scheduled time, its outcome is drawn from the world's ground truth, and only then
 * does the policy learn from it (delayed feedback: a retry scheduled for tomorrow reports tomorrow). A
 * declined retry is a new decline, answered again, until recovery, stop, or the rules say no.
 *
 * Events are processed in simulated-time order (a binary heap keyed by time, then insertion order), so every
 * decision sees exactly the outcomes that would have arrived by then. Common random numbers: the payment
 * draws and each retry's uniform depend only on (seed, payment, attempt), so policies compared on the same
 * seed face the same payments and the same luck.
 *
 * Every retry answer is audited by an independent implementation of the network rules
 * (`simulator/worlds/retry/compliance.ts`); violations are counted, and must be 0.
 */

import type { Context } from '../../policies/core/context.ts';
import { Rng } from '../../policies/core/rng.ts';
import type { RetryContext } from '../../policies/retry/context.ts';
import { createRetryPolicy } from '../../policies/retry/factory.ts';
import type { RetryPolicy } from '../../policies/retry/retry-policy.ts';
import { allowedActions, type ActionSpaceConfig } from '../../policies/retry/rules.ts';
import { DEFAULT_DELAY_BUCKETS } from '../../policies/retry/actions.ts';
import { MAX_CANDIDATES } from '../../policies/core/decision-buffer.ts';
import { createNoopProgress, type Progress } from '../report/progress.ts';
import { auditRetry } from '../worlds/retry/compliance.ts';
import type { DeclinedPayment, RetryWorld } from '../worlds/retry/world.ts';

export interface RetryRunOptions {
  readonly world: RetryWorld;
  /** A retry policy name (`thompson`, `linucb`, `lints`, `fixed`, `random`, ...) or `oracle`. */
  readonly policy: string;
  readonly params?: { readonly [key: string]: unknown };
  readonly seed: number;
  /** Retries per payment (default 3, as the fixed schedule). */
  readonly maxRetriesPerPayment?: number;
  /**
   * Reward of a retry outcome for the learning policy (default: approved ? 1 : 0). E.g. to weigh the fee:
   * `(o) => (o.approved ? 1 : 0) - o.feeEur / o.amountEur`, clipped by the caller's policy to its range.
   */
  readonly reward?: (o: { readonly approved: boolean; readonly amountEur: number; readonly feeEur: number; readonly delaySeconds: number }) => number;
  readonly progress?: Progress;
}

export interface RetryRunResult {
  readonly policy: string;
  readonly seed: number;
  readonly payments: number;
  /** Payments whose first decline the rules allow to retry. */
  readonly softDeclines: number;
  readonly recovered: number;
  /** recovered / softDeclines. */
  readonly recoveredShare: number;
  readonly softAmountEur: number;
  readonly recoveredAmountEur: number;
  readonly retries: number;
  readonly feesEur: number;
  /** recoveredAmountEur x margin (10%) - feesEur: what retrying earned. */
  readonly netEur: number;
  /** Retries answered for hard declines (must be 0: the rules stop them). */
  readonly hardRetries: number;
  readonly violations: number;
  readonly firstViolation?: string;
  /** Mean hours from the first decline to the approved retry, over recovered payments. */
  readonly meanHoursToRecovery: number;
  readonly stops: Readonly<Record<string, number>>;
}

interface Pending {
  readonly atMs: number;
  readonly seq: number;
  readonly payment: DeclinedPayment;
  readonly attempt: number;
  readonly route: string;
  readonly delaySeconds: number;
  readonly context: RetryContext;
  readonly policyContext: Context | null;
  readonly chosen: string;
}

const MARGIN = 0.1;

export function runRetrySimulation(options: RetryRunOptions): RetryRunResult {
  const { world, seed } = options;
  const progress = options.progress ?? createNoopProgress();
  const budget = options.maxRetriesPerPayment ?? 3;
  const isOracle = options.policy === 'oracle';
  const retry: RetryPolicy | undefined = isOracle ? undefined : createRetryPolicy(options.policy, options.params ?? {}, { maxRetriesPerPayment: budget });
  const space: ActionSpaceConfig = retry?.space ?? { delays: DEFAULT_DELAY_BUCKETS, maxActions: MAX_CANDIDATES, maxRetriesPerPayment: budget };
  const reward = options.reward ?? ((o) => (o.approved ? 1 : 0));
  const rngPay = new Rng(seed);
  const rngDecide = new Rng(seed);
  const rngOutcome = new Rng(seed);

  const heap: Pending[] = [];
  let seq = 0;
  const retriesOf = new Map<number, number[]>(); // payment -> scheduled retry times (the card's history)

  let softDeclines = 0;
  let recovered = 0;
  let softAmountEur = 0;
  let recoveredAmountEur = 0;
  let retries = 0;
  let feesEur = 0;
  let hardRetries = 0;
  let violations = 0;
  let firstViolation: string | undefined;
  let hoursToRecovery = 0;
  const stops: Record<string, number> = {};

  /** Answer the decline of `p` at `nowMs` after `attempt` attempts; schedule the retry if any. */
  const answer = (p: DeclinedPayment, attempt: number, nowMs: number, previousRoute: string): void => {
    const history = retriesOf.get(p.index) ?? [];
    const advice = p.context.cardNetwork === 'mastercard' ? world.adviceAt(p, nowMs) : undefined;
    const req: RetryContext = {
      ...p.context,
      occurredAtMs: nowMs,
      attempt,
      declineCode: p.declineCode,
      previousRoute,
      firstAttemptAtMs: p.truth.firstDeclineAtMs,
      ...(advice === undefined ? {} : { merchantAdviceCode: advice }),
    };
    const card = { reattemptsAtMs: history };
    let delaySeconds: number;
    let route: string;
    let policyContext: Context | null = null;
    let chosen = '';
    if (retry) {
      rngDecide.reseed(seed, `decide:${p.index}:${attempt}`);
      const d = retry.decide(req, p.candidates, card, rngDecide);
      if (attempt === 1 && d.action === 'retry') countSoft(p);
      if (d.action === 'stop') {
        stops[d.reason] = (stops[d.reason] ?? 0) + 1;
        return;
      }
      delaySeconds = d.delaySeconds;
      route = d.route;
      policyContext = d.context;
      chosen = d.chosen;
    } else {
      const verdict = allowedActions({ ...req, routes: p.candidates, merchantAdviceCode: advice }, card, space, nowMs);
      if (attempt === 1 && verdict.action === 'retry') countSoft(p);
      if (verdict.action === 'stop') {
        stops[verdict.reason] = (stops[verdict.reason] ?? 0) + 1;
        return;
      }
      // the oracle knows the hidden state and maximises recovery: the allowed action most likely to pass
      // (shortest delay on ties); when nothing is likely now but the cause will go away (funds arrive, the
      // data gets fixed), the longest allowed wait on the best route then; it stops only when nothing can pass
      let best = verdict.actions[0]!;
      let bestP = -1;
      for (const a of verdict.actions) {
        const q = world.approvalProbability(p, a.route, nowMs + a.delaySeconds * 1000);
        if (q > bestP + 1e-12) {
          best = a;
          bestP = q;
        }
      }
      if (bestP < 0.05 && Number.isFinite(p.truth.readyAtMs) && p.truth.readyAtMs > nowMs) {
        let later = -1;
        for (const a of verdict.actions) {
          const atMs = nowMs + a.delaySeconds * 1000;
          const q = world.approvalProbability(p, a.route, Math.max(atMs, p.truth.readyAtMs));
          if (a.delaySeconds > best.delaySeconds || (a.delaySeconds === best.delaySeconds && q > later)) {
            best = a;
            later = q;
          }
        }
      } else if (bestP <= 0) {
        stops['oracle-nothing-can-pass'] = (stops['oracle-nothing-can-pass'] ?? 0) + 1;
        return;
      }
      delaySeconds = best.delaySeconds;
      route = best.route;
    }
    const atMs = nowMs + delaySeconds * 1000;
    const violation = auditRetry({
      cardNetwork: p.context.cardNetwork,
      declineCode: p.declineCode,
      merchantAdviceCode: advice,
      declinedAtMs: nowMs,
      retryAtMs: atMs,
      earlierRetriesAtMs: history,
    });
    if (violation) {
      violations++;
      firstViolation ??= `payment ${p.index} attempt ${attempt}: ${violation}`;
    }
    if (p.truth.kind === 'hard') hardRetries++;
    retriesOf.set(p.index, [...history, atMs]);
    push({ atMs, seq: seq++, payment: p, attempt, route, delaySeconds, context: req, policyContext, chosen });
  };

  const countSoft = (p: DeclinedPayment): void => {
    softDeclines++;
    softAmountEur += world.amountEur(p);
  };

  const onRetry = (e: Pending): void => {
    const p = e.payment;
    retries++;
    const q = world.approvalProbability(p, e.route, e.atMs);
    rngOutcome.reseed(seed, `outcome:${p.index}:${e.attempt}`);
    const approved = rngOutcome.next() < q;
    const feeEur = world.feeEur(p, world.retryFeeMinor(p, e.route));
    feesEur += feeEur;
    const amountEur = world.amountEur(p);
    if (retry) {
      const r = reward({ approved, amountEur, feeEur, delaySeconds: e.delaySeconds });
      if (e.policyContext) retry.learn(e.policyContext, e.chosen, r, 1);
    }
    if (approved) {
      recovered++;
      recoveredAmountEur += amountEur;
      hoursToRecovery += (e.atMs - p.truth.firstDeclineAtMs) / 3_600_000;
      retriesOf.delete(p.index);
      return;
    }
    answer(p, e.attempt + 1, e.atMs, e.route);
  };

  const push = (e: Pending): void => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const pop = (): Pending => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };

  for (let i = 0; i < world.payments; i++) {
    rngPay.reseed(seed, `pay:${i}`);
    const p = world.paymentAt(i, rngPay);
    while (heap.length > 0 && heap[0]!.atMs <= p.context.occurredAtMs) onRetry(pop());
    answer(p, 1, p.context.occurredAtMs, p.firstRoute);
    progress.tick();
  }
  while (heap.length > 0) onRetry(pop());

  return {
    policy: options.policy,
    seed,
    payments: world.payments,
    softDeclines,
    recovered,
    recoveredShare: softDeclines > 0 ? recovered / softDeclines : 0,
    softAmountEur,
    recoveredAmountEur,
    retries,
    feesEur,
    netEur: recoveredAmountEur * MARGIN - feesEur,
    hardRetries,
    violations,
    ...(firstViolation === undefined ? {} : { firstViolation }),
    meanHoursToRecovery: recovered > 0 ? hoursToRecovery / recovered : 0,
    stops,
  };
}

function before(a: Pending, b: Pending): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
