/**
 * `NatsBus.publishAll` (the decision log's flush): each item its own message with its own `Nats-Msg-Id`,
 * in order, settled together as `Promise.all` over `publish` would be. Real NATS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Msg } from 'nats';
import { NatsBus } from '../../src/bus/nats-bus.ts';
import { NATS_URL, busWithStream, uniqueNamespace, until } from './service-support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const setup = () => busWithStream(new NatsBus({ servers: NATS_URL, name: 'publish-all-test', timeoutMs: 500 }), (fn) => cleanups.push(fn));

describe('NatsBus.publishAll', () => {
  it('publishes every item as its own message, in order, with its msg id; a repeated id is stored once', async () => {
    const { bus, stream, subject } = await setup();
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    const seen: Msg[] = [];
    nc.subscribe(subject, { callback: (_err, m) => seen.push(m) });
    await nc.flush();
    const items = Array.from({ length: 300 }, (_, i) => ({ subject, data: `{"n":${i}}`, msgId: `id-${i}` }));
    await bus.publishAll(items);
    expect(await bus.lastSeq(stream)).toBe(300);
    // the same batch again (an outbox retry): deduplicated by msg id, resolved all the same
    await bus.publishAll(items.slice(0, 10));
    await bus.publishAll([]);
    expect(await bus.lastSeq(stream)).toBe(300);
    await until('all seen', () => (seen.length >= 310 ? true : undefined));
    expect(seen.slice(0, 300).map((m) => [m.string(), m.headers?.get('Nats-Msg-Id')])).toEqual(items.map((x) => [x.data, x.msgId]));
    // and the publisher holds nothing once settled
    expect(await bus.publish(subject, 'after', { msgId: 'after' })).toBe(301);
  });

  it('rejects when one item has no stream, naming its subject; the others are still written', async () => {
    const { bus, stream, subject } = await setup();
    const nowhere = `${uniqueNamespace()}.nowhere`;
    const items = [
      { subject, data: 'a', msgId: 'a' },
      { subject: nowhere, data: 'b', msgId: 'b' },
      { subject, data: 'c', msgId: 'c' },
    ];
    await expect(bus.publishAll(items)).rejects.toThrow(nowhere);
    await until('both written', async () => ((await bus.lastSeq(stream)) === 2 ? true : undefined));
  });

  it('rejects when the bus is not connected', async () => {
    const bus = new NatsBus({ servers: NATS_URL, name: 'publish-all-closed' });
    await expect(bus.publishAll([{ subject: 'x', data: 'x', msgId: 'x' }])).rejects.toThrow(/not connected/);
  });
});
