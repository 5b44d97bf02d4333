import { afterAll, describe, expect, it } from 'vitest';
import { LogFormatError } from '../../policies/errors.ts';
import { EmpiricalPropensity, forEachLine, parseCsvLine, readLog, type LoggedRow } from '../../simulator/logs/index.ts';
import { tempDir, worldCsv } from './ope-fixtures.ts';
import { obdSampleDir } from '../support/obd-sample.ts';

const OBD = obdSampleDir();
const tmp = tempDir('logs-test');
afterAll(() => tmp.cleanup());

async function collect(file: string, format: 'obd' | 'csv' | 'jsonl'): Promise<{ rows: LoggedRow[]; summary: Awaited<ReturnType<typeof readLog>> }> {
  const rows: LoggedRow[] = [];
  const summary = await readLog(file, format, (r) => rows.push(r));
  return { rows, summary };
}

describe('Open Bandit Dataset sample', () => {
  it.each([
    ['random', 46],
    ['bts', 69],
  ])('the %s log parses completely: 10,000 rows, 34 actions, %i clicks', async (policy, clicks) => {
    const { rows, summary } = await collect(`${OBD}/${policy}/men.csv`, 'obd');
    expect(summary.rows).toBe(10_000);
    expect(summary.bad).toBe(0);
    expect(summary.actions).toHaveLength(34);
    expect(rows.reduce((s, r) => s + r.reward, 0)).toBe(clicks);
    const first = rows[0]!;
    expect(first.line).toBe(2);
    expect(rows[9999]!.line).toBe(10_001);
    if (policy === 'random') {
      expect(first.action).toBe('14');
      expect(first.context['position']).toBe(3);
      expect(first.context['user_feature_0']).toBe('cef3390ed299c09874189c387777674a');
    }
    expect(Object.keys(first.context).filter((k) => k.startsWith('user-item_affinity_'))).toHaveLength(34);
    for (const r of rows) expect(r.propensity > 0 && r.propensity <= 1).toBe(true);
    if (policy === 'random') for (const r of rows) expect(r.propensity).toBeCloseTo(1 / 34, 12);
  });

  it('fails clearly without item_context.csv beside the log', async () => {
    const file = tmp.file('men.csv', ',timestamp,item_id,position,click,propensity_score\n0,t,1,1,0,0.5\n');
    await expect(readLog(file, 'obd', () => {})).rejects.toThrow(/item_context\.csv/);
  });
});

