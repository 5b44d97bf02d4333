/**
 * The outcome join's read-ahead (src/learning/join-prefetch.ts): the applier sees exactly what the store
 * says. A record found ahead is used once; one not found ahead, or whose read failed, is asked again when
 * it is needed; admin messages, records already known in memory, and a store that is down are skipped;
 * at most `capacity` reads wait.
 */
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.ts';
import { CachedDecisions } from '../../src/decisions/recent-decisions.ts';
import type { DecisionRecord } from '../../src/decisions/decision-record.ts';
import { JoinPrefetch } from '../../src/learning/join-prefetch.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { Store, StoreState } from '../../src/store/store.ts';

const encoder = new TextEncoder();
const msg = (subject: string, body: unknown): Pick<BusMessage, 'subject' | 'data'> => ({ subject, data: encoder.encode(JSON.stringify(body)) });

/** A Redis-kind store over a map, counting reads; `fail` makes the next reads reject. */
function fakeStore(records: Map<string, string>) {
  const reads: string[] = [];
  let state: StoreState = 'connected';
  let fail = false;
  const inner = new MemoryStore();
  const store: Store = Object.assign(Object.create(inner) as Store, {
    kind: 'redis' as const,
    state: () => state,
    getDecision: async (id: string) => {
      reads.push(id);
      if (fail) throw new Error('redis down');
      return records.get(id) ?? null;
    },
  });
  return { store, reads, setState: (s: StoreState) => (state = s), setFail: (f: boolean) => (fail = f) };
}

describe('join read-ahead', () => {
  it('reads the waiting messages\' records at once, and each found one is used once', async () => {
    const records = new Map([
      ['d-1', '{"type":"decision","decisionId":"d-1"}'],
      ['d-2', '{"type":"decision","decisionId":"d-2"}'],
    ]);
    const f = fakeStore(records);
    const joins = new JoinPrefetch(f.store, new CachedDecisions(100, 60_000), 'admin');
    joins.prefetch([msg('out', { decisionId: 'd-1', approved: true }), msg('admin', { decisionId: 'd-9' }), msg('out', { decisionId: 'd-2', approved: false }), msg('out', 'not an outcome')]);
    expect(f.reads).toEqual(['d-1', 'd-2']);
    expect(joins.size).toBe(2);
    expect(await joins.store.getDecision('d-1')).toBe(records.get('d-1'));
    expect(await joins.store.getDecision('d-2')).toBe(records.get('d-2'));
    expect(f.reads).toEqual(['d-1', 'd-2']); // answered from the read-ahead
    expect(await joins.store.getDecision('d-1')).toBe(records.get('d-1'));
    expect(f.reads).toEqual(['d-1', 'd-2', 'd-1']); // used once, then the store again
  });

  it('asks again for a record not found ahead (it may have been written since)', async () => {
    const records = new Map<string, string>();
    const f = fakeStore(records);
    const joins = new JoinPrefetch(f.store, new CachedDecisions(100, 60_000), 'admin');
    joins.prefetch([msg('out', { decisionId: 'd-3', approved: true })]);
    records.set('d-3', '{"type":"decision","decisionId":"d-3"}');
    expect(await joins.store.getDecision('d-3')).toBe(records.get('d-3'));
    expect(f.reads).toEqual(['d-3', 'd-3']);
  });

  it('forgets a failed read-ahead, so the applier meets the failure itself', async () => {
    const records = new Map([['d-4', '{"type":"decision","decisionId":"d-4"}']]);
    const f = fakeStore(records);
    const joins = new JoinPrefetch(f.store, new CachedDecisions(100, 60_000), 'admin');
    f.setFail(true);
    joins.prefetch([msg('out', { decisionId: 'd-4', approved: true })]);
    await new Promise((r) => setTimeout(r, 0));
    expect(joins.size).toBe(0);
    await expect(joins.store.getDecision('d-4')).rejects.toThrow('redis down');
    f.setFail(false);
    expect(await joins.store.getDecision('d-4')).toBe(records.get('d-4'));
  });

  it('skips records known in memory, a store that is down, and past its capacity', () => {
    const recent = new CachedDecisions(100, 60_000);
    const known = { decisionId: 'd-5' } as DecisionRecord;
    recent.add('route:t5', known, Date.now());
    recent.markPersisted('d-5');
    const f = fakeStore(new Map());
    const joins = new JoinPrefetch(f.store, recent, 'admin', 2);
    joins.prefetch([msg('out', { decisionId: 'd-5', approved: true })]);
    expect(f.reads).toEqual([]);
    f.setState('down');
    joins.prefetch([msg('out', { decisionId: 'd-6', approved: true })]);
    expect(f.reads).toEqual([]);
    f.setState('connected');
    joins.prefetch([7, 8, 9].map((i) => msg('out', { decisionId: `d-${i}`, approved: true })));
    expect(f.reads).toEqual(['d-7', 'd-8']);
    joins.clear();
    expect(joins.size).toBe(0);
  });

  it('does nothing in front of the memory store (the applier joins from memory there)', () => {
    const store = new MemoryStore();
    const joins = new JoinPrefetch(store, new CachedDecisions(100, 60_000), 'admin');
    joins.prefetch([msg('out', { decisionId: 'd-1', approved: true })]);
    expect(joins.size).toBe(0);
    expect(joins.store.kind).toBe('memory');
  });
});
