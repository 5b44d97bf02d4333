import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../simulator/cli/commands/simulate.ts';
import { InvalidArgumentError } from '../../policies/errors.ts';

function io(): { stdout: Writable; stderr: Writable; isTTY: boolean; out: () => string; err: () => string } {
  const o: string[] = [], e: string[] = [];
  const mk = (into: string[]) => new Writable({ write(c: Buffer | string, _enc, cb) { into.push(c.toString()); cb(); } });
  return { stdout: mk(o), stderr: mk(e), isTTY: false, out: () => o.join(''), err: () => e.join('') };
}

describe('router-sim simulate', () => {
  it('--json prints one JSON object with spread over seeds, same seed same numbers', async () => {
    const args = ['--scenario', 'drift', '--policy', 'random', '--n', '1500', '--seeds', '2', '--seed', '5', '--batch', '10', '--json', '--points', '10'];
    const a = io(), b = io();
    expect(await runSimulate(args, a)).toBe(0);
    expect(await runSimulate(args, b)).toBe(0);
    const ja = JSON.parse(a.out()), jb = JSON.parse(b.out());
    expect(a.out().trim().split('\n')).toHaveLength(1);
    expect(ja.scenario).toBe('drift');
    expect(ja.seeds).toEqual([5, 6]);
    expect(ja.batch).toBe(10);
    expect(ja.policies.map((p: { label: string }) => p.label)).toEqual(['random', 'oracle', 'best-static']);
    const random = ja.policies[0];
    expect(random.approvalRate.values).toHaveLength(2);
    expect(random.approvalRate.mean).toBeGreaterThan(0.7);
    expect(random.regret.mean).toBeGreaterThan(0);
    expect(typeof random.netRevenueEur.mean).toBe('number');
    expect(random.curves.t).toHaveLength(10);
    const strip = (j: { policies: { policyMicrosPerTx: number }[] }) => ({ ...j, policies: j.policies.map((p) => ({ ...p, policyMicrosPerTx: 0 })) });
    expect(strip(jb)).toEqual(strip(ja));
  });

  it('prints a table, writes the HTML report, and --no-references drops the reference lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'report.html');
    const s = io();
    expect(await runSimulate(['--scenario', 'stable', '--policy', 'random', '--n', '800', '--html', file, '--no-references'], s)).toBe(0);
    expect(s.out()).toMatch(/^scenario stable: 800 transactions, seed 1/);
    expect(s.out()).not.toContain('oracle  ');
    expect(s.err()).toContain(`HTML report written to ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('Cumulative regret against the oracle');
  });

  it('--log-out writes the first policy\'s decisions and applied outcomes as a router decision log', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sim-')), 'log.jsonl');
    const s = io();
    expect(await runSimulate(['--scenario', 'delayed', '--policy', 'random', '--n', '600', '--batch', '20', '--seeds', '2', '--log-out', file, '--quiet'], s)).toBe(0);
    const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const decisions = records.filter((r) => r['type'] === 'decision');
    const outcomes = records.filter((r) => r['type'] === 'outcome');
    expect(decisions).toHaveLength(600); // first seed only
    expect(outcomes.length).toBeGreaterThan(400);
    expect(outcomes.length).toBeLessThan(600); // some outcomes were still delayed at the end
    const seen = new Set<unknown>();
    for (const r of records) {
      if (r['type'] === 'decision') {
        expect(r).toMatchObject({ kind: 'route', policy: 'random', policyVersion: 'random/1', seed: 1 });
        expect((r['candidates'] as string[]).includes(r['chosen'] as string)).toBe(true);
        expect(r['propensity']).toBeCloseTo(1 / (r['candidates'] as string[]).length, 12);
        seen.add(r['decisionId']);
      } else {
        expect(seen.has(r['decisionId'])).toBe(true); // an outcome follows its decision
        expect(r['reward']).toBe(r['approved'] ? 1 : 0);
      }
    }
    expect(s.err()).toContain(`written to ${file}`);
  });

  it('--frozen prints each policy\'s exact ground-truth value without learning', async () => {
    const s = io();
    expect(await runSimulate(['--scenario', 'stable', '--policy', 'random', '--n', '1000', '--seeds', '2', '--frozen', '--json', '--quiet'], s)).toBe(0);
    const j = JSON.parse(s.out());
    expect(j.frozen).toBe(true);
    const [random, oracle, best] = j.policies;
    expect(oracle.value.mean).toBeCloseTo(oracle.oracleValue.mean, 12);
    expect(random.value.mean).toBeLessThan(best.value.mean);
    expect(best.value.mean).toBeLessThan(oracle.value.mean);
    expect(random.value.values).toHaveLength(2);
    await expect(runSimulate(['--scenario', 'stable', '--policy', 'random', '--frozen', '--html', 'x.html'], io())).rejects.toThrow(/--html: does not apply with --frozen/);
  });

  it('bad usage: errors name the option', async () => {
    const cases: [string[], RegExp][] = [
      [['--policy', 'random'], /--scenario: is required/],
      [['--scenario', 'moon', '--policy', 'random'], /--scenario: unknown scenario "moon"/],
      [['--scenario', 'stable'], /--policy: is required/],
      [['--scenario', 'stable', '--policy', 'random,nope'], /--policy: unknown policy "nope"; known: .*oracle, best-static/],
      [['--scenario', 'stable', '--policy', 'random', '--n', '-3'], /--n: /],
      [['--scenario', 'stable', '--policy', 'random', '--batch', '1.5'], /--batch: expected an integer/],
      [['--scenario', 'stable', '--policy', 'random', '--params', '{"oracle":{}}'], /--params: params given for "oracle"/],
      [['--scenario', 'stable', '--policy', 'random', '--mean-delay', '5'], /--mean-delay: only applies/],
      [['--scenario', 'stable', '--policy', 'random', '--bogus'], /--bogus/],
    ];
    for (const [args, message] of cases) {
      const err = await runSimulate(args, io()).then(() => null, (e: unknown) => e);
      expect(err, args.join(' ')).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('--help prints usage with the scenarios and policies', async () => {
    const s = io();
    expect(await runSimulate(['--help'], s)).toBe(0);
    expect(s.out()).toContain('stable, outage, drift, new-acquirer, delayed');
    expect(s.out()).toContain('best-static');
  });
});
