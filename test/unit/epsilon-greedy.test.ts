import { describe, expect, it } from 'vitest';
import { createEpsilonGreedyPolicy } from '../../policies/baselines/epsilon-greedy.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { InvalidStateError } from '../../policies/errors.ts';

describe('epsilon-greedy', () => {
  it('puts (1 - eps) on the greedy set, eps uniform, then the floor (explicit probabilities)', () => {
    const p = createEpsilonGreedyPolicy({ epsilon: 0.1, floor: 0.01 });
    for (let i = 0; i < 10; i++) p.update({}, 'a', i < 8 ? 1 : 0, 1); // 0.8
    for (let i = 0; i < 10; i++) p.update({}, 'b', i < 5 ? 1 : 0, 1); // 0.5
    for (let i = 0; i < 10; i++) p.update({}, 'c', i < 8 ? 1 : 0, 1); // 0.8 (tie with a)
    const out = new DecisionBuffer();
    p.decide({}, ['a', 'b', 'c'], new Rng(1), out);
    const base = [0.9 / 2 + 0.1 / 3, 0.1 / 3, 0.9 / 2 + 0.1 / 3];
    const n = 3;
    const expected = base.map((x) => 0.01 + (1 - n * 0.01) * x);
    for (let i = 0; i < 3; i++) expect(out.probabilities[i]).toBeCloseTo(expected[i]!, 12);
    expect(Array.from(out.scores.subarray(0, 3))).toEqual([0.8, 0.5, 0.8]);
  });

  it('scores unseen routes optimistically and falls back from thin segments to coarser ones', () => {
    const p = createEpsilonGreedyPolicy({ segments: ['issuerCountry'] });
    p.update({ issuerCountry: 'DE' }, 'a', 0, 1);
    expect(p.predict({ issuerCountry: 'DE' }, 'a')).toBe(0);
    expect(p.predict({ issuerCountry: 'FR' }, 'a')).toBe(0); // global level
    expect(p.predict({ issuerCountry: 'FR' }, 'zzz')).toBe(1);
    const out = new DecisionBuffer();
    p.decide({ issuerCountry: 'FR' }, ['a', 'zzz'], new Rng(2), out);
    expect(out.probabilities[1]).toBeGreaterThan(0.9);
  });

  it('validates params and snapshots exactly', () => {
    expect(() => createEpsilonGreedyPolicy({ epsilon: 1.5 })).toThrow(/epsilon-greedy.epsilon/);
    expect(() => createEpsilonGreedyPolicy({ floor: 0 })).toThrow(/epsilon-greedy.floor/);
    const p = createEpsilonGreedyPolicy({ segments: ['issuerCountry'], discount: 0.99 });
    const r = new Rng(3);
    for (let i = 0; i < 200; i++) p.update({ issuerCountry: ['DE', 'FR'][r.int(2)] }, ['a', 'b'][r.int(2)]!, r.next(), 1);
    const q = createEpsilonGreedyPolicy();
    q.restore(JSON.parse(JSON.stringify(p.snapshot())));
    expect(q.snapshot()).toEqual(p.snapshot());
    expect(q.predict({ issuerCountry: 'DE' }, 'a')).toBe(p.predict({ issuerCountry: 'DE' }, 'a'));
    expect(() => q.restore({ ...p.snapshot(), policy: 'thompson' })).toThrow(InvalidStateError);
  });
});
