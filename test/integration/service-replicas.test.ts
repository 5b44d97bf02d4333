/**
 * Two router processes (`tsx src/main.ts`) on the real NATS and Redis, behind no load balancer but driven
 * alternately: both learn from the same outcome stream (outcomes over NATS and over HTTP to either one)
 * and converge to the same state; one is killed with SIGKILL, outcomes keep coming, and on restart it
 * loads the snapshot and replays the rest to the exact same state: nothing lost, nothing counted twice.
 * SIGTERM exits 0 after a final snapshot.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { JSONCodec } from 'nats';
import { Redis } from 'ioredis';
import { isPolicyName } from '../../policies/registry.ts';
import { FirstOutcomes } from '../../src/decisions/first-outcomes.ts';
import { readDecisionLog } from '../../simulator/logs/decision-log.ts';
import { routeBody } from '../unit/service-helpers.ts';
import { NATS_URL, REDIS_URL, ROOT, cleanup, freePort, natsClient, startRouterProcess, uniqueNamespace, until, type RouterProcess } from './service-support.ts';

const run = promisify(execFile);

const POLICY = ['linucb', 'thompson', 'lints'].find(isPolicyName) ?? 'random';
const ns = uniqueNamespace();
const ns2 = uniqueNamespace();
const procs: RouterProcess[] = [];
const jc = JSONCodec();
const auth = { authorization: 'Bearer secret' };

afterAll(async () => {
  for (const p of procs) await p.kill9();
  await cleanup(ns);
  await cleanup(ns2);
});

async function startReplica(id: string, port: number, extra: Record<string, string> = {}): Promise<RouterProcess> {
  const p = await startRouterProcess({
    PORT: String(port),
    NATS_URL,
    REDIS_URL,
    ROUTE_POLICY: POLICY,
    ROUTER_NAMESPACE: ns,
    OUTCOME_SUBJECT: `${ns}.auth.outcome`,
    ROUTER_REPLICA_ID: id,
    SNAPSHOT_INTERVAL_MS: '300',
    ADMIN_TOKEN: 'secret',
    ...extra,
  });
  procs.push(p);
  return p;
}

async function state(p: RouterProcess): Promise<{ seq: number; snapshot: { observations: number } }> {
  const res = await fetch(`${p.url}/v1/policies/${POLICY}/state`, { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as { seq: number; snapshot: { observations: number } };
}

async function streamHead(): Promise<number> {
  const nc = await natsClient();
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(`${ns.toUpperCase()}_OUTCOMES`);
  await nc.close();
  return info.state.last_seq;
}

/** Every record on the decision stream (messages split into their lines). */
async function decisionStream(): Promise<{ type: string; decisionId: string }[]> {
  const nc = await natsClient();
  try {
    const jsm = await nc.jetstreamManager();
    const stream = `${ns.toUpperCase()}_DECISIONS`;
    const { first_seq: first, last_seq: last } = (await jsm.streams.info(stream)).state;
    const records: { type: string; decisionId: string }[] = [];
    for (let seq = first; seq <= last && last > 0; seq++) for (const line of (await jsm.streams.getMessage(stream, { seq })).string().split('\n')) records.push(JSON.parse(line));
    return records;
  } finally {
    await nc.close();
  }
}

async function converged(a: RouterProcess, b: RouterProcess): Promise<string> {
  return until(
    'replicas converge',
    async () => {
      const head = await streamHead();
      const [sa, sb] = await Promise.all([state(a), state(b)]);
      if (sa.seq !== head || sb.seq !== head) return undefined;
      const ja = JSON.stringify(sa), jb = JSON.stringify(sb);
      return ja === jb ? ja : undefined;
    },
    20_000,
  );
}

