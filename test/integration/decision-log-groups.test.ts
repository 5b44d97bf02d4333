/**
 * The decision log on NATS groups its records, decisions and applied outcomes as logged: one message per
 * group of up to GROUP_RECORDS records (one per line, msg id `<log id>-<group number>`), every record
 * exactly once and in order, also when the groups waited (streams not ready) and were retried. Real NATS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type JsMsg } from 'nats';
import { NatsBus } from '../../src/bus/nats-bus.ts';
import { DecisionLog, GROUP_BYTES, GROUP_RECORDS } from '../../src/decisions/decision-log.ts';
import type { DecisionRecord } from '../../src/decisions/decision-record.ts';
import { ApprovalWindow } from '../../src/metrics/approval-window.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { NATS_URL, uniqueNamespace, until } from './service-support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function record(i: number, pad = 0): DecisionRecord {
  return {
    type: 'decision',
    decisionId: `d-${i.toString(36)}-00-test`,
    kind: 'route',
    at: '2026-12-01T00:00:00.000Z',
    policy: 'linucb',
    policyVersion: 'linucb/1',
    seed: 1,
    key: `tx-${i}${'x'.repeat(pad)}`,
    observations: i,
    context: { merchantId: 'm-1', amountMinor: 1000 + i, note: 'é' },
    candidates: ['acq-a', 'acq-b'],
    probabilities: [0.5, 0.5],
    scores: [0, 0],
    chosen: 'acq-a',
    propensity: 0.5,
  } as unknown as DecisionRecord;
}

async function setup() {
  const ns = uniqueNamespace();
  const stream = `${ns.toUpperCase()}_DECISIONS`;
  const decisionSubject = `${ns}.decisions`;
  const appliedSubject = `${ns}.outcomes.applied`;
  const bus = new NatsBus({ servers: NATS_URL, name: 'decision-log-groups-test', timeoutMs: 2000 });
  await bus.connect();
  const metrics = createMetrics(new ApprovalWindow());
  const log = new DecisionLog({ bus, metrics, decisionSubject, appliedSubject, file: undefined });
  const nc = await connect({ servers: NATS_URL });
  cleanups.push(async () => {
    await log.close(1000);
    await bus.deleteStream(stream);
    await bus.close();
    await nc.close();
  });
  const ensure = () => bus.ensureStream({ name: stream, subjects: [decisionSubject, appliedSubject] });
  /** Every message of the stream, in order. */
  const messages = async (): Promise<JsMsg[]> => {
    const last = await bus.lastSeq(stream);
    const out: JsMsg[] = [];
    if (last === 0) return out;
    const consumer = await nc.jetstream().consumers.get(stream);
    const iter = await consumer.consume();
    for await (const m of iter) {
      out.push(m);
      if (m.seq >= last) break;
    }
    return out;
  };
  return { bus, log, metrics, ensure, messages, decisionSubject, appliedSubject };
}

