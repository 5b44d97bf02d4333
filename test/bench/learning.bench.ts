/**
 * Learning (`npm run bench -- learning`): outcomes applied per second from JetStream by the router's
 * outcome applier, against a bare consume-and-ack loop with the same client (the `nats` package) on the
 * same stream, in the same run.
 *
 * Setup (NATS and Redis at 127.0.0.1, a unique namespace and outcome subject, removed afterwards): the
 * router (a child process, LinUCB) makes `--decisions N` decisions over HTTP (default 50,000: a shorter
 * stream is applied in well under a second by a process just started, so it measures the JIT's warm-up more
 * than the path; 10,000 gave 0.475 where 50,000 gave 0.563 and 0.528 in the same hour) and stops
 * (its decision records are in Redis); N outcomes are published to its outcome stream. Then, alternating,
 * `--repeats R` times (default 3):
 * - bare: a fresh durable consumer from the first message, explicit ack, the router's pull options
 *   (256 messages per pull); time from consumer creation to the N-th ack (flushed);
 * - router: its snapshot removed, the router restarts and applies the whole stream (join each outcome to
 *   its decision in Redis, update the policy, log, ack); time from its "consuming outcomes" log line to
 *   its "caught up" line (both pino timestamps).
 */
import { pathToFileURL } from 'node:url';
import { AckPolicy, DeliverPolicy, connect, nanos, type NatsConnection } from 'nats';
import { Redis } from 'ioredis';
import { formatTable, type BenchRow } from './harness.ts';
import { cleanUp } from './service/cleanup.ts';
import { cpuSeconds, flag, median, numberFlag, startRouter, waitReady, type ServerProcess } from './service/processes.ts';

const encoder = new TextEncoder();

async function makeDecisions(router: ServerProcess, n: number, concurrency = 16): Promise<string[]> {
  const ids: string[] = new Array<string>(n);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const res = await fetch(`${router.url}/v1/route`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          transactionId: `learn-${i}`,
          merchantId: `m-${i % 50}`,
          amountMinor: 1000 + (i % 9000),
          currency: 'EUR',
          cardNetwork: ['visa', 'mastercard', 'amex'][i % 3],
          cardType: 'credit',
          issuerCountry: ['FR', 'DE', 'US'][i % 3],
          channel: 'ecom',
          mcc: '5411',
          threeDS: i % 2 === 0,
          candidates: ['acq-a', 'acq-b', 'acq-c', 'acq-d'],
        }),
      });
      if (!res.ok) throw new Error(`route ${i}: ${res.status} ${await res.text()}`);
      ids[i] = ((await res.json()) as { decisionId: string }).decisionId;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

async function publishOutcomes(nc: NatsConnection, subject: string, ids: readonly string[]): Promise<void> {
  const js = nc.jetstream();
  for (let i = 0; i < ids.length; i += 256) {
    await Promise.all(
      ids.slice(i, i + 256).map((decisionId, j) => js.publish(subject, encoder.encode(JSON.stringify({ decisionId, approved: (i + j) % 5 !== 0, responseCode: '00', latencyMs: 200 })), { msgID: `o-${decisionId}` })),
    );
  }
}

/** Bare loop: consume and ack `n` messages with a fresh durable; messages per second. */
async function bareLoop(nc: NatsConnection, stream: string, n: number, round: number): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const durable = `bench-bare-${round}`;
  const t0 = performance.now();
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(30_000), max_ack_pending: 1000 });
  const consumer = await nc.jetstream().consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: 256 });
  let seen = 0;
  const deadline = Date.now() + 120_000;
  for await (const m of messages) {
    m.ack();
    if (++seen >= n || Date.now() > deadline) break;
  }
  await nc.flush();
  const seconds = (performance.now() - t0) / 1000;
  messages.stop();
  await jsm.consumers.delete(stream, durable);
  if (seen < n) throw new Error(`bare loop saw ${seen} of ${n} messages`);
  return n / seconds;
}

function logTime(output: string, msg: string, after: number): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    const t = /"time":(\d+)/.exec(line);
    if (t && Number(t[1]) >= after) return Number(t[1]);
  }
  return undefined;
}

/** CPU seconds (user + system, every thread) of a process so far, from /proc; NaN where there is no /proc. */

/**
 * Router: restart with no snapshot, apply the whole stream; outcomes per second, and the router's CPU per
 * outcome between the two log lines (read from /proc when each line is first seen, polled every 10 ms).
 */
