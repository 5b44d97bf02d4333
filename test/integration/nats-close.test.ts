/**
 * Shutdown against a NATS server that stopped answering: `NatsBus.close` drains within its drain timeout and
 * then closes, instead of waiting on nats.js's drain (which has no timeout; 17 s against a frozen server).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NatsBus } from '../../src/bus/nats-bus.ts';
import { startNats, type Server } from './service-support.ts';

let server: (Server & { dispose(): void }) | undefined;

afterEach(async () => {
  server?.signal('SIGCONT');
  await server?.stop();
  server?.dispose();
  server = undefined;
});

describe('NatsBus.close', () => {
  it('returns within its drain timeout when the server is frozen, and the bus is closed', async () => {
    server = await startNats();
    const bus = new NatsBus({ servers: server.url, name: 'close-test', drainTimeoutMs: 300 });
    await bus.connect();
    await bus.ensureStream({ name: 'CLOSE_TEST', subjects: ['close.test'] });
    expect(await bus.publish('close.test', 'before')).toBe(1);
    server.signal('SIGSTOP');
    const inFlight = bus.publish('close.test', 'while frozen', { timeoutMs: 200 }).then(
      () => 'acked',
      () => 'rejected',
    );
    const t0 = performance.now();
    await bus.close();
    const took = performance.now() - t0;
    expect(bus.state()).toBe('closed');
    expect(await inFlight).toBe('rejected');
    // the drain timeout plus the close itself; a drain without a timeout waits on the frozen server
    expect(took).toBeLessThan(300 + 2000);
  });
});
