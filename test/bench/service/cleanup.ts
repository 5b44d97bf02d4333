/** Remove a benchmark namespace: its three streams on NATS and its keys in Redis. */
import { NatsBus } from '../../../src/bus/nats-bus.ts';
import { namesOf } from '../../../src/config.ts';
import { RedisStore } from '../../../src/store/redis-store.ts';

export async function cleanUp(namespace: string, natsUrl: string, redisUrl: string): Promise<void> {
  const names = namesOf({ namespace, replicaId: 'bench' });
  const bus = new NatsBus({ servers: natsUrl, name: 'bench-cleanup' });
  const store = new RedisStore({ url: redisUrl, prefix: names.keyPrefix });
  try {
    await bus.connect();
    for (const s of [names.outcomeStream, names.decisionStream, names.deadLetterStream]) await bus.deleteStream(s);
    await store.connect();
    await store.clear();
  } catch (err) {
    process.stderr.write(`bench: cleanup of ${namespace} failed: ${String(err)}\n`);
  } finally {
    await bus.close();
    await store.close();
  }
}
