import { Rng } from '../../policies/core/rng.ts';
import { measure, type BenchRow } from './harness.ts';

export async function bench(): Promise<BenchRow[]> {
  const rng = new Rng(1);
  const sink = new Float64Array(1);
  const rows: BenchRow[] = [];
  for (const [name, fn] of [
    ['next', () => { sink[0] = sink[0]! + rng.next(); }],
    ['normal', () => { sink[0] = sink[0]! + rng.normal(); }],
    ['beta(2,5)', () => { sink[0] = sink[0]! + rng.beta(2, 5); }],
    ['reseed(seed,txid)', () => void rng.reseed(42, 'tx-0000000000001')],
  ] as const) {
    const m = await measure(name, fn, { iterations: 100_000 });
    rows.push({ group: 'rng', name: `${m.name} time`, value: m.nsPerOp, unit: 'ns/op' });
    rows.push({ group: 'rng', name: `${m.name} alloc`, value: m.bytesPerOp, unit: 'B/op' });
  }
  if (sink[0] === 42) process.stderr.write('');
  return rows;
}
