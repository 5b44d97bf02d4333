/**
 * Where rejected outcomes go: the store's dead-letter list (keyed by stream sequence, so replicas
 * rejecting the same message keep one entry) and the bus's dead-letter subject (msg id per sequence).
 * Both written behind; a full buffer is counted, never blocking the consumer.
 */
import type { Bus } from '../bus/bus.ts';
import { Outbox } from '../decisions/outbox.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Store } from '../store/store.ts';
import type { DeadLetter } from './outcome-applier.ts';

const encoder = new TextEncoder();

export class DeadLetters {
  private readonly toStore: Outbox<DeadLetter>;
  private readonly toBus: Outbox<DeadLetter>;
  private busReady = false;

  constructor(store: Store, bus: Bus, subject: string, metrics: Metrics) {
    this.toStore = new Outbox<DeadLetter>({
      name: 'dead-letters-store',
      capacity: 10_000,
      batchSize: 100,
      flush: async (batch) => {
        for (const d of batch) await store.addDeadLetter(d.seq, JSON.stringify(d));
      },
      onDrop: (n) => metrics.bufferDropped.inc({ buffer: 'dead-letters-store' }, n),
      onPending: (n) => metrics.bufferPending.set({ buffer: 'dead-letters-store' }, n),
      onError: () => metrics.degraded.inc({ dependency: 'store', operation: 'dead-letter' }),
    });
    this.toBus = new Outbox<DeadLetter>({
      name: 'dead-letters-bus',
      capacity: 10_000,
      batchSize: 100,
      flush: async (batch) => {
        if (!this.busReady) throw new Error('dead-letter stream not ready');
        await Promise.all(batch.map((d) => bus.publish(subject, encoder.encode(JSON.stringify(d)), { msgId: `dead-${d.seq}` })));
      },
      onDrop: (n) => metrics.bufferDropped.inc({ buffer: 'dead-letters-bus' }, n),
      onPending: (n) => metrics.bufferPending.set({ buffer: 'dead-letters-bus' }, n),
      onError: () => metrics.degraded.inc({ dependency: 'bus', operation: 'dead-letter' }),
    });
  }

  enableBus(): void {
    this.busReady = true;
  }

  readonly add = (entry: DeadLetter): void => {
    this.toStore.push(entry);
    this.toBus.push(entry);
  };

  async close(timeoutMs: number): Promise<void> {
    await Promise.all([this.toStore.drainFor(timeoutMs), this.busReady ? this.toBus.drainFor(timeoutMs) : Promise.resolve(0)]);
    this.toStore.close();
    this.toBus.close();
  }
}
