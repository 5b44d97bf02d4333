/**
 * Composition of the router service from a validated Config: bus and store (real or embedded), policy
 * state, decision service, outcome applier and learner, admin, metrics, and the fastify app. `main.ts`
 * runs it as a process; tests run it in-process. Nothing here reads the environment.
 */
import { pino, type Logger } from 'pino';
import type { Policy } from '../policies/core/policy.ts';
import { createPolicy } from '../policies/registry.ts';
import { createRetryBasePolicy } from '../policies/retry/factory.ts';
import { AdminService } from './admin/admin-service.ts';
import type { Bus } from './bus/bus.ts';
import { EmbeddedBus } from './bus/embedded-bus.ts';
import { NatsBus } from './bus/nats-bus.ts';
import { namesOf, type Config, type Names } from './config.ts';
import { DecisionIds } from './decisions/decision-id.ts';
import { DecisionLog } from './decisions/decision-log.ts';
import { DecisionService } from './decisions/decision-service.ts';
import { CachedDecisions, StoreDecisions, type RecentDecisions } from './decisions/recent-decisions.ts';
import { ttlStartOf } from './decisions/decision-record.ts';
import { buildApp } from './http/app.ts';
import { DeadLetters } from './learning/dead-letters.ts';
import { JoinPrefetch } from './learning/join-prefetch.ts';
import { Learner } from './learning/learner.ts';
import { OutcomeApplier } from './learning/outcome-applier.ts';
import { OutcomeIntake } from './learning/outcome-intake.ts';
import { PolicyState } from './learning/policy-state.ts';
import { ServedPolicies } from './learning/served-policies.ts';
import { rewardOfConfig, type RewardOf } from './learning/reward.ts';
import { ApprovalWindow } from './metrics/approval-window.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { readinessOf } from './readiness.ts';
import { MemoryAttemptCounterStore, type AttemptCounterStore } from './retry/counter-store.ts';
import { RedisAttemptCounterStore } from './retry/redis-counter-store.ts';
import { RetryService } from './retry/retry-service.ts';
import { parseTimestamp } from './time.ts';
import { MemoryStore } from './store/memory-store.ts';
import { RedisStore } from './store/redis-store.ts';
import { SlabArena } from './store/slab-arena.ts';
import type { Store } from './store/store.ts';
import type { FastifyInstance } from 'fastify';

export interface RouterOptions {
  /** Override the bus (tests share one embedded bus between routers). */
  readonly bus?: Bus;
  readonly store?: Store;
  readonly logger?: Logger;
  readonly rewardOf?: RewardOf;
  /** Reward of retry outcomes (default: `rewardOf`). */
  readonly retryRewardOf?: RewardOf;
  /** Build the served route policy by name (default: the registry's createPolicy). */
  readonly policyFactory?: (name: string, params?: { readonly [key: string]: unknown }) => Policy;
  /** Build the served retry policy by name (default: createRetryBasePolicy: `fixed`, the linear policies with the retry features, any registry name). */
  readonly retryPolicyFactory?: (name: string, params?: { readonly [key: string]: unknown }) => Policy;
  readonly defaultMetrics?: boolean;
  /** Time allowed for draining buffers at shutdown. */
  readonly drainTimeoutMs?: number;
  /**
   * Embedded mode's table sizes: the decisions the in-memory store keeps (default 1,000,000) and the
   * messages each embedded stream keeps (200,000). Experiments shrink them to see a router whose tables
   * are full and reuse their memory (test/bench/service/in-process.ts).
   */
  readonly embeddedCapacity?: { readonly decisions?: number; readonly messagesPerStream?: number };
}

export interface Router {
  readonly config: Config;
  readonly names: Names;
  readonly app: FastifyInstance;
  readonly bus: Bus;
  readonly store: Store;
  /** The route policy's state (`policies.route`). */
  readonly state: PolicyState;
  /** Both served policies: route and retry. */
  readonly policies: ServedPolicies;
  readonly learner: Learner;
  /** The decision path under `POST /v1/route` and the retry service, without HTTP (its input is not validated here: experiments). */
  readonly decisions: DecisionService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Listen on config.host:config.port and start learning in the background; resolves with the address. */
  listen(): Promise<string>;
  /** Start learning without listening (tests using app.inject()). */
  startLearning(): Promise<void>;
  /** Graceful stop: drain HTTP, stop the consumer after its current ack, flush buffers, final snapshot. */
  close(): Promise<void>;
}

