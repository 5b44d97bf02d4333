/**
 * "Same semantics": one table of cases run against both implementations of each port. The bus: the
 * embedded bus and NATS JetStream (real server); the store: the in-memory store and Redis (real server).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage, ConsumerHandle } from '../../src/bus/bus.ts';
import { EmbeddedBus } from '../../src/bus/embedded-bus.ts';
import { NatsBus } from '../../src/bus/nats-bus.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import type { Store } from '../../src/store/store.ts';
import { NATS_URL, REDIS_URL, busWithStream, connectedRedisStore, uniqueNamespace, until } from './service-support.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const buses: [string, () => Promise<Bus>][] = [
  ['embedded', async () => new EmbeddedBus()],
  ['nats', async () => new NatsBus({ servers: NATS_URL, name: 'adapter-test' })],
];

describe.each(buses)('bus: %s', (_kind, make) => {
  async function setup(): Promise<{ bus: Bus; stream: string; subject: string }> {
    return busWithStream(await make(), (fn) => cleanups.push(fn));
  }

  it('publishes with increasing sequence numbers; a repeated msgId is stored once', async () => {
    const { bus, stream, subject } = await setup();
    expect(await bus.publish(subject, enc.encode('a'))).toBe(1);
    expect(await bus.publish(subject, enc.encode('b'), { msgId: 'x' })).toBe(2);
    expect(await bus.publish(subject, enc.encode('b again'), { msgId: 'x' })).toBe(2);
    expect(await bus.lastSeq(stream)).toBe(2);
    expect(await bus.streamOf(subject)).toBe(stream);
    expect(await bus.ensureStream({ name: 'OTHER_NAME', subjects: [subject] })).toBe(stream); // reuses the stream capturing it
  });

  it('publishes in flight together each resolve with their own sequence; a retried batch is stored once', async () => {
    const { bus, stream, subject } = await setup();
    const batch = Array.from({ length: 300 }, (_, i) => ({ id: `m${i}`, body: `{"n":${i}}` }));
    const seqs = await Promise.all(batch.map((m) => bus.publish(subject, m.body, { msgId: m.id })));
    expect(seqs).toEqual(batch.map((_, i) => i + 1));
    // the same batch again (an outbox retry after a lost acknowledgement): nothing is stored twice
    expect(await Promise.all(batch.map((m) => bus.publish(subject, m.body, { msgId: m.id })))).toEqual(seqs);
    expect(await bus.lastSeq(stream)).toBe(300);
    const got: string[] = [];
    const c = await bus.consume({ stream, durable: 'd0', startSeq: 1, ackWaitMs: 5000, maxAckPending: 1000 }, async (m) => {
      got.push(dec.decode(m.data));
      m.ack();
    });
    cleanups.push(() => c.stop());
    await until('300 messages', () => (got.length >= 300 ? true : undefined));
    expect(got).toEqual(batch.map((m) => m.body));
    await expect(bus.publish(`${subject}.nowhere`, 'x', { msgId: 'y' })).rejects.toThrow();
  });

  it('a durable consumer delivers in order from its start sequence, with stream sequence and time', async () => {
    const { bus, stream, subject } = await setup();
    for (const s of ['1', '2', '3', '4']) await bus.publish(subject, enc.encode(s));
    const got: BusMessage[] = [];
    const c = await bus.consume({ stream, durable: 'd1', startSeq: 2, ackWaitMs: 5000, maxAckPending: 10 }, async (m) => {
      got.push(m);
      m.ack();
    });
    cleanups.push(() => c.stop());
    await until('3 messages', () => (got.length >= 3 ? true : undefined));
    await bus.publish(subject, enc.encode('5'));
    await until('the new one', () => (got.length >= 4 ? true : undefined));
    expect(got.map((m) => [m.seq, dec.decode(m.data)])).toEqual([[2, '2'], [3, '3'], [4, '4'], [5, '5']]);
    expect(got.every((m) => m.subject === subject && m.deliveryCount === 1 && Math.abs(m.timestampMs - Date.now()) < 60_000)).toBe(true);
  });

  it('nak(delay) redelivers the message with a higher delivery count', async () => {
    const { bus, stream, subject } = await setup();
    await bus.publish(subject, enc.encode('retry-me'));
    const seen: number[] = [];
    const c = await bus.consume({ stream, durable: 'd2', startSeq: 1, ackWaitMs: 5000, maxAckPending: 10 }, async (m) => {
      seen.push(m.deliveryCount);
      if (m.deliveryCount < 3) m.nak(50);
      else m.ack();
    });
    cleanups.push(() => c.stop());
    await until('third delivery', () => (seen.length >= 3 ? true : undefined));
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('an unacknowledged message is redelivered after ackWait', async () => {
    const { bus, stream, subject } = await setup();
    await bus.publish(subject, enc.encode('forgotten'));
    const seen: number[] = [];
    const c = await bus.consume({ stream, durable: 'd3', startSeq: 1, ackWaitMs: 1000, maxAckPending: 10 }, async (m) => {
      seen.push(m.deliveryCount);
      if (m.deliveryCount >= 2) m.ack();
    });
    cleanups.push(() => c.stop());
    await until('redelivered', () => (seen.length >= 2 ? true : undefined), 10_000);
    expect(seen.slice(0, 2)).toEqual([1, 2]);
  });

  it('recreating the durable consumer at a sequence restarts delivery there (restart from a snapshot)', async () => {
    const { bus, stream, subject } = await setup();
    for (const s of ['1', '2', '3']) await bus.publish(subject, enc.encode(s));
    const first: number[] = [];
    let c: ConsumerHandle = await bus.consume({ stream, durable: 'd4', startSeq: 1, ackWaitMs: 5000, maxAckPending: 10 }, async (m) => {
      first.push(m.seq);
      m.ack();
    });
    await until('all', () => (first.length === 3 ? true : undefined));
    await c.stop();
    const second: number[] = [];
    c = await bus.consume({ stream, durable: 'd4', startSeq: 2, ackWaitMs: 5000, maxAckPending: 10 }, async (m) => {
      second.push(m.seq);
      m.ack();
    });
    cleanups.push(() => c.stop());
    await until('from 2', () => (second.length === 2 ? true : undefined));
    expect(second).toEqual([2, 3]);
  });
});

const stores: [string, () => Promise<Store>][] = [
  ['memory', async () => new MemoryStore()],
  ['redis', async () => new RedisStore({ url: REDIS_URL, prefix: `${uniqueNamespace()}:` })],
];

describe.each(stores)('store: %s', (_kind, make) => {
  async function setup(): Promise<Store> {
    const store = await make();
    await store.connect();
    await until('connected', () => (store.state() === 'connected' || store.state() === 'memory' ? true : undefined));
    cleanups.push(async () => {
      await store.clear();
      await store.close();
    });
    return store;
  }
  const w = (tx: string, id: string, ttlMs = 60_000) => ({ transactionKey: tx, decisionId: id, recordJson: JSON.stringify({ id }), ttlMs });

  it('claims a transaction once: the second claim gets the first decision', async () => {
    const s = await setup();
    expect(await s.claimDecision(w('tx-1', 'd-1'))).toBeNull();
    expect(await s.claimDecision(w('tx-1', 'd-2'))).toBe(JSON.stringify({ id: 'd-1' }));
    expect(await s.getDecision('d-1')).toBe(JSON.stringify({ id: 'd-1' }));
    expect(await s.getDecision('d-2')).toBeNull();
  });

  it('claims asked for together are each atomic, in the order asked', async () => {
    const s = await setup();
    const answers = await Promise.all([s.claimDecision(w('tx-a', 'd-a1')), s.claimDecision(w('tx-b', 'd-b1')), s.claimDecision(w('tx-a', 'd-a2'))]);
    expect(answers).toEqual([null, null, JSON.stringify({ id: 'd-a1' })]);
    expect(await s.getDecision('d-b1')).toBe(JSON.stringify({ id: 'd-b1' }));
    expect(await s.getDecision('d-a2')).toBeNull();
  });

  it('decisions expire after their TTL; write-behind does not overwrite', async () => {
    const s = await setup();
    await s.putDecisions([w('tx-2', 'd-3', 150), w('tx-2', 'd-4', 150)]);
    expect(await s.getDecision('d-3')).toBe(JSON.stringify({ id: 'd-3' }));
    expect(await s.claimDecision(w('tx-2', 'd-5'))).toBe(JSON.stringify({ id: 'd-3' }));
    await new Promise((r) => setTimeout(r, 250));
    expect(await s.getDecision('d-3')).toBeNull();
    expect(await s.claimDecision(w('tx-2', 'd-6'))).toBeNull();
  });

  it('snapshots are replaced only by a later sequence (or forced)', async () => {
    const s = await setup();
    expect(await s.loadSnapshot('p')).toBeNull();
    expect(await s.saveSnapshot('p', { seq: 10, json: 'ten' })).toBe(true);
    expect(await s.saveSnapshot('p', { seq: 9, json: 'nine' })).toBe(false);
    expect(await s.saveSnapshot('p', { seq: 10, json: 'ten again' })).toBe(false);
    expect(await s.loadSnapshot('p')).toEqual({ seq: 10, json: 'ten' });
    expect(await s.saveSnapshot('p', { seq: 3, json: 'reset' }, true)).toBe(true);
    expect(await s.loadSnapshot('p')).toEqual({ seq: 3, json: 'reset' });
  });

  it('dead letters are kept once per stream sequence, newest first', async () => {
    const s = await setup();
    await s.addDeadLetter(5, '{"seq":5}');
    await s.addDeadLetter(7, '{"seq":7}');
    await s.addDeadLetter(5, '{"seq":5}'); // a second replica rejecting the same message
    expect(await s.listDeadLetters(10)).toEqual(['{"seq":7}', '{"seq":5}']);
  });
});

describe('store: redis only', () => {
  async function connected(): Promise<{ store: RedisStore; prefix: string }> {
    const prefix = `${uniqueNamespace()}:`;
    return { store: await connectedRedisStore((fn) => cleanups.push(fn), prefix), prefix };
  }
  const write = { transactionKey: 'tx-p', decisionId: 'd-p', recordJson: '{"id":"d-p"}', ttlMs: 60_000 };

  it('sends the batch scripts as they are (each already a batch) and still auto-pipelines single commands', async () => {
    const { store } = await connected();
    const connection = store.connection;
    // every command left out of auto-pipelining is one of the store's scripts (a renamed script would not be)
    const ignored = connection.options.autoPipeliningIgnoredCommands ?? [];
    expect([...ignored].sort()).toEqual(['routerClaimMany', 'routerMarkOutcomes', 'routerPutMany']);
    for (const name of ignored) expect(typeof (connection as unknown as Record<string, unknown>)[name]).toBe('function');
    // a command queued for an auto-pipeline waits there (until a setImmediate at least); one sent as it is does not
    const put = store.putDecisions([write]);
    expect(connection.autoPipelineQueueSize).toBe(0);
    const marked = store.markOutcomes([{ decisionId: 'd-p', seq: 7, withRecord: true }]);
    expect(connection.autoPipelineQueueSize).toBe(0);
    const got = store.getDecision('d-p');
    expect(connection.autoPipelineQueueSize).toBe(1);
    await put;
    // the scripts keep their order between themselves: the mark finds the record the write stored
    expect(await marked).toEqual([{ firstSeq: 7, record: '{"id":"d-p"}' }]);
    expect(await got).toBe('{"id":"d-p"}');
  });

  it('a single command asked for before a batch script in the same turn can reach Redis after it (documented on RedisStore)', async () => {
    const { store } = await connected();
    const got = store.getDecision('d-p'); // auto-pipelined: sent at the end of the turn
    const put = store.putDecisions([write]); // sent now
    await put;
    expect(await got).toBe('{"id":"d-p"}');
  });

  it('a claim over a transaction whose decision is gone takes it (its record written); a second claim then gets that record', async () => {
    const { store, prefix } = await connected();
    // the transaction key outlived its decision's record (as a key written by hand or a record evicted)
    await store.connection.set(`${prefix}tx:tx-g`, 'd-gone', 'PX', 60_000);
    const claim = (id: string) => ({ transactionKey: 'tx-g', decisionId: id, recordJson: JSON.stringify({ id }), ttlMs: 60_000 });
    expect(await store.claimDecision(claim('d-new'))).toBeNull();
    expect(await store.connection.get(`${prefix}tx:tx-g`)).toBe('d-new');
    expect(await store.getDecision('d-new')).toBe('{"id":"d-new"}');
    expect(await store.claimDecision(claim('d-later'))).toBe('{"id":"d-new"}');
    expect(await store.getDecision('d-later')).toBeNull();
  });
});
