/**
 * Exactly-once learning, for every outcome stream: replicas reading the same stream through one store (each
 * with its own read-ahead batches, interleaved in any order), and a replica that crashes after any message
 * and restarts from any earlier snapshot, all reach the state of applying, once each and in stream order,
 * the first valid outcome of every decision that has a record. Duplicates, malformed messages that name a
 * decision (they must not take its mark), and outcomes for decisions never made are in the stream. Nothing
 * per decision is kept in a replica or a snapshot: the store's first-outcome mark is all there is. Every
 * replica logs each outcome it applies, once.
 *
 * The store is the in-memory one (many cases) and real Redis (fewer: one script call per batch).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLinUcbPolicy } from '../../policies/linear/linucb.ts';
import type { PaymentContext } from '../../policies/core/context.ts';
import type { BusMessage } from '../../src/bus/bus.ts';
import { decisionTextOf, recordJsonOf } from '../../src/decisions/decision-json.ts';
import { DecisionIds } from '../../src/decisions/decision-id.ts';
import type { DecisionLog } from '../../src/decisions/decision-log.ts';
import type { DecisionRecord } from '../../src/decisions/decision-record.ts';
import { CachedDecisions } from '../../src/decisions/recent-decisions.ts';
import { JoinPrefetch } from '../../src/learning/join-prefetch.ts';
import { OutcomeApplier } from '../../src/learning/outcome-applier.ts';
import { PolicyState } from '../../src/learning/policy-state.ts';
import { rewardOfConfig } from '../../src/learning/reward.ts';
import { ServedPolicies } from '../../src/learning/served-policies.ts';
import { ApprovalWindow } from '../../src/metrics/approval-window.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';

const TTL_MS = 86_400_000;
const CANDIDATES = ['acq-a', 'acq-b', 'acq-c'];
const encoder = new TextEncoder();
const rewardOf = rewardOfConfig();

function contextOf(i: number, now: number): PaymentContext {
  return {
    transactionId: `tx-${i}`,
    merchantId: `m-${i % 3}`,
    amountMinor: 1000 + 37 * i,
    currency: 'EUR',
    cardNetwork: i % 2 ? 'visa' : 'mastercard',
    cardType: 'credit',
    issuerCountry: ['FR', 'DE', 'US'][i % 3]!,
    channel: 'ecom',
    mcc: '5411',
    threeDS: i % 2 === 0,
    occurredAtMs: now,
  };
}

interface World {
  readonly records: DecisionRecord[];
  /** Ids of decisions never made (no record anywhere). */
  readonly unknown: string[];
}

function world(decisions: number, now: number): World {
  const ids = new DecisionIds();
  // every third a retry decision: learned by the other state
  const kindOf = (i: number) => (i % 3 === 2 ? ('retry' as const) : ('route' as const));
  const records = Array.from({ length: decisions }, (_, i): DecisionRecord => ({
    type: 'decision',
    decisionId: ids.next(now, kindOf(i)),
    kind: kindOf(i),
    at: new Date(now).toISOString(),
    policy: 'linucb',
    policyVersion: '1',
    seed: 1,
    key: `${kindOf(i)}:tx-${i}`,
    observations: 0,
    context: contextOf(i, now),
    candidates: CANDIDATES,
    probabilities: [1, 0, 0],
    scores: [0, 0, 0],
    chosen: CANDIDATES[i % 3]!,
    propensity: 1,
  }));
  return { records, unknown: [ids.next(now), ids.next(now)] };
}

type Event = { readonly type: 'valid'; readonly decision: number; readonly approved: boolean } | { readonly type: 'malformed'; readonly decision: number; readonly how: number } | { readonly type: 'unknown'; readonly which: number };

const DECISIONS = 6;
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('valid' as const), decision: fc.nat(DECISIONS - 1), approved: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('malformed' as const), decision: fc.nat(DECISIONS - 1), how: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('unknown' as const), which: fc.nat(1) }) },
);

function bodyOf(e: Event, w: World): unknown {
  switch (e.type) {
    case 'valid':
      return { decisionId: w.records[e.decision]!.decisionId, approved: e.approved, responseCode: e.approved ? '00' : '05' };
    case 'malformed': {
      const decisionId = w.records[e.decision]!.decisionId;
      return [{ decisionId }, { decisionId, approved: 'yes' }, { decisionId, approved: true, occurredAt: 'yesterday' }][e.how];
    }
    case 'unknown':
      return { decisionId: w.unknown[e.which]!, approved: true };
  }
}

