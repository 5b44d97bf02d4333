import { describe, expect, it } from 'vitest';
import { createStaticPolicy } from '../../policies/baselines/static.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';

describe('static priority', () => {
  it('picks the highest-priority candidate; the floor keeps every propensity > 0', () => {
    const p = createStaticPolicy({ priority: ['acq-b', 'acq-a'], floor: 0.01 });
    const out = new DecisionBuffer();
    p.decide({}, ['acq-x', 'acq-a', 'acq-b'], new Rng(1), out);
    expect(Array.from(out.probabilities.subarray(0, 3))).toEqual([0.01, 0.01, 0.98].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(out.scores[2]).toBeGreaterThan(out.scores[1]!);
    expect(out.scores[1]).toBeGreaterThan(out.scores[0]!);
  });

  it('ranks unknown candidates after the listed ones, in candidate order', () => {
    const p = createStaticPolicy({ priority: ['acq-z'] });
    const out = new DecisionBuffer();
    p.decide({}, ['u1', 'u2', 'u3'], new Rng(1), out);
    expect(out.probabilities[0]).toBeGreaterThan(0.98);
    expect(out.scores[0]).toBeGreaterThan(out.scores[1]!);
    expect(out.scores[1]).toBeGreaterThan(out.scores[2]!);
  });

  it('tracks observed means for predict and round-trips its snapshot', () => {
    const p = createStaticPolicy({ priority: ['a'] });
    p.update({}, 'a', 1, 1);
    p.update({}, 'a', 0, 0.5);
    expect(p.predict({}, 'a')).toBeCloseTo(1 / 1.5, 12);
    expect(p.predict({}, 'b')).toBe(0.5);
    const q = createStaticPolicy();
    q.restore(JSON.parse(JSON.stringify(p.snapshot())));
    expect(q.snapshot()).toEqual(p.snapshot());
    expect(() => createStaticPolicy({ priority: ['a', 'a'] })).toThrow(/static.priority/);
    expect(() => createStaticPolicy({ floor: 0 })).toThrow(/static.floor/);
  });
});
