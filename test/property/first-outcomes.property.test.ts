/**
 * The export's view of the decision stream (src/decisions/first-outcomes.ts): with every replica logging
 * each outcome it applies, in any interleaving of the replicas' logs, it keeps every decision and exactly
 * one outcome per decision that has one after it (the first), and leaves out every other copy and any
 * outcome whose decision came before what was read; lines it cannot judge are kept for the reader.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FirstOutcomes } from '../../src/decisions/first-outcomes.ts';

const decision = (id: string) => `{"type":"decision","decisionId":${JSON.stringify(id)},"kind":"route","chosen":"acq-a"}`;
const outcome = (id: string, approved: boolean) => JSON.stringify({ type: 'outcome', decisionId: id, approved, reward: approved ? 1 : 0, weight: 1 });

describe('first outcomes of the decision stream', () => {
  it('keeps each decision and the first outcome after it, whatever the replicas and their interleaving', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 400 }),
        (replicas, decisions, picks) => {
          const ids = decisions.map((_, i) => `d-${i}-"q\\${i}`); // ids that need escaping too
          // each replica's log: the decisions it made (i % replicas), and every outcome, each after its decision
          const logs: string[][] = Array.from({ length: replicas }, () => []);
          decisions.forEach(([hasOutcome, approved], i) => {
            logs[i % replicas]!.push(decision(ids[i]!));
            if (hasOutcome) for (let r = 0; r < replicas; r++) logs[r]!.push(outcome(ids[i]!, approved));
          });
          // interleave, keeping each replica's order; a replica's outcome copy may come before the decision
          // (another replica's) it is for: that copy is an orphan and left out
          const at = logs.map(() => 0);
          const stream: string[] = [];
          let p = 0;
          while (stream.length < logs.reduce((n, l) => n + l.length, 0)) {
            const live = logs.map((l, r) => (at[r]! < l.length ? r : -1)).filter((r) => r >= 0);
            const r = live[(picks[p++] ?? 0) % live.length]!;
            stream.push(logs[r]![at[r]!++]!);
          }
          const first = new FirstOutcomes();
          const kept = stream.filter((l) => first.keep(l));
          const seenDecision = new Set<string>();
          const joined = new Set<string>();
          for (const line of kept) {
            const r = JSON.parse(line) as { type: string; decisionId: string };
            if (r.type === 'decision') {
              expect(seenDecision.has(r.decisionId)).toBe(false);
              seenDecision.add(r.decisionId);
            } else {
              expect(seenDecision.has(r.decisionId)).toBe(true); // its decision came before it
              expect(joined.has(r.decisionId)).toBe(false); // once
              joined.add(r.decisionId);
            }
          }
          expect(seenDecision.size).toBe(decisions.length);
          // a decision with an outcome keeps one whenever a copy comes after it: the decision's own maker's
          // copy always does
          expect(joined.size).toBe(decisions.filter(([hasOutcome]) => hasOutcome).length);
          expect(first.leftOut).toBe(stream.length - kept.length);
          expect(first.unjoined).toBe(decisions.length - joined.size);
        },
      ),
    );
  });

  it('reads records in another key order by parsing them, and keeps what it cannot judge', () => {
    const first = new FirstOutcomes();
    expect(first.keep('{"decisionId":"x","type":"decision"}')).toBe(true);
    expect(first.keep('{"approved":true,"type":"outcome","decisionId":"x"}')).toBe(true);
    expect(first.keep('{"type":"outcome","decisionId":"x","approved":false}')).toBe(false);
    expect(first.keep('{"type":"outcome","decisionId":"never-read","approved":true}')).toBe(false);
    for (const other of ['not json', '{"type":"other","decisionId":"x"}', '[]', 'null', '{"type":"outcome"}']) expect(first.keep(other)).toBe(true);
    expect(first.leftOut).toBe(2);
    expect(first.unjoined).toBe(0);
  });
});
