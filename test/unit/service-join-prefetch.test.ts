/**
 * The outcome join's read-ahead (src/learning/join-prefetch.ts): the applier sees exactly what the store
 * says. An answer found ahead is used once; one whose decision had no record then, or whose call failed, is
 * asked again when it is needed; admin messages, malformed outcomes (they must not take a decision's mark),
 * outcomes their state already includes or past their TTL by their id, and a store that is down are not
 * sent; records already known in memory are not asked for (only marked); at most `capacity` answers wait,
 * and the answers of messages handled without them are forgotten to make room.
 */
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.ts';
import { DecisionIds } from '../../src/decisions/decision-id.ts';
import { CachedDecisions } from '../../src/decisions/recent-decisions.ts';
import type { DecisionRecord } from '../../src/decisions/decision-record.ts';
import { JoinPrefetch } from '../../src/learning/join-prefetch.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { OutcomeMark, Store, StoreState } from '../../src/store/store.ts';

const encoder = new TextEncoder();
const msg = (seq: number, subject: string, body: unknown): Pick<BusMessage, 'subject' | 'data' | 'seq' | 'timestampMs'> => ({ seq, subject, data: encoder.encode(JSON.stringify(body)), timestampMs: Date.now() });
const nothingIncluded = () => false;

/** A Redis-kind store over a memory store, recording every mark asked for; `fail` makes the next calls reject. */
function fakeStore() {
  const calls: OutcomeMark[][] = [];
  let state: StoreState = 'connected';
  let fail = false;
  const inner = new MemoryStore();
  const store: Store = Object.assign(Object.create(inner) as Store, {
    kind: 'redis' as const,
    state: () => state,
    markOutcomes: async (marks: readonly OutcomeMark[]) => {
      calls.push([...marks]);
      if (fail) throw new Error('redis down');
      return inner.markOutcomes(marks);
    },
  });
  const put = (id: string) => inner.putDecisions([{ transactionKey: `route:${id}`, decisionId: id, recordJson: `{"decisionId":"${id}"}`, ttlMs: 60_000 }]);
  const asked = () => calls.map((c) => c.map((m) => `${m.decisionId}@${m.seq}${m.withRecord ? '' : ' (mark only)'}`));
  return { store, inner, calls, asked, put, setState: (s: StoreState) => (state = s), setFail: (f: boolean) => (fail = f) };
}

const one = (decisionId: string, seq: number, withRecord = true): OutcomeMark[] => [{ decisionId, seq, withRecord }];

