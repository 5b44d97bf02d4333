/**
 * The export's view of the decision stream (src/decisions/first-outcomes.ts). Every replica logs the
 * outcomes it applies, but not necessarily every outcome (one that was down, or restarted from another's
 * snapshot, logged none of some), and a copy may come before its decision. In any interleaving of the
 * replicas' logs it writes every decision once and exactly one outcome per decision with at least one copy
 * on the stream, after the decision, and leaves out every other copy; an outcome whose decision is not on
 * the stream, a copy far behind the latest decision, and a repeated decision record are left out too;
 * lines it cannot judge are kept for the reader.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecisionIds } from '../../src/decisions/decision-id.ts';
import { FirstOutcomes, WINDOW_MS } from '../../src/decisions/first-outcomes.ts';

const decision = (id: string) => `{"type":"decision","decisionId":${JSON.stringify(id)},"kind":"route","chosen":"acq-a"}`;
const outcome = (id: string, approved: boolean) => JSON.stringify({ type: 'outcome', decisionId: id, approved, reward: approved ? 1 : 0, weight: 1 });
const typeAndId = (line: string) => JSON.parse(line) as { type: string; decisionId: string };

describe('first outcomes of the decision stream', () => {
  it('writes each decision once and one outcome after it, whatever the replicas, the copies they logged and their interleaving', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        // per decision: has an outcome, approved, which replicas logged a copy (a bit mask; at least one)
        fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 15 })), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 400 }),
        (replicas, decisions, picks) => {
          const now = Date.now();
          const ids = new DecisionIds();
          const made = decisions.map((_, i) => ids.next(now + i));
          const logs: string[][] = Array.from({ length: replicas }, () => []);
          const expectedOutcome = new Set<string>();
          decisions.forEach(([hasOutcome, approved, mask], i) => {
            logs[i % replicas]!.push(decision(made[i]!));
            if (!hasOutcome) return;
            const copies = [...Array(replicas).keys()].filter((r) => (mask >> r) & 1);
            for (const r of copies.length > 0 ? copies : [0]) logs[r]!.push(outcome(made[i]!, approved));
            expectedOutcome.add(made[i]!);
          });
          // interleave, keeping each replica's order: a copy may come before the decision it is for
          const at = logs.map(() => 0);
          const total = logs.reduce((n, l) => n + l.length, 0);
          const stream: string[] = [];
          for (let p = 0; stream.length < total; p++) {
            const live = logs.map((l, r) => (at[r]! < l.length ? r : -1)).filter((r) => r >= 0);
            const r = live[(picks[p] ?? 0) % live.length]!;
            stream.push(logs[r]![at[r]!++]!);
          }
          const first = new FirstOutcomes();
          const out = stream.flatMap((l) => first.take(l));
          first.finish();
          const seen = new Set<string>();
          const joined = new Set<string>();
          for (const line of out) {
            const r = typeAndId(line);
            if (r.type === 'decision') {
              expect(seen.has(r.decisionId)).toBe(false);
              seen.add(r.decisionId);
            } else {
              expect(seen.has(r.decisionId)).toBe(true); // after its decision
              expect(joined.has(r.decisionId)).toBe(false); // once
              joined.add(r.decisionId);
            }
          }
          expect(seen.size).toBe(decisions.length);
          expect(joined).toEqual(expectedOutcome);
          expect(first.leftOut).toBe(stream.length - out.length);
          expect(first.unjoined).toBe(decisions.length - joined.size);
        },
      ),
    );
  });

  it('leaves out outcomes of decisions not on the stream, copies far behind, and repeated decisions; keeps what it cannot judge', () => {
    const now = Date.now();
    const ids = new DecisionIds();
    const old = ids.next(now - 2 * WINDOW_MS);
    const d1 = ids.next(now);
    const first = new FirstOutcomes();
    expect(first.take(outcome(old, true))).toEqual([]); // its decision is before the stream's start
    expect(first.take(decision(d1))).toEqual([decision(d1)]);
    expect(first.take(decision(d1))).toEqual([]); // a repeated decision record
    expect(first.take(outcome(d1, true))).toEqual([outcome(d1, true)]);
    expect(first.take(outcome(d1, false))).toEqual([]);
    // another key order is parsed whole
    const d2 = ids.next(now + 1);
    expect(first.take(`{"decisionId":"${d2}","type":"decision"}`)).toEqual([`{"decisionId":"${d2}","type":"decision"}`]);
    expect(first.take(`{"approved":true,"type":"outcome","decisionId":"${d2}"}`)).toEqual([`{"approved":true,"type":"outcome","decisionId":"${d2}"}`]);
    for (const other of ['not json', '{"type":"other","decisionId":"x"}', '[]', 'null', '{"type":"outcome"}']) expect(first.take(other)).toEqual([other]);
    // an early copy whose decision never comes is left out at the end
    expect(first.take(outcome(ids.next(now + 2), true))).toEqual([]);
    first.finish();
    expect(first.leftOut).toBe(3);
    expect(first.repeatedDecisions).toBe(1);
    expect(first.unjoined).toBe(0);
    // a decision far ahead moves the window: an early outcome held for a decision now far behind is dropped
    const later = new FirstOutcomes();
    const e = ids.next(now);
    expect(later.take(outcome(e, true))).toEqual([]);
    expect(later.take(decision(ids.next(now + 2 * WINDOW_MS)))).toHaveLength(1);
    expect(later.leftOut).toBe(1);
    expect(later.take(decision(e))).toEqual([decision(e)]); // its outcome is gone: the decision waits
    expect(later.unjoined).toBe(2);
  });
});