export async function createRouter(config: Config, options: RouterOptions = {}): Promise<Router> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { replica: config.replicaId } });
  const names = namesOf(config);
  const approval = new ApprovalWindow();
  // one arena for the bytes of every in-memory table (store, embedded bus, recent-decision cache): what
  // one empties another fills, and V8 sees a few large chunks instead of a backing store per 64 KB
  const arena = new SlabArena();
  const metrics = createMetrics(approval, { defaultMetrics: options.defaultMetrics ?? false, slabs: arena });
  const bus: Bus = options.bus ?? (config.natsUrl ? new NatsBus({ servers: config.natsUrl, name: `router-${config.replicaId}` }) : new EmbeddedBus({ arena, ...(options.embeddedCapacity?.messagesPerStream !== undefined ? { maxMessagesPerStream: options.embeddedCapacity.messagesPerStream } : {}) }));
  const store: Store = options.store ?? (config.redisUrl ? new RedisStore({ url: config.redisUrl, prefix: names.keyPrefix }) : new MemoryStore({ arena, ...(options.embeddedCapacity?.decisions !== undefined ? { maxDecisions: options.embeddedCapacity.decisions } : {}) }));
  // embedded mode: the recent-decision cache reads the in-memory store's entries instead of copies (a
  // store given by the caller may be shared with other routers, each with a cache of its own)
  const ownMemoryStore = options.store === undefined && store instanceof MemoryStore ? store : undefined;
  let busDetail: string | undefined;
  let storeDetail: string | undefined;
  const up = (dep: 'bus' | 'store', ok: boolean) => metrics.dependencyUp.set({ dependency: dep }, ok ? 1 : 0);
  up('bus', bus.kind === 'embedded');
  up('store', store.kind === 'memory');
  bus.onState((s, detail) => {
    busDetail = detail;
    up('bus', s === 'connected' || s === 'embedded');
    if (s === 'reconnecting') metrics.degraded.inc({ dependency: 'bus', operation: 'connection' });
    logger.info({ state: s, detail }, 'bus state');
  });
  store.onState((s, detail) => {
    storeDetail = detail;
    up('store', s === 'connected' || s === 'memory');
    if (s === 'down') metrics.degraded.inc({ dependency: 'store', operation: 'connection' });
    logger.info({ state: s, detail }, 'store state');
  });

  const routeFactory = options.policyFactory ?? createPolicy;
  const retryFactory = options.retryPolicyFactory ?? createRetryBasePolicy;
  const state = new PolicyState(routeFactory(config.routePolicy, config.routePolicyParams), 'route', Object.keys(config.routePolicyParams));
  const retryState = new PolicyState(retryFactory(config.retryPolicy, {}), 'retry');
  const policies = new ServedPolicies(state, retryState);
  for (const s of policies.all) metrics.policyObservations.set({ kind: s.kind, policy: s.policy.name }, 0);
  const ids = new DecisionIds();
  const recent: RecentDecisions = ownMemoryStore ? new StoreDecisions(ownMemoryStore) : new CachedDecisions(200_000, config.decisionTtlMs, Date.now, arena);
  const log = new DecisionLog({
    bus,
    metrics,
    decisionSubject: names.decisionSubject,
    appliedSubject: names.appliedSubject,
    file: config.decisionLogFile,
    onError: (err) => logger.debug({ err }, 'decision log publish deferred'),
  });
  const decisions = new DecisionService({
    state,
    seed: config.seed,
    ttlMs: config.decisionTtlMs,
    storeBudgetMs: config.storeBudgetMs,
    store,
    recent,
    ids,
    log,
    metrics,
    now: Date.now,
    onError: (err) => logger.debug({ err }, 'decision write deferred'),
  });
  const counters: AttemptCounterStore = store instanceof RedisStore ? new RedisAttemptCounterStore(store.connection, { prefix: names.keyPrefix }) : new MemoryAttemptCounterStore();
  const retry = new RetryService({
    policy: () => retryState.policy,
    counters,
    seed: config.seed,
    now: Date.now,
    newDecisionId: (atMs) => ids.next(atMs, 'retry'),
    // kept like a route decision (join store, decision log), for as long as its outcome may take to come
    onDecision: async (record) => {
      const at = Date.parse(record.at);
      await decisions.keep(`retry:${record.key}`, record, at, ttlStartOf(record) - at + config.decisionTtlMs);
    },
    metrics,
    parseTimestamp,
  });
  const deadLetters = new DeadLetters(store, bus, names.deadLetterSubject, metrics);
  const intake = new OutcomeIntake({ bus, subject: config.outcomeSubject, metrics });
  const late: { learner?: Learner; admin?: AdminService } = {};
  const joins = new JoinPrefetch({
    store,
    recent,
    skipSubject: names.adminSubject,
    included: (id, seq) => policies.includesOutcome(id, seq),
    ttlMs: config.decisionTtlMs,
  });
  const applier = new OutcomeApplier({
    policies,
    store: joins.store,
    recent,
    metrics,
    approval,
    log,
    rewardOf: options.rewardOf ?? rewardOfConfig(config.reward),
    retryRewardOf: options.retryRewardOf ?? rewardOfConfig(config.retryReward),
    ttlMs: config.decisionTtlMs,
    adminSubject: names.adminSubject,
    deadLetter: (d) => {
      logger.warn({ seq: d.seq, reason: d.reason, detail: d.detail }, 'outcome dead-lettered');
      deadLetters.add(d);
    },
    onAdmin: (change, err) => {
      if (err) logger.error({ err, change }, 'admin change not applied');
      else logger.info({ change }, 'admin change applied');
    },
    onApplied: (seq) => {
      late.learner?.onApplied();
      late.admin?.onApplied(seq);
    },
    onError: (err) => logger.error({ err }, 'outcome applier error'),
    isStopping: () => late.learner?.isStopping ?? false,
  });
  const theLearner = new Learner({
    policies,
    bus,
    store,
    applier,
    metrics,
    names,
    outcomeSubject: config.outcomeSubject,
    snapshotIntervalMs: config.snapshotIntervalMs,
    logger,
    prefetch: joins.prefetch,
    onStreams: () => {
      log.enable();
      intake.enable();
      deadLetters.enableBus();
    },
  });
  const theAdmin = new AdminService({
    policies,
    bus,
    store,
    learner: theLearner,
    adminSubject: names.adminSubject,
    policyFactory: (kind, name, params) => (kind === 'route' ? routeFactory : retryFactory)(name, params),
  });
  late.learner = theLearner;
  late.admin = theAdmin;

  const app = await buildApp({
    route: (body) => decisions.routeReply(body),
    retry,
    acceptOutcomes: (outcomes) => intake.accept(outcomes),
    readiness: () =>
      readinessOf({
        bus,
        store,
        learner: theLearner,
        state,
        busDetail: () => busDetail,
        storeDetail: () => storeDetail,
        buffered: () => ({ decisions: decisions.pendingWrites, outcomes: intake.pending, log: log.pending }),
      }),
    metrics,
    admin: theAdmin,
    adminToken: config.adminToken,
    logger,
  });

  let started: Promise<void> | undefined;
  const startLearning = (): Promise<void> => {
    started ??= (async () => {
      void store.connect();
      void theLearner.start().catch((err: unknown) => logger.error({ err }, 'learner failed'));
    })();
    return started;
  };

  let closing: Promise<void> | undefined;
  const drain = options.drainTimeoutMs ?? 5000;
  return {
    config,
    decisions,
    names,
    app,
    bus,
    store,
    state,
    policies,
    learner: theLearner,
    metrics,
    logger,
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      logger.info({ address, policy: state.policy.name, retryPolicy: retryState.policy.name, seed: config.seed, bus: bus.kind, store: store.kind }, 'router listening');
      await startLearning();
      return address;
    },
    startLearning,
    close() {
      closing ??= (async () => {
        await app.close(); // stops accepting, waits for in-flight requests
        await theLearner.stop(); // current message acked, final snapshot
        const left = await Promise.all([decisions.close(drain), intake.close(drain), log.close(drain), deadLetters.close(drain)]);
        if (left.some((n) => typeof n === 'number' && n > 0)) logger.warn({ left }, 'buffers not fully drained at shutdown');
        await bus.close();
        await store.close();
        logger.info({ seq: policies.seq, observations: state.policy.observations, retryObservations: retryState.policy.observations }, 'router stopped');
      })();
      return closing;
    },
  };
}