describe('join read-ahead', () => {
  it('sends the waiting outcomes\' joins in one call, and each answer is used once', async () => {
    const f = fakeStore();
    await f.put('d-1');
    await f.put('d-2');
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    joins.prefetch([msg(1, 'out', { decisionId: 'd-1', approved: true }), msg(2, 'admin', { decisionId: 'd-9' }), msg(3, 'out', { decisionId: 'd-2', approved: false }), msg(4, 'out', { decisionId: 'd-1', approved: true })]);
    expect(f.asked()).toEqual([['d-1@1', 'd-2@3', 'd-1@4']]);
    expect(joins.size).toBe(3);
    expect(await joins.store.markOutcomes(one('d-1', 1))).toEqual([{ firstSeq: 1, record: '{"decisionId":"d-1"}' }]);
    expect(await joins.store.markOutcomes(one('d-2', 3))).toEqual([{ firstSeq: 3, record: '{"decisionId":"d-2"}' }]);
    // the duplicate at 4 was told, in the same call, that 1 came first
    expect(await joins.store.markOutcomes(one('d-1', 4))).toEqual([{ firstSeq: 1, record: '{"decisionId":"d-1"}' }]);
    expect(f.calls).toHaveLength(1); // all three from the read-ahead
    expect(await joins.store.markOutcomes(one('d-1', 1))).toEqual([{ firstSeq: 1, record: '{"decisionId":"d-1"}' }]);
    expect(f.calls).toHaveLength(2); // used once, then the store again
  });

  it('asks again for an outcome whose decision had no record then (it may have been written since)', async () => {
    const f = fakeStore();
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    joins.prefetch([msg(5, 'out', { decisionId: 'd-3', approved: true })]);
    await f.put('d-3');
    expect(await joins.store.markOutcomes(one('d-3', 5))).toEqual([{ firstSeq: 5, record: '{"decisionId":"d-3"}' }]);
    expect(f.asked()).toEqual([['d-3@5'], ['d-3@5']]);
  });

  it('never sends a malformed outcome: it would take the mark of its decision from a later valid one', async () => {
    const f = fakeStore();
    await f.put('d-7');
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    joins.prefetch([
      msg(1, 'out', { decisionId: 'd-7' }), // approved missing
      msg(2, 'out', { decisionId: 'd-7', approved: 'yes' }),
      msg(3, 'out', { decisionId: 'd-7', approved: true, occurredAt: 'not a time' }),
      msg(4, 'out', { decisionId: 'd-7', approved: true }),
    ]);
    expect(f.asked()).toEqual([['d-7@4']]);
    expect((await joins.store.markOutcomes(one('d-7', 4)))[0]?.firstSeq).toBe(4);
  });

  it('does not send outcomes their state already includes (they are not applied, so must not be marked)', async () => {
    const f = fakeStore();
    await f.put('d-8');
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: (_id, seq) => seq <= 10, ttlMs: 60_000 });
    joins.prefetch([msg(10, 'out', { decisionId: 'd-8', approved: true }), msg(11, 'out', { decisionId: 'd-8', approved: false })]);
    expect(f.asked()).toEqual([['d-8@11']]);
    expect((await joins.store.markOutcomes(one('d-8', 11)))[0]?.firstSeq).toBe(11);
  });

  it('forgets a failed read-ahead, so the applier meets the failure itself', async () => {
    const f = fakeStore();
    await f.put('d-4');
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    f.setFail(true);
    joins.prefetch([msg(1, 'out', { decisionId: 'd-4', approved: true })]);
    await new Promise((r) => setTimeout(r, 0));
    expect(joins.size).toBe(0);
    await expect(joins.store.markOutcomes(one('d-4', 1))).rejects.toThrow('redis down');
    f.setFail(false);
    expect((await joins.store.markOutcomes(one('d-4', 1)))[0]?.firstSeq).toBe(1);
  });

  it('marks only, without the record, what is known in memory; sends nothing while the store is down, or past its capacity', async () => {
    const recent = new CachedDecisions(100, 60_000);
    const known = { decisionId: 'd-5' } as DecisionRecord;
    recent.add('route:t5', known, Date.now());
    recent.markPersisted('d-5');
    const f = fakeStore();
    await f.put('d-5');
    const joins = new JoinPrefetch({ store: f.store, recent: recent, skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000, capacity: 2 });
    joins.prefetch([msg(1, 'out', { decisionId: 'd-5', approved: true })]);
    expect(f.asked()).toEqual([['d-5@1 (mark only)']]);
    // a record asked for now that was not asked for ahead: the store again
    expect(await joins.store.markOutcomes(one('d-5', 1, true))).toEqual([{ firstSeq: 1, record: '{"decisionId":"d-5"}' }]);
    expect(f.calls).toHaveLength(2);
    f.setState('down');
    joins.prefetch([msg(2, 'out', { decisionId: 'd-6', approved: true })]);
    expect(f.calls).toHaveLength(2);
    f.setState('connected');
    joins.prefetch([7, 8, 9].map((i) => msg(i, 'out', { decisionId: `d-${i}`, approved: true })));
    expect(f.asked()[2]).toEqual(['d-7@7', 'd-8@8']);
    joins.clear();
    expect(joins.size).toBe(0);
  });

  it('does nothing in front of the memory store (the applier marks there without a round trip)', () => {
    const store = new MemoryStore();
    const joins = new JoinPrefetch({ store: store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    joins.prefetch([msg(1, 'out', { decisionId: 'd-1', approved: true })]);
    expect(joins.size).toBe(0);
    expect(joins.store.kind).toBe('memory');
  });

  it('does not send an outcome past its TTL by its decision id (the applier rejects it before the join)', async () => {
    const f = fakeStore();
    const ids = new DecisionIds();
    const old = ids.next(Date.now() - 120_000);
    const fresh = ids.next(Date.now());
    await f.put(old);
    await f.put(fresh);
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    joins.prefetch([msg(1, 'out', { decisionId: old, approved: true }), msg(2, 'out', { decisionId: fresh, approved: true })]);
    expect(f.asked()).toEqual([[`${fresh}@2`]]);
  });

  it('full, it makes room by forgetting the answers of messages already handled that the applier never asked for', async () => {
    const f = fakeStore();
    let handled = 0;
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: (_id, seq) => seq <= handled, ttlMs: 60_000, capacity: 2 });
    joins.prefetch([msg(1, 'out', { decisionId: 'd-1', approved: true }), msg(2, 'out', { decisionId: 'd-2', approved: true })]);
    joins.prefetch([msg(3, 'out', { decisionId: 'd-3', approved: true })]);
    expect(f.asked()).toEqual([['d-1@1', 'd-2@2']]); // full: 3 waits for the applier
    handled = 2; // 1 and 2 handled from memory (or skipped): their answers are never asked for
    joins.prefetch([msg(3, 'out', { decisionId: 'd-3', approved: true })]);
    expect(f.asked()).toEqual([['d-1@1', 'd-2@2'], ['d-3@3']]);
    expect(joins.size).toBe(1);
  });

  it('an answer ahead is for its own message: another decision id at that sequence asks the store', async () => {
    const f = fakeStore();
    await f.put('d-1');
    await f.put('d-2');
    const joins = new JoinPrefetch({ store: f.store, recent: new CachedDecisions(100, 60_000), skipSubject: 'admin', included: nothingIncluded, ttlMs: 60_000 });
    joins.prefetch([msg(1, 'out', { decisionId: 'd-1', approved: true })]);
    expect((await joins.store.markOutcomes(one('d-2', 1)))[0]?.firstSeq).toBe(1);
    expect(f.calls).toHaveLength(2);
  });
});
