import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createPolicy } from '../../policies/registry.ts';
import { main } from '../../simulator/cli/main.ts';
import { bufferStream, runPolicyToDecisionLog, tempDir, worldCsv } from './ope-fixtures.ts';
import { obdSampleDir } from '../support/obd-sample.ts';
import { POLICY_NAMES } from '../../policies/registry.ts';

const OBD = obdSampleDir();
const tmp = tempDir('cli-test');
afterAll(() => tmp.cleanup());

async function run(argv: string[], isTTY = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = bufferStream();
  const err = bufferStream();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, isTTY });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('router-sim ope', () => {
  it('--json prints exactly one JSON object of the contract\'s shape on stdout', async () => {
    const r = await run(['ope', '--log', `${OBD}/bts/men.csv`, '--format', 'obd', '--target', 'uniform', '--json', '--seed', '4', '--bootstrap', '50']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['n', 'actions', 'estimates', 'diagnostics']);
    expect(report['n']).toBe(10_000);
    expect(report['actions']).toBe(34);
    const estimates = report['estimates'] as Record<string, { value: number; ci95: [number, number] }>;
    for (const name of ['ips', 'snips', 'dm', 'dr']) {
      const e = estimates[name]!;
      expect(Object.keys(e)).toEqual(['value', 'ci95']);
      expect(typeof e.value).toBe('number');
      expect(e.ci95).toHaveLength(2);
      expect(e.ci95[0]).toBeLessThanOrEqual(e.ci95[1]);
    }
  });

  it('same seed, same output; another seed, other intervals', async () => {
    const args = ['ope', '--log', `${OBD}/random/men.csv`, '--format', 'obd', '--target', 'uniform', '--json', '--bootstrap', '30'];
    const a = await run([...args, '--seed', '1']);
    const b = await run([...args, '--seed', '1']);
    const c = await run([...args, '--seed', '2']);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    // on the uniform log, uniform is the logging policy itself: IPS equals the mean click rate exactly
    expect((JSON.parse(a.stdout) as { estimates: { ips: { value: number } } }).estimates.ips.value).toBe(46 / 10_000);
  });

  it('--bootstrap 0 gives point estimates only (intervals null in JSON)', async () => {
    const file = tmp.file('b0.csv', worldCsv(500, 8));
    const r = await run(['ope', '--log', file, '--format', 'csv', '--target', 'uniform', '--json', '--bootstrap', '0']);
    const report = JSON.parse(r.stdout) as { estimates: Record<string, { value: number; ci95: [null, null] }> };
    for (const e of Object.values(report.estimates)) {
      expect(typeof e.value).toBe('number');
      expect(e.ci95).toEqual([null, null]);
    }
  });

  it('prints a readable table with diagnostics and says when propensities were estimated', async () => {
    const file = tmp.file('nop.csv', worldCsv(3000, 1, { withPropensity: false }));
    const r = await run(['ope', '--log', file, '--format', 'csv', '--target', 'uniform', '--bootstrap', '20']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uniform: every available action/);
    expect(r.stdout).toMatch(/\nips +\| [\d.]+ \[[\d.]+, [\d.]+\]/);
    expect(r.stdout).toMatch(/effective sample size/);
    expect(r.stdout).toMatch(/logging propensities: estimated/);
    expect(r.stderr).toMatch(/estimated from the log/);
  });

  it('reports bad rows on stderr with their line numbers', async () => {
    const text = worldCsv(200, 2).replace(/\n(eu,[^\n]*)\n/, '\n$1\nbroken,row\n');
    const file = tmp.file('bad.csv', text);
    const r = await run(['ope', '--log', file, '--format', 'csv', '--target', 'uniform', '--json', '--bootstrap', '10']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/bad\.csv:\d+: skipped: expected 6 fields, got 2/);
    const report = JSON.parse(r.stdout) as { diagnostics: { log: { bad: number } } };
    expect(report.diagnostics.log.bad).toBe(1);
  });

  it('usage errors exit 2 and name the option', async () => {
    expect(await run(['ope', '--log', 'x', '--format', 'parquet', '--target', 'uniform'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--format: unknown log format "parquet"/) });
    expect(await run(['ope', '--format', 'obd', '--target', 'uniform'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--log: is required/) });
    expect(await run(['ope', '--log', 'x', '--format', 'obd', '--target', 'nope'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--target: unknown policy "nope"/) });
    expect(await run(['ope', '--log', 'x', '--format', 'obd', '--target', 'uniform', '--seed', 'abc'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--seed: expected a number/) });
    expect(await run(['ope', '--what'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--what/) });
    expect(await run(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
  });

  it('an unreadable log exits 1 with the file named', async () => {
    const r = await run(['ope', '--log', tmp.dir + '/missing.csv', '--format', 'csv', '--target', 'uniform']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVALID_LOG: .*missing\.csv: cannot read: ENOENT/);
  });

  it('--target empirical evaluates the policy behind another log (--target-log, --target-fields)', async () => {
    const target = tmp.file('target-log.csv', worldCsv(3000, 6));
    const log = tmp.file('uniform-log.csv', worldCsv(3000, 7, { logging: [[1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]] }));
    const r = await run(['ope', '--log', log, '--format', 'csv', '--target', 'empirical', '--target-log', target, '--target-fields', 'segment', '--json', '--bootstrap', '10']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { diagnostics: { target: { name: string; description: string } } };
    expect(report.diagnostics.target.name).toBe('empirical');
    expect(report.diagnostics.target.description).toMatch(/target-log\.csv \(3,000 rows\) per segment/);
    expect(await run(['ope', '--log', log, '--format', 'csv', '--target', 'empirical'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--target-log: is required/) });
    expect(await run(['ope', '--log', log, '--format', 'csv', '--target', 'uniform', '--target-log', target])).toMatchObject({ code: 2 });
  });

  it('--html writes a self-contained report with the interval plot', async () => {
    const file = tmp.file('w-html.csv', worldCsv(2000, 5));
    const html = `${tmp.dir}/ope.html`;
    const r = await run(['ope', '--log', file, '--format', 'csv', '--target', 'uniform', '--bootstrap', '20', '--html', html, '--json']);
    expect(r.code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/^<!doctype html>/);
    expect(text).toMatch(/<svg/);
    for (const name of ['ips', 'snips', 'dm', 'dr', 'logging policy']) expect(text).toContain(name);
    expect(text).not.toMatch(/<script|https?:\/\//);
  });

  it('--help lists the options', async () => {
    const r = await run(['ope', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--log LOG/);
    // every target: uniform, empirical, and each policy of the registry
    expect(r.stdout).toContain(`targets: ${['uniform', 'empirical', ...POLICY_NAMES].join(', ')}`);
  });
});

describe('router-sim replay', () => {
  it('replays a policy over a log and prints the mean reward over time', async () => {
    const file = tmp.file('w.csv', worldCsv(3000, 3));
    const r = await run(['replay', '--log', file, '--format', 'csv', '--policy', 'random', '--points', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rejection-sampling replay of random/);
    expect(r.stdout).toMatch(/mean reward over time/);
    const json = await run(['replay', '--log', file, '--format', 'csv', '--policy', 'random', '--points', '5', '--json']);
    const report = JSON.parse(json.stdout) as { series: unknown[]; estimate: { value: number; ci95: number[] } };
    expect(report.series).toHaveLength(5);
    expect(report.estimate.ci95).toHaveLength(2);
  });

  it('--verify exits 0 when every decision is reproduced and 1 on a mismatch', async () => {
    const text = runPolicyToDecisionLog(createPolicy('random'), { seed: 9, n: 100, delay: 1 });
    const ok = tmp.file('ok.jsonl', text);
    expect(await run(['replay', '--log', ok, '--format', 'jsonl', '--verify'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/100 of 100 reproduced, 0 mismatched/) });
    const lines = text.trimEnd().split('\n');
    const rec = JSON.parse(lines[0]!) as { chosen: string; candidates: string[] };
    rec.chosen = rec.candidates.find((c) => c !== rec.chosen)!;
    lines[0] = JSON.stringify(rec);
    const bad = tmp.file('bad.jsonl', `${lines.join('\n')}\n`);
    const r = await run(['replay', '--log', bad, '--format', 'jsonl', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/line 1 \(d-0\): chosen/);
    expect(await run(['replay', '--log', bad, '--format', 'csv', '--verify'])).toMatchObject({ code: 2 });
  });
});