describe('line reader', () => {
  it('gives the same lines whatever the chunk size (lines spanning chunks, CRLF, no final newline)', async () => {
    const text = 'alpha\r\nbeta\n\ngamma-is-a-longer-line-than-the-chunk\ndelta';
    const file = tmp.file('lines.txt', text);
    for (const chunkBytes of [1, 3, 7, 64, 1 << 20]) {
      const got: [string, number][] = [];
      const count = await forEachLine(file, (l, n) => got.push([l, n]), { chunkBytes });
      expect(count).toBe(5);
      expect(got).toEqual([
        ['alpha', 1],
        ['beta', 2],
        ['', 3],
        ['gamma-is-a-longer-line-than-the-chunk', 4],
        ['delta', 5],
      ]);
    }
  });

  it('splits quoted CSV fields', () => {
    expect(parseCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
    expect(() => parseCsvLine('"open')).toThrow(/unterminated/);
  });
});

describe('generic CSV', () => {
  it('reads actions, rewards, propensities, fees, candidates and typed context', async () => {
    const file = tmp.file(
      'tx.csv',
      'key,cardNetwork,amountMinor,threeDS,binPrefix,action,approved,propensity,fee,candidates\n' +
        'tx-1,visa,1200,true,012345,acq-a,true,0.5,12,acq-a|acq-b\n' +
        'tx-2,amex,300,false,0x1F,acq-b,0,,7,\n',
    );
    const { rows, summary } = await collect(file, 'csv');
    expect(summary).toMatchObject({ rows: 2, bad: 0, actions: ['acq-a', 'acq-b'] });
    expect(rows[0]).toMatchObject({ key: 'tx-1', action: 'acq-a', reward: 1, propensity: 0.5, feeMinor: 12, candidates: ['acq-a', 'acq-b'], line: 2 });
    expect(rows[0]!.context).toEqual({ cardNetwork: 'visa', amountMinor: 1200, threeDS: true, binPrefix: '012345' });
    expect(rows[1]!.context['binPrefix']).toBe('0x1F');
    expect(rows[1]!.reward).toBe(0);
    expect(rows[1]!.propensity).toBeNaN();
    expect(rows[1]!.candidates).toBeNull();
  });

  it('reports bad rows with their line numbers and keeps the good ones', async () => {
    const file = tmp.file(
      'bad.csv',
      'segment,action,reward,propensity\n' + 'eu,acq-a,1,0.5\n' + 'eu,,1,0.5\n' + 'eu,acq-a,yes,0.5\n' + 'eu,acq-b,0,1.5\n' + 'eu,acq-b,0\n' + 'us,acq-b,0,0.25\n' + 'us,acq-a,1,0.5\n' + 'us,acq-a,1,0.5\n' + 'us,acq-a,1,0.5\n',
    );
    const bad: number[] = [];
    const summary = await readLog(file, 'csv', () => {}, { onBadRow: (b) => bad.push(b.line) });
    expect(summary.rows).toBe(5);
    expect(summary.bad).toBe(4);
    expect(bad).toEqual([3, 4, 5, 6]);
    expect(summary.badSamples.map((b) => b.message)).toEqual([
      'action: empty',
      'reward: expected a number, got "yes"',
      'propensity: expected a number in (0, 1] or empty, got "1.5"',
      'expected 4 fields, got 3',
    ]);
  });

  it('fails with a clear error when the file is mostly bad', async () => {
    const file = tmp.file('mostly-bad.csv', 'action,reward\nacq-a,1\nacq-a,x\nacq-b,y\n');
    const err = await readLog(file, 'csv', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogFormatError);
    expect((err as LogFormatError).code).toBe('INVALID_LOG');
    expect((err as Error).message).toMatch(/mostly-bad\.csv:3: 2 of 3 rows are bad/);
  });

  it('rejects a header without the required columns', async () => {
    const file = tmp.file('nohead.csv', 'route,reward\nacq-a,1\n');
    await expect(readLog(file, 'csv', () => {})).rejects.toThrow(/missing column "action"/);
  });
});

describe('decision log (JSONL)', () => {
  it('joins decisions with their outcomes, counts unjoined ones and reports orphans by line', async () => {
    const d = (id: string, chosen: string, p?: number): string =>
      JSON.stringify({ type: 'decision', decisionId: id, kind: 'route', policy: 'random', seed: 1, key: `k-${id}`, context: { cardNetwork: 'visa', amountMinor: 100 }, candidates: ['a', 'b'], probabilities: [0.5, 0.5], chosen, ...(p === undefined ? {} : { propensity: p }) });
    const o = (id: string, approved: boolean, extra: object = {}): string => JSON.stringify({ type: 'outcome', decisionId: id, approved, ...extra });
    const file = tmp.file(
      'log.jsonl',
      [d('1', 'a', 0.5), d('2', 'b', 0.5), o('2', true, { reward: 0.7, feeMinor: 9 }), '{not json', o('9', true), d('3', 'a'), o('1', false), d('4', 'b', 0.5)].join('\n') + '\n',
    );
    const bad: { line: number; message: string }[] = [];
    const rows: LoggedRow[] = [];
    const summary = await readLog(file, 'jsonl', (r) => rows.push(r), { onBadRow: (b) => bad.push(b) });
    expect(rows.map((r) => [r.key, r.action, r.reward, r.line])).toEqual([
      ['k-2', 'b', 0.7, 2],
      ['k-1', 'a', 0, 1],
    ]);
    expect(rows[0]!.feeMinor).toBe(9);
    expect(rows[0]!.loggingProbabilities).toEqual([0.5, 0.5]);
    expect(summary.unjoined).toBe(2);
    expect(bad.map((b) => b.line)).toEqual([4, 5]);
    expect(bad[0]!.message).toMatch(/invalid JSON/);
    expect(bad[1]!.message).toMatch(/unknown or already-joined decision "9"/);
  });

  it('reads route decisions by default and retry decisions with kind "retry"', async () => {
    const d = (id: string, kind: string): string => JSON.stringify({ type: 'decision', decisionId: id, kind, candidates: ['a', 'b'], chosen: 'a', context: {}, propensity: 0.5 });
    const o = (id: string): string => JSON.stringify({ type: 'outcome', decisionId: id, approved: true });
    const file = tmp.file('kinds.jsonl', [d('r1', 'route'), d('t1', 'retry'), o('t1'), o('r1'), d('t2', 'retry'), o('t2')].join('\n') + '\n');
    const keys = async (kind?: string): Promise<string[]> => {
      const rows: string[] = [];
      const s = await readLog(file, 'jsonl', (r) => rows.push(r.key), kind ? { kind } : {});
      expect(s.bad).toBe(0);
      return rows;
    };
    expect(await keys()).toEqual(['r1']);
    expect(await keys('retry')).toEqual(['t1', 't2']);
  });

  it('names the failing field of an invalid record', async () => {
    const file = tmp.file(
      'fields.jsonl',
      JSON.stringify({ type: 'decision', decisionId: 'x', candidates: ['a'], chosen: 'z', context: {} }) +
        '\n' +
        JSON.stringify({ type: 'decision', decisionId: 'y', candidates: ['a'], chosen: 'a', context: {} }) +
        '\n' +
        JSON.stringify({ type: 'outcome', decisionId: 'y', approved: 'yes' }) +
        '\n' +
        JSON.stringify({ type: 'decision', decisionId: 'z', candidates: ['a'], chosen: 'a', context: {}, propensity: 1 }) +
        '\n' +
        JSON.stringify({ type: 'outcome', decisionId: 'z', approved: true }) +
        '\n',
    );
    const bad: string[] = [];
    await readLog(file, 'jsonl', () => {}, { onBadRow: (b) => bad.push(`${b.line}: ${b.message}`) });
    expect(bad).toEqual(['1: chosen: "z" is not among candidates', '3: approved: expected true or false, got "yes"']);
  });
});

describe('empirical propensities', () => {
  it('recover the logging frequencies per context bucket', async () => {
    const file = tmp.file('world.csv', worldCsv(20_000, 3, { withPropensity: false }));
    const est = new EmpiricalPropensity();
    await readLog(file, 'csv', (r) => est.observe(r.context, r.action));
    expect(est.estimate({ segment: 'eu' }, 'acq-a', null)).toBeCloseTo(0.7, 1);
    expect(est.estimate({ segment: 'us' }, 'acq-b', null)).toBeCloseTo(0.6, 1);
    expect(est.estimate({ segment: 'apac' }, 'acq-c', ['acq-b', 'acq-c'])).toBeCloseTo(0.7 / 0.85, 1);
  });
});