function messagesOf(events: readonly Event[], w: World, now: number): BusMessage[] {
  return events.map((e, i) => ({
    subject: 'outcomes',
    data: encoder.encode(JSON.stringify(bodyOf(e, w))),
    seq: i + 1,
    timestampMs: now + i,
    deliveryCount: 1,
    ack: () => {},
    nak: () => {},
    term: () => {},
  }));
}

/** The states (route and retry) of applying, in stream order, the first valid outcome of each decision. */
function expectedStates(events: readonly Event[], w: World): string[] {
  const policies = { route: createLinUcbPolicy(), retry: createLinUcbPolicy() };
  const seen = new Set<number>();
  for (const e of events) {
    if (e.type !== 'valid' || seen.has(e.decision)) continue;
    seen.add(e.decision);
    const r = w.records[e.decision]!;
    const { reward, weight } = rewardOf({ decisionId: r.decisionId, approved: e.approved, responseCode: e.approved ? '00' : '05' }, r.context);
    policies[r.kind].update(r.context, r.chosen, reward, weight);
  }
  return [JSON.stringify(policies.route.snapshot()), JSON.stringify(policies.retry.snapshot())];
}

const statesOf = (r: { route: PolicyState; retry: PolicyState }) => [JSON.stringify(r.route.policy.snapshot()), JSON.stringify(r.retry.policy.snapshot())];

/** One replica: its policies, its cache of recent decisions (some held locally), its read-ahead and applier. */
/** Outcomes logged on the decision stream: [replica, decisionId]. */
type StreamLog = [string, string][];

function replica(name: string, store: Store, w: World, local: readonly number[], streamed: StreamLog = []) {
  const route = new PolicyState(createLinUcbPolicy(), 'route');
  const retry = new PolicyState(createLinUcbPolicy(), 'retry');
  const policies = new ServedPolicies(route, retry);
  const recent = new CachedDecisions(100, TTL_MS);
  for (const i of local) {
    const r = w.records[i]!;
    recent.add(r.key, r, Date.parse(r.at));
    recent.markPersisted(r.decisionId);
  }
  const approval = new ApprovalWindow();
  const joins = new JoinPrefetch({ store, recent, skipSubject: 'admin', included: (id, seq) => policies.includesOutcome(id, seq), ttlMs: TTL_MS });
  const applier = new OutcomeApplier({
    policies,
    store: joins.store,
    recent,
    metrics: createMetrics(approval),
    approval,
    log: {
      outcome: (r: { decisionId: string }) => {
        streamed.push([name, r.decisionId]);
      },
    } as unknown as DecisionLog,
    rewardOf,
    ttlMs: TTL_MS,
    adminSubject: 'admin',
    deadLetter: () => {},
    joinGraceMs: 0,
  });
  return { route, retry, policies, joins, applier };
}

type Replica = ReturnType<typeof replica>;

/**
 * Deliver `messages[from..)` to `r` as pull batches of `batch`, each read ahead whole and then handled in
 * order, until `stop` messages are handled (a crash may leave the rest of a batch read ahead, unhandled);
 * `after` is told each sequence handled. Answers where it stopped.
 */
async function deliver(r: Replica, messages: readonly BusMessage[], from: number, stop: number, batch: number, after?: (seq: number) => void): Promise<number> {
  let i = from;
  while (i < stop) {
    const slice = messages.slice(i, i + batch);
    r.joins.prefetch(slice);
    for (const m of slice) {
      if (i >= stop) break;
      await r.applier.handle(m);
      i++;
      after?.(m.seq);
    }
  }
  return i;
}

interface Case {
  readonly events: Event[];
  readonly batches: [number, number];
  readonly crashAfter: number;
  /** After how many messages b's route state and its retry state were last snapshotted (each on its own). */
  readonly snapshotAt: [number, number];
  readonly local: number[];
  readonly order: boolean[];
}

const scenario: fc.Arbitrary<Case> = fc.array(event, { minLength: 1, maxLength: 40 }).chain((events) =>
  fc.record({
    events: fc.constant(events),
    batches: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })),
    crashAfter: fc.integer({ min: 0, max: events.length }),
    snapshotAt: fc.tuple(fc.integer({ min: 0, max: events.length }), fc.integer({ min: 0, max: events.length })),
    local: fc.subarray([...Array(DECISIONS).keys()]),
    order: fc.array(fc.boolean(), { minLength: 2 * events.length, maxLength: 2 * events.length }),
  }),
);