async function routerRun(env: Record<string, string>, nodeArgs: readonly string[], redis: Redis, snapshotKey: string, n: number): Promise<{ rate: number; applied: number; cpuUs: number }> {
  await redis.del(snapshotKey);
  const started = Date.now();
  const router = await startRouter('router learning', env, nodeArgs);
  try {
    const deadline = Date.now() + 180_000;
    let from: number | undefined;
    let to: number | undefined;
    let cpuFrom = Number.NaN;
    let cpuTo = Number.NaN;
    while (Date.now() < deadline) {
      if (from === undefined) {
        from = logTime(router.output(), 'consuming outcomes', started);
        if (from !== undefined) cpuFrom = cpuSeconds(router.child.pid);
      }
      to = logTime(router.output(), 'policy state caught up with the outcome stream', started);
      if (from !== undefined && to !== undefined) {
        cpuTo = cpuSeconds(router.child.pid);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    if (from === undefined || to === undefined) throw new Error(`router did not catch up: ${router.output().slice(-2000)}`);
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    const applied = Number(/router_outcomes_applied_total\{kind="route"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    return { rate: n / Math.max(0.001, (to - from) / 1000), applied, cpuUs: ((cpuTo - cpuFrom) / n) * 1e6 };
  } finally {
    await router.stop();
  }
}

export async function bench(): Promise<BenchRow[]> {
  const n = numberFlag('decisions', 50_000);
  const repeats = numberFlag('repeats', 3);
  const natsUrl = flag('nats') ?? 'nats://127.0.0.1:4222';
  const redisUrl = flag('redis') ?? 'redis://127.0.0.1:6379';
  const namespace = `benchl${Date.now().toString(36)}`;
  const subject = `${namespace}.outcome`;
  const profileDir = flag('profile-dir'); // --profile-dir D: CPU profiles of the router's apply runs in D
  const env: Record<string, string> = { ROUTE_POLICY: 'linucb', NATS_URL: natsUrl, REDIS_URL: redisUrl, ROUTER_NAMESPACE: namespace, OUTCOME_SUBJECT: subject, ROUTER_REPLICA_ID: 'bench-learn', SNAPSHOT_INTERVAL_MS: '3600000', LOG_LEVEL: 'info' };
  const stream = `${namespace.toUpperCase()}_OUTCOMES`;
  const nc = await connect({ servers: natsUrl, name: 'bench-learning' });
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const bare: number[] = [];
  const routed: number[] = [];
  const cpu: number[] = [];
  let applied = 0;
  try {
    const router = await startRouter('router decisions', env);
    let ids: string[];
    try {
      await waitReady(router);
      process.stderr.write(`bench: learning: ${n} decisions over HTTP ...\n`);
      ids = await makeDecisions(router, n);
    } finally {
      await router.stop();
    }
    process.stderr.write(`bench: learning: ${n} outcomes to ${subject} ...\n`);
    await publishOutcomes(nc, subject, ids);
    for (let r = 0; r < repeats; r++) {
      const b = await bareLoop(nc, stream, n, r);
      const x = await routerRun(env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [], redis, `${namespace}:snapshot:route:linucb`, n);
      bare.push(b);
      routed.push(x.rate);
      cpu.push(x.cpuUs);
      applied = x.applied;
      process.stderr.write(`bench: learning: bare ${b.toFixed(0)} msg/s, router ${x.rate.toFixed(0)} outcomes/s (${x.applied} applied, ${x.cpuUs.toFixed(0)} us CPU per outcome)\n`);
    }
  } finally {
    await redis.quit();
    await nc.close();
    await cleanUp(namespace, natsUrl, redisUrl);
  }
  const b = median(bare);
  const x = median(routed);
  return [
    { group: 'learning', name: 'bare consume + ack (nats client)', value: b, unit: 'msg/s', note: `${n} messages x ${repeats}, medians` },
    { group: 'learning', name: 'router outcomes applied from JetStream', value: x, unit: 'outcomes/s', baseline: b, target: '>= 50% of bare', pass: x >= 0.5 * b && applied === n, note: `join in Redis, linucb update, log, ack; ${applied} of ${n} applied` },
    { group: 'learning', name: 'router CPU per outcome applied', value: median(cpu), unit: 'us', note: 'router process, every thread (GC and compiler included), between the two log lines; /proc' },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatTable(await bench())}\n`);
}