describe('DecisionLog on NATS', () => {
  it('groups decision records: each once, in order, at most GROUP_RECORDS a message, ids unique per group', async () => {
    const { log, ensure, messages, decisionSubject } = await setup();
    await ensure();
    log.enable();
    const n = 3 * GROUP_RECORDS + 5;
    for (let i = 0; i < n; i++) log.decision(record(i));
    const outcome = { type: 'outcome' as const, decisionId: record(0).decisionId, approved: true, reward: 1, weight: 1 };
    log.outcome(outcome);
    await until('all published', () => (log.pending === 0 ? true : undefined));
    const groups = await messages();
    expect(groups.every((m) => m.subject === decisionSubject)).toBe(true);
    const lines = groups.flatMap((m) => m.string().split('\n'));
    expect(lines.map((l) => (JSON.parse(l) as { decisionId: string }).decisionId)).toEqual([...Array.from({ length: n }, (_, i) => record(i).decisionId), outcome.decisionId]);
    expect(lines[0]).toBe(JSON.stringify(record(0)));
    expect(lines.at(-1)).toBe(JSON.stringify(outcome));
    expect(groups.length).toBeGreaterThanOrEqual(Math.ceil((n + 1) / GROUP_RECORDS));
    const ids = groups.map((g) => g.headers?.get('Nats-Msg-Id') ?? '');
    const logId = ids[0]!.split('-')[0];
    expect(logId).toMatch(/^[0-9a-f]{10}$/);
    expect(ids).toEqual(groups.map((_, i) => `${logId}-${(i + 1).toString(36)}`));
    for (const g of groups) expect(g.string().split('\n').length).toBeLessThanOrEqual(GROUP_RECORDS);
  });

  it('keeps the order decisions and outcomes were logged in, in the same groups', async () => {
    const { log, ensure, messages } = await setup();
    await ensure();
    log.enable();
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      log.decision(record(i));
      expected.push(`decision ${record(i).decisionId}`);
      if (i % 7 === 3) {
        const j = i - 2;
        log.outcome({ type: 'outcome', decisionId: record(j).decisionId, approved: j % 2 === 0, reward: j % 2 === 0 ? 1 : 0, weight: 1 });
        expected.push(`outcome ${record(j).decisionId}`);
      }
    }
    await until('all published', () => (log.pending === 0 ? true : undefined));
    const all = await messages();
    const lines = all.flatMap((m) => m.string().split('\n'));
    expect(lines.map((l) => { const r = JSON.parse(l) as { type: string; decisionId: string }; return `${r.type} ${r.decisionId}`; })).toEqual(expected);
    expect(all.length).toBeLessThan(expected.length / 4); // grouped across the outcomes, not split at each
  });

  it('two logs (two replicas, or one process and its restart) never share a group id', async () => {
    const { bus, log, ensure, messages, decisionSubject, appliedSubject } = await setup();
    await ensure();
    log.enable();
    const metrics = createMetrics(new ApprovalWindow());
    const other = new DecisionLog({ bus, metrics, decisionSubject, appliedSubject, file: undefined });
    other.enable();
    // the same records in the same sizes of group: distinct ids, so the stream deduplicates neither
    for (const l of [log, other]) {
      for (let i = 0; i < 3; i++) l.decision(record(i));
      await until('published', () => (l.pending === 0 ? true : undefined));
    }
    await other.close(1000);
    const all = await messages();
    expect(all.flatMap((m) => m.string().split('\n'))).toHaveLength(6);
    expect(new Set(all.map((m) => m.headers?.get('Nats-Msg-Id'))).size).toBe(all.length);
  });

  it('keeps a group under GROUP_BYTES: large records close it early', async () => {
    const { log, ensure, messages } = await setup();
    await ensure();
    log.enable();
    const pad = 9000; // about 9 KB a record: 6 fit in 60 KB
    for (let i = 0; i < 20; i++) log.decision(record(i, pad));
    await until('all published', () => (log.pending === 0 ? true : undefined));
    const groups = await messages();
    expect(groups.flatMap((m) => m.string().split('\n')).length).toBe(20);
    for (const g of groups) expect(g.data.length).toBeLessThanOrEqual(GROUP_BYTES);
    expect(groups.length).toBeGreaterThanOrEqual(4);
  });

  it('groups that waited for the streams are published once they exist, every record once, the count of pending exact', async () => {
    const { log, ensure, messages } = await setup();
    const n = 2 * GROUP_RECORDS + 7;
    for (let i = 0; i < n; i++) log.decision(record(i));
    await new Promise((r) => setTimeout(r, 150)); // the flushes fail (streams not ready) and back off
    expect(log.pending).toBe(n);
    await ensure();
    log.enable();
    await until('all published', () => (log.pending === 0 ? true : undefined));
    const lines = (await messages()).flatMap((m) => m.string().split('\n'));
    expect(lines.map((l) => (JSON.parse(l) as { observations: number }).observations)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('a full buffer keeps as many records as it holds, drops the rest and counts them', async () => {
    const ns = uniqueNamespace();
    const bus = new NatsBus({ servers: NATS_URL, name: 'decision-log-full-test', timeoutMs: 2000 });
    await bus.connect();
    cleanups.push(() => bus.close());
    const capacity = GROUP_RECORDS + 36; // the second group closes early, when it fills the buffer
    const metrics = createMetrics(new ApprovalWindow());
    const log = new DecisionLog({ bus, metrics, decisionSubject: `${ns}.decisions`, appliedSubject: `${ns}.outcomes.applied`, file: undefined, capacity });
    for (let i = 0; i < 3 * GROUP_RECORDS; i++) log.decision(record(i)); // never enabled: nothing is written
    expect(await log.close(10)).toBe(capacity); // what is left: the buffer, full; the open group was dropped
    const dropped = (await metrics.bufferDropped.get()).values.find((v) => v.labels['buffer'] === 'decision-log')?.value ?? 0;
    expect(dropped).toBe(3 * GROUP_RECORDS - capacity);
  });
});