async function check(store: Store, c: Case): Promise<void> {
  const now = Date.now();
  const w = world(DECISIONS, now);
  await store.putDecisions(w.records.map((r) => ({ transactionKey: r.key, decisionId: r.decisionId, recordJson: recordJsonOf(r, decisionTextOf(r)), ttlMs: TTL_MS })));
  const messages = messagesOf(c.events, w, now);
  const n = messages.length;
  const expected = expectedStates(c.events, w);

  // replicas a and b read the stream interleaved, batch by batch, in the order drawn; b crashes after
  // `crashAfter` messages, and its last snapshot was taken after `snapshotAt` of them (a timer: mid-batch)
  const streamed: StreamLog = [];
  const a = replica('a', store, w, c.local, streamed);
  const b = replica('b', store, w, [], streamed);
  const crashAt = c.crashAfter;
  const snapAt = c.snapshotAt.map((at) => Math.min(at, crashAt));
  const states = [b.route, b.retry];
  const snapshots: unknown[] = states.map((st, k) => (snapAt[k] === 0 ? JSON.parse(JSON.stringify(st.snapshot())) : undefined));
  const takeSnapshot = (seq: number) => {
    states.forEach((st, k) => {
      if (seq === snapAt[k]) snapshots[k] = JSON.parse(JSON.stringify(st.snapshot()));
    });
  };
  let ia = 0;
  let ib = 0;
  for (const turn of c.order) {
    if (turn) ia = await deliver(a, messages, ia, Math.min(n, ia + c.batches[0]), c.batches[0]);
    else ib = await deliver(b, messages, ib, Math.min(crashAt, ib + c.batches[1]), c.batches[1], takeSnapshot);
  }
  await deliver(a, messages, ia, n, c.batches[0]);
  await deliver(b, messages, ib, crashAt, c.batches[1], takeSnapshot);

  // b restarts from its snapshot (a fresh process: nothing but the snapshot and the store) and replays the rest
  const b2 = replica('b', store, w, [], streamed);
  // each state from its own snapshot: the consumer resumes after the lower one, and a message the other
  // state includes is applied only to the state that does not
  b2.route.restore(snapshots[0]);
  b2.retry.restore(snapshots[1]);
  await deliver(b2, messages, b2.policies.seq, n, c.batches[1]);
  expect(b2.policies.seq).toBe(n);

  expect(statesOf(a)).toEqual(expected);
  expect(statesOf(b2)).toEqual(expected);
  expect(a.route.seq).toBe(n);
  expect(b2.route.seq).toBe(n);
  expect(JSON.stringify(b2.route.snapshot())).not.toContain('applied');
  // each replica logs every outcome it applies, once (b's restart logs again what it replays)
  const applied = [...new Set(c.events.flatMap((e) => (e.type === 'valid' ? [w.records[e.decision]!.decisionId] : [])))].sort();
  const loggedBy = (who: string) => streamed.filter(([r]) => r === who).map(([, id]) => id);
  expect([...loggedBy('a')].sort()).toEqual(applied);
  expect([...new Set(loggedBy('b'))].sort()).toEqual(applied);
}

describe('exactly-once learning through the store\'s first-outcome mark', () => {
  it('memory store: every replica and every restart from any snapshot applies the first valid outcome of each decision once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (c) => {
        const inner = new MemoryStore();
        // a Redis-kind view of it, so the read-ahead runs as it does in front of Redis
        const store: Store = Object.assign(Object.create(inner) as Store, { kind: 'redis' as const, state: () => 'connected' as const });
        await check(store, c);
      }),
      { numRuns: 150 },
    );
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  const stores: RedisStore[] = [];
  afterAll(async () => {
    for (const s of stores) {
      await s.clear();
      await s.close();
    }
  });
  it.runIf(redisUrl !== undefined)('real Redis: the same, with one script call per read-ahead batch', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (c) => {
        const store = new RedisStore({ url: redisUrl!, prefix: `exactly-once-${process.pid}-${stores.length}:` });
        stores.push(store);
        await store.connect();
        for (let i = 0; store.state() !== 'connected' && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
        await check(store, c);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
