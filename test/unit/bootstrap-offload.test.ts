import { describe, expect, it } from 'vitest';
import { Rng } from '../../policies/core/rng.ts';
import { BootstrapAccumulator, type BootstrapOptions } from '../../simulator/estimators/bootstrap.ts';
import { defaultEstimators, onPolicyMean } from '../../simulator/estimators/index.ts';
import type { RowBatch } from '../../simulator/estimators/batch.ts';
import { ReplicateOffload } from '../../simulator/estimators/bootstrap-offload.ts';
import { UNIFORM3, simulateBatch } from './ope-fixtures.ts';

/**
 * Batches of a fixed log: more than the ring's four tables, batches of capacities below and above the
 * worker's first table (4,096 rows: the 5,000-row batch makes the accumulator move to a second worker).
 */
const SIZES = [300, 301, 1, 4096, 17, 5000, 2000, 999, 64, 5, 1024, 333];
function batches(): RowBatch[] {
  const rng = new Rng(3, 'offload');
  return SIZES.map((n) => simulateBatch(rng, n, UNIFORM3, 0.03));
}

type Offload = Exclude<BootstrapOptions['offload'], false | undefined>;

function run(options: BootstrapOptions, replicates = 37, seed = 5): { result: ReturnType<BootstrapAccumulator['detailedResult']>; acc: BootstrapAccumulator } {
  const acc = new BootstrapAccumulator([...defaultEstimators(), onPolicyMean], replicates, seed, options);
  for (const b of batches()) acc.add(b);
  return { result: acc.detailedResult(), acc };
}

/** A worker from the first row on, even on one core, waited for so that it takes the batches. */
const eager = (more: Offload = {}): Offload => ({ afterRows: 0, wait: true, anyCores: true, ...more });

describe('bootstrap replicates on a worker thread', () => {
  it.each(['wasm', 'js'] as const)('gives the numbers of one thread bit for bit, handed over at the start, part way, and to a second worker for a larger batch (%s kernel)', (kernel) => {
    const alone = run({ kernel, offload: false });
    expect(alone.acc.offloadReport).toEqual({ workers: 0, batches: 0, recoveries: 0 });
    const fromStart = run({ kernel, offload: eager() });
    expect(fromStart.result).toEqual(alone.result);
    expect(fromStart.acc.offloadReport).toEqual({ workers: 2, batches: 12, recoveries: 0 });
    // 602 rows are past after three batches: those here, then the worker
    const partWay = run({ kernel, offload: eager({ afterRows: 602 }) });
    expect(partWay.result).toEqual(alone.result);
    expect(partWay.acc.offloadReport).toEqual({ workers: 2, batches: 9, recoveries: 0 });
  });
  it('keeps every number when the worker throws part way: the state of its last batch done, the rest here', () => {
    // the one-thread run first grows the shared kernel to 5,000 rows, so the batches taken back are
    // copied from the worker's tables (stride 4,096) to a kernel of another stride
    const alone = run({ offload: false });
    for (const failAtBatch of [0, 1, 3, 4]) {
      const failed = run({ offload: eager({ failAtBatch }) });
      expect(failed.result).toEqual(alone.result);
      expect(failed.acc.offloadReport).toEqual({ workers: 1, batches: failAtBatch, recoveries: 1 });
    }
  });
  it('keeps every number when the worker hangs without a word: given up on after its stall time', () => {
    const alone = run({ offload: false });
    const started = performance.now();
    const hung = run({ offload: eager({ hangAtBatch: 2, stallMs: 200 }) });
    expect(hung.result).toEqual(alone.result);
    expect(hung.acc.offloadReport).toEqual({ workers: 1, batches: 2, recoveries: 1 });
    expect(performance.now() - started).toBeLessThan(20_000);
  });
  it('answers for a result taken part way and goes on (a later result covers every batch)', () => {
    const alone = new BootstrapAccumulator(defaultEstimators(), 20, 9, { offload: false });
    const split = new BootstrapAccumulator(defaultEstimators(), 20, 9, { offload: eager() });
    const all = batches();
    for (const b of all.slice(0, 4)) {
      alone.add(b);
      split.add(b);
    }
    expect(split.detailedResult()).toEqual(alone.detailedResult());
    for (const b of all.slice(4)) {
      alone.add(b);
      split.add(b);
    }
    expect(split.detailedResult()).toEqual(alone.detailedResult());
    expect(split.offloadReport.batches).toBe(12);
  });
  it('starts no worker below the row threshold, and leaves none running after a result', async () => {
    const small = run({ offload: { anyCores: true } });
    expect(small.acc.offloadReport.workers).toBe(0);
    const rows = SIZES.reduce((a, b) => a + b, 0);
    expect(run({ offload: { afterRows: rows + 1, anyCores: true } }).acc.offloadReport.workers).toBe(0);
    expect(run({ offload: { afterRows: rows - 333, anyCores: true, wait: true } }).acc.offloadReport).toEqual({ workers: 1, batches: 1, recoveries: 0 });
    const until = performance.now() + 10_000;
    while (ReplicateOffload.running > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(ReplicateOffload.running).toBe(0);
  });
});