async function decide(p: RouterProcess, tx: string): Promise<{ decisionId: string; route: string }> {
  const res = await fetch(`${p.url}/v1/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(routeBody(tx)) });
  expect(res.status).toBe(200);
  return (await res.json()) as { decisionId: string; route: string };
}

it(`two replicas (${POLICY}) converge; a SIGKILLed one restarts to the exact state; SIGTERM exits cleanly`, async () => {
  const [pa, pb] = [await freePort(), await freePort()];
  const [a, b] = await Promise.all([startReplica('a', pa), startReplica('b', pb)]);
  await until('both ready', async () => ((await fetch(`${a.url}/readyz`)).ok && (await fetch(`${b.url}/readyz`)).ok ? true : undefined), 20_000);

  const made: { decisionId: string; route: string }[] = [];
  for (let i = 0; i < 120; i++) made.push(await decide(i % 2 ? a : b, `tx-${i}`));
  const outcome = (d: { decisionId: string; route: string }, i: number) => ({ decisionId: d.decisionId, approved: d.route === 'acq-b' || i % 5 === 0, responseCode: '00' });
  // half over NATS, half over HTTP to either replica, plus duplicates
  const nc = await natsClient();
  const js = nc.jetstream();
  for (let i = 0; i < 60; i++) await js.publish(`${ns}.auth.outcome`, jc.encode(outcome(made[i]!, i)));
  for (const [p, from] of [[a, 60], [b, 90]] as const) {
    const batch = made.slice(from, from + 30).map((d, k) => outcome(d, from + k));
    const res = await fetch(`${p.url}/v1/outcomes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcomes: batch }) });
    expect(res.status).toBe(202);
  }
  for (let i = 0; i < 10; i++) await js.publish(`${ns}.auth.outcome`, jc.encode(outcome(made[i]!, i)));
  const first = JSON.parse(await converged(a, b));
  expect(first.snapshot.observations).toBe(120);
  // the decision stream holds every decision once (its maker's) and every applied outcome once per
  // replica (each logs what it applies); the export's view keeps one outcome per decision
  const logged = await until('outcomes logged', async () => {
    const records = await decisionStream();
    return records.filter((r) => r.type === 'outcome').length >= 240 ? records : undefined;
  });
  const count = (type: string) => {
    const n = new Map<string, number>();
    for (const r of logged) if (r.type === type) n.set(r.decisionId, (n.get(r.decisionId) ?? 0) + 1);
    return n;
  };
  const all = made.map((d) => d.decisionId).sort();
  expect([...count('decision').keys()].sort()).toEqual(all);
  expect([...count('decision').values()].every((n) => n === 1)).toBe(true);
  expect([...count('outcome').keys()].sort()).toEqual(all);
  expect([...count('outcome').values()].every((n) => n === 2)).toBe(true);
  const exported = new FirstOutcomes();
  const kept = logged.flatMap((r) => exported.take(JSON.stringify(r)));
  exported.finish();
  expect(kept.filter((l) => l.startsWith('{"type":"outcome"'))).toHaveLength(120);
  expect(exported.leftOut).toBe(120);
  // and the export script writes a file the simulator's log reader joins: 120 rows, none bad
  const out = join(mkdtempSync(join(tmpdir(), 'replicas-export-')), 'decisions.jsonl');
  const { stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/export-decision-log.ts'), '--out', out, '--nats', NATS_URL, '--namespace', ns], { cwd: ROOT });
  expect(stderr).toMatch(/exported 240 records .*; 120 outcomes left out/);
  const read = await readDecisionLog(out, () => {});
  expect([read.rows, read.bad, read.unjoined]).toEqual([120, 0, 0]);
  expect(exported.unjoined).toBe(0);

  // an admin change made on one replica reaches the other (through the stream) and survives its restart
  const listed = (await (await fetch(`${a.url}/v1/policies`, { headers: auth })).json()) as { policies: { name: string; params: Record<string, unknown> }[] };
  const params = listed.policies[0]!.params;
  const knob = ['alpha', 'v', 'epsilon', 'floor'].find((k) => typeof params[k] === 'number');
  let tuned: number | undefined;
  if (knob) {
    tuned = (params[knob] as number) * 0.9;
    const res = await fetch(`${a.url}/v1/policies/${POLICY}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ [knob]: tuned }) });
    expect(res.status).toBe(200);
    await converged(a, b);
    const onB = (await (await fetch(`${b.url}/v1/policies`, { headers: auth })).json()) as { policies: { params: Record<string, unknown> }[] };
    expect(onB.policies[0]!.params[knob]).toBe(tuned);
  }

  // kill -9 one replica; outcomes keep coming (for decisions of the other)
  await b.kill9();
  procs.splice(procs.indexOf(b), 1);
  const more: { decisionId: string; route: string }[] = [];
  for (let i = 0; i < 40; i++) more.push(await decide(a, `tx-more-${i}`));
  for (let i = 0; i < 40; i++) await js.publish(`${ns}.auth.outcome`, jc.encode(outcome(more[i]!, i)));
  for (let i = 0; i < 5; i++) await js.publish(`${ns}.auth.outcome`, jc.encode(outcome(more[i]!, i)));
  await nc.close();
  const b2 = await startReplica('b', pb);
  const after = JSON.parse(await converged(a, b2));
  expect(after.snapshot.observations).toBe(160);
  if (knob) expect(after.snapshot.params[knob]).toBe(tuned);

  // SIGTERM: drains, final snapshot at the last sequence, exit code 0
  const head = await streamHead();
  expect(await a.stop()).toBe(0);
  procs.splice(procs.indexOf(a), 1);
  const redis = new Redis(REDIS_URL);
  const seq = Number(await redis.hget(`${ns}:snapshot:route:${POLICY}`, 'seq'));
  await redis.quit();
  expect(seq).toBe(head);
}, 90_000);

it(`kill -9 after a snapshot: the restart loads it, replays the rest, and reaches the exact state (${POLICY})`, async () => {
  const port = await freePort();
  // snapshots only at shutdown: the one at 40 comes from a graceful stop, none is written before the kill
  const extra = { ROUTER_NAMESPACE: ns2, OUTCOME_SUBJECT: `${ns2}.auth.outcome`, SNAPSHOT_INTERVAL_MS: '3600000' };
  type State = { seq: number; snapshot: { observations: number } };
  const stateAt = async (p: RouterProcess, seq: number): Promise<State> =>
    until(`state at ${seq}`, async () => {
      const res = await fetch(`${p.url}/v1/policies/${POLICY}/state`, { headers: auth });
      const s = res.ok ? ((await res.json()) as State) : undefined;
      return s && s.seq === seq ? s : undefined;
    }, 20_000);
  const r0 = await startReplica('solo', port, extra);
  const made: { decisionId: string; route: string }[] = [];
  for (let i = 0; i < 80; i++) made.push(await decide(r0, `k-${i}`));
  const nc = await natsClient();
  const js = nc.jetstream();
  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await js.publish(`${ns2}.auth.outcome`, jc.encode({ decisionId: made[i]!.decisionId, approved: made[i]!.route === 'acq-a' || i % 3 === 0 }));
  };
  await send(0, 40);
  await stateAt(r0, 40);
  expect(await r0.stop()).toBe(0);
  procs.splice(procs.indexOf(r0), 1);
  const redis = new Redis(REDIS_URL);
  const key = `${ns2}:snapshot:route:${POLICY}`;
  expect(Number(await redis.hget(key, 'seq'))).toBe(40);

  const r1 = await startReplica('solo', port, extra);
  await send(40, 80);
  await send(0, 10); // duplicates of outcomes inside the snapshot
  const before = await stateAt(r1, 90);
  expect(before.snapshot.observations).toBe(80);
  await r1.kill9();
  procs.splice(procs.indexOf(r1), 1);
  expect(Number(await redis.hget(key, 'seq'))).toBe(40); // the kill left the old snapshot
  await redis.quit();
  await nc.close();

  const r2 = await startReplica('solo', port, extra);
  const after = await stateAt(r2, 90);
  expect(after).toEqual(before);
  expect(r2.output()).toMatch(/policy state restored from snapshot/);
}, 60_000);
