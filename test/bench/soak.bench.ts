/**
 * Soak (`npm run bench -- soak [--duration S]`, default 60 s; the 5-minute run is
 * `npm run bench -- soak --duration 300`): the router on NATS + Redis (unique namespace, removed
 * afterwards) with a short decision TTL (`--ttl S`, default 15 s), under a bounded closed loop of
 * decisions (`--workers N`, default 8) whose outcomes are reported over HTTP in batches of 50 (published to
 * the stream and learned). Every 2 s: the router's resident memory, the join store's size (keys of the
 * namespace in Redis), decisions and outcomes applied so far.
 *
 * Figures: resident memory at the end against after warm-up (a third of the run, at least two TTLs, at
 * most half), which must stay flat (within 20%); join-store keys at the end against what the TTL allows (two keys per decision made in
 * the last TTL, its record and its transaction's, and one per outcome applied in it, the mark of its
 * decision's first outcome, which expires with the record; with 25% slack).
 */
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { formatTable, type BenchRow } from './harness.ts';
import { cleanUp } from './service/cleanup.ts';
import { routeBody } from './service/load.ts';
import { flag, median, numberFlag, scrape, startRouter, total, waitReady } from './service/processes.ts';

interface Sample {
  readonly t: number;
  readonly rssMB: number;
  readonly keys: number;
  readonly decisions: number;
  readonly applied: number;
}

async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

export async function bench(): Promise<BenchRow[]> {
  const duration = numberFlag('duration', 60);
  const ttl = numberFlag('ttl', 15);
  const workers = numberFlag('workers', 8);
  const natsUrl = flag('nats') ?? 'nats://127.0.0.1:4222';
  const redisUrl = flag('redis') ?? 'redis://127.0.0.1:6379';
  const namespace = `benchs${Date.now().toString(36)}`;
  const router = await startRouter('router soak', {
    ROUTE_POLICY: 'linucb',
    NATS_URL: natsUrl,
    REDIS_URL: redisUrl,
    ROUTER_NAMESPACE: namespace,
    OUTCOME_SUBJECT: `${namespace}.outcome`,
    ROUTER_REPLICA_ID: 'bench-soak',
    DECISION_TTL_SECONDS: String(ttl),
  });
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const samples: Sample[] = [];
  let made = 0;
  let failed = 0;
  try {
    await waitReady(router);
    const t0 = Date.now();
    const end = t0 + duration * 1000;
    const maxDecisions = 50_000_000; // bounded in count as well as in time
    const sampler = (async () => {
      while (Date.now() < end + 1000) {
        const m = await scrape(router);
        const sample: Sample = {
          t: (Date.now() - t0) / 1000,
          rssMB: router.rssMB(),
          keys: await countKeys(redis, `${namespace}:`),
          decisions: total(m, 'router_decisions_total'),
          applied: total(m, 'router_outcomes_applied_total'),
        };
        samples.push(sample);
        // progress every 30 s (the samples are every 2 s; all of them are printed at the end)
        if (samples.length % 15 === 1) process.stderr.write(`bench: soak ${sample.t.toFixed(0)} s of ${duration}: rss ${sample.rssMB.toFixed(0)} MB, ${sample.keys} join-store keys, ${sample.decisions} decisions, ${sample.applied} outcomes applied\n`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    const worker = async (w: number) => {
      const pending: { decisionId: string; approved: boolean }[] = [];
      let i = 0;
      while (Date.now() < end && made < maxDecisions) {
        const body = routeBody(i % 16, `soak-${w}-${i}`);
        i++;
        made++;
        const res = await fetch(`${router.url}/v1/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (!res.ok) {
          failed++;
          await res.arrayBuffer();
          continue;
        }
        const d = (await res.json()) as { decisionId: string };
        pending.push({ decisionId: d.decisionId, approved: i % 7 !== 0 });
        if (pending.length >= 50) {
          const r = await fetch(`${router.url}/v1/outcomes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcomes: pending.splice(0) }) });
          if (r.status !== 202) failed++;
          await r.arrayBuffer();
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    await sampler;
  } finally {
    await router.stop();
    await redis.quit();
    await cleanUp(namespace, natsUrl, redisUrl);
  }
  const last = samples.at(-1)!;
  // warm-up: a third of the run, and at least two TTLs (the join store and caches fill for one TTL), at most half
  const warmAt = Math.min(duration / 2, Math.max(duration / 3, 2 * ttl));
  const warm = samples.filter((s) => s.t >= warmAt - 2 && s.t <= warmAt + 2);
  const tail = samples.filter((s) => s.t >= duration - 6);
  const rssWarm = median(warm.map((s) => s.rssMB));
  const rssEnd = median(tail.map((s) => s.rssMB));
  const rssMax = Math.max(...samples.filter((s) => s.t >= warmAt).map((s) => s.rssMB));
  // decisions made and outcomes applied in the last TTL before the last sample: what the join store may
  // hold (2 keys a decision, 1 a first outcome's mark)
  const before = [...samples].reverse().find((s) => s.t <= last.t - ttl) ?? samples[0]!;
  const allowed = 2 * (last.decisions - before.decisions) + (last.applied - before.applied);
  const maxKeys = Math.max(...samples.map((s) => s.keys));
  process.stderr.write(`bench: soak samples (t s, rss MB, keys, decisions, applied):\n${samples.map((s) => `  ${s.t.toFixed(0)} ${s.rssMB.toFixed(0)} ${s.keys} ${s.decisions} ${s.applied}`).join('\n')}\n`);
  const group = 'soak';
  return [
    { group, name: `decisions in ${duration} s (${workers} workers), outcomes applied`, value: last.decisions, unit: 'decisions', note: `${last.applied} outcomes applied, ${failed} failed requests, TTL ${ttl} s` },
    { group, name: 'router RSS at the end vs after warm-up', value: rssEnd, unit: 'MB', baseline: rssWarm, target: '<= 1.2x (flat)', pass: rssEnd <= 1.2 * rssWarm, note: `max ${rssMax.toFixed(0)} MB after warm-up` },
    { group, name: 'join-store keys at the end vs TTL bound', value: last.keys, unit: 'keys', baseline: allowed, target: '<= 1.25x (2 per decision + 1 per outcome in the last TTL)', pass: last.keys <= 1.25 * allowed + 100, note: `max ${maxKeys} keys; ${2 * last.decisions + last.applied} written in all` },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatTable(await bench())}\n`);
}
