import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { PolicyFactory } from '../../policies/core/policy.ts';
import { createLinTsPolicy } from '../../policies/linear/lints.ts';
import { createLinUcbPolicy } from '../../policies/linear/linucb.ts';
import { POLICY_NAMES, createPolicy } from '../../policies/registry.ts';
import { replayPolicy, verifyDecisionLog } from '../../simulator/replay/index.ts';
import { MEANS, SEGMENT_P, UNIFORM3, runPolicyToDecisionLog, tempDir, trueValue, worldCsv } from './ope-fixtures.ts';

const tmp = tempDir('replay-test');
afterAll(() => tmp.cleanup());

const FACTORIES: [string, PolicyFactory][] = [
  ...POLICY_NAMES.map((name): [string, PolicyFactory] => [name, (p) => createPolicy(name, p)]),
  ['linucb', createLinUcbPolicy],
  ['lints', createLinTsPolicy],
].filter(([name], i, all) => all.findIndex(([n]) => n === name) === i) as [string, PolicyFactory][];

describe('bit-exact replay of a decision log', () => {
  it.each(FACTORIES)('%s: every logged choice, probability vector and observation count is reproduced', async (name, factory) => {
    const text = runPolicyToDecisionLog(factory({}), { seed: 42, n: 600, delay: 3, dropEvery: 50 });
    const file = tmp.file(`${name}.jsonl`, text);
    const r = await verifyDecisionLog({ file, factory });
    expect(r).toMatchObject({ policy: name, decisions: 600, reproduced: 600, mismatched: 0, mismatches: [], outcomesApplied: 588, withoutOutcome: 12, bad: 0 });
  });

  it.each(FACTORIES)('%s: a tampered choice is reported with its line number', async (name, factory) => {
    const lines = runPolicyToDecisionLog(factory({}), { seed: 7, n: 200, delay: 2 }).trimEnd().split('\n');
    // the 50th decision line
    let seen = 0;
    const index = lines.findIndex((l) => JSON.parse(l).type === 'decision' && ++seen === 50);
    const record = JSON.parse(lines[index]!) as { chosen: string; candidates: string[] };
    record.chosen = record.candidates.find((c) => c !== record.chosen)!;
    lines[index] = JSON.stringify(record);
    const file = tmp.file(`${name}-tampered.jsonl`, `${lines.join('\n')}\n`);
    const r = await verifyDecisionLog({ file, factory });
    expect(r.mismatched).toBeGreaterThanOrEqual(1);
    expect(r.mismatches[0]).toMatchObject({ line: index + 1, field: 'chosen', logged: record.chosen });
  });

  it('a different initial state (params) is detected', async () => {
    const file = tmp.file('linucb-alpha.jsonl', runPolicyToDecisionLog(createLinUcbPolicy({ alpha: 0.5 }), { seed: 3, n: 300, delay: 1 }));
    const r = await verifyDecisionLog({ file, factory: createLinUcbPolicy, params: { alpha: 0.1 } });
    expect(r.mismatched).toBeGreaterThan(0);
    expect(['chosen', 'probabilities']).toContain(r.mismatches[0]!.field);
  });

  it('the policy named in the log is used by default, and other policies\' decisions are skipped', async () => {
    const file = tmp.file('random-default.jsonl', runPolicyToDecisionLog(createPolicy('random'), { seed: 5, n: 50 }));
    const r = await verifyDecisionLog({ file });
    expect(r).toMatchObject({ policy: 'random', decisions: 50, reproduced: 50 });
    await expect(verifyDecisionLog({ file, policy: 'linucb', factory: createLinUcbPolicy })).rejects.toThrow(/no route decisions of policy "linucb"/);
  });

  it('the generated log follows the decision-log format of the brief', () => {
    const file = tmp.file('format.jsonl', runPolicyToDecisionLog(createPolicy('random'), { seed: 1, n: 2 }));
    const [d, o] = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(d!).sort()).toEqual(
      ['at', 'candidates', 'chosen', 'context', 'decisionId', 'key', 'kind', 'observations', 'policy', 'policyVersion', 'probabilities', 'propensity', 'scores', 'seed', 'type'].sort(),
    );
    expect(Object.keys(o!).sort()).toEqual(['approved', 'decisionId', 'feeMinor', 'latencyMs', 'occurredAt', 'responseCode', 'reward', 'type', 'weight'].sort());
  });
});

describe('replay method (Li et al. 2011)', () => {
  it('uniform log: classic replay of the uniform policy covers its true value; about 1/K of rows match', async () => {
    const file = tmp.file('uniform.csv', worldCsv(30_000, 21, { logging: UNIFORM3 }));
    const r = await replayPolicy({ file, format: 'csv', policy: 'random', seed: 1 });
    expect(r.method).toBe('replay');
    expect(r.accepted).toBe(30_000);
    expect(r.matched / r.n).toBeCloseTo(1 / 3, 1);
    const truth = trueValue(UNIFORM3);
    expect(r.estimate.ci95[0]).toBeLessThanOrEqual(truth);
    expect(r.estimate.ci95[1]).toBeGreaterThanOrEqual(truth);
    expect(r.series).toHaveLength(20);
    expect(r.series.at(-1)).toMatchObject({ row: 30_000, matched: r.matched });
  });

  it('non-uniform log: rejection sampling keeps about c*K of rows and covers the true value', async () => {
    const file = tmp.file('skewed.csv', worldCsv(60_000, 22));
    const r = await replayPolicy({ file, format: 'csv', policy: 'random', seed: 1 });
    expect(r.method).toBe('rejection-sampling replay');
    expect(r.acceptScale).toBe(0.1);
    expect(r.accepted / r.n).toBeCloseTo(0.3, 1);
    const truth = trueValue(UNIFORM3);
    expect(r.estimate.ci95[0]).toBeLessThanOrEqual(truth);
    expect(r.estimate.ci95[1]).toBeGreaterThanOrEqual(truth);
    // without it, replay of the same log is pulled toward the logging policy's value
    const biased = await replayPolicy({ file, format: 'csv', policy: 'random', seed: 1, rejection: 'off' });
    expect(biased.estimate.value).toBeGreaterThan(truth + 0.05);
    expect(biased.methodReason).toMatch(/biased/);
  });

  it('a learning policy improves over time on the replayed log', async () => {
    const file = tmp.file('learn.csv', worldCsv(30_000, 23, { logging: UNIFORM3 }));
    const params = { dimension: 8, features: [{ kind: 'bias' }, { kind: 'categorical', field: 'segment' }] };
    const r = await replayPolicy({ file, format: 'csv', policy: 'linucb', factory: createLinUcbPolicy, params, seed: 1, points: 10 });
    const best = SEGMENT_P.reduce((s, p, i) => s + p * Math.max(...MEANS[i]!), 0);
    expect(r.estimate.value).toBeGreaterThan(trueValue(UNIFORM3) + 0.1);
    expect(r.estimate.value).toBeLessThanOrEqual(best + 0.02);
    expect(r.policy.observations).toBe(r.matched);
  });

  it('is reproducible with a seed', async () => {
    const file = tmp.file('seeded.csv', worldCsv(5000, 24));
    const a = await replayPolicy({ file, format: 'csv', policy: 'random', seed: 3 });
    const b = await replayPolicy({ file, format: 'csv', policy: 'random', seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
