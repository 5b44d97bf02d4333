/**
 * Test fixtures for the simulator's log readers, estimators and replay: synthetic logs with known truth,
 * written to a temporary directory, and a decision log produced by running a policy with the brief's
 * conventions (rng.reseed(seed, key) per decision; outcomes applied with the logged reward and weight).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import type { Policy } from '../../policies/core/policy.ts';
import { Rng } from '../../policies/core/rng.ts';
import { RowBatch } from '../../simulator/estimators/batch.ts';

export function tempDir(prefix: string): { dir: string; file: (name: string, text: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    dir,
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small contextual world: 3 segments, 3 routes, Bernoulli rewards with known means. */
export const SEGMENTS = ['eu', 'us', 'apac'] as const;
export const SEGMENT_P = [0.5, 0.3, 0.2] as const;
export const ROUTES = ['acq-a', 'acq-b', 'acq-c'] as const;
/** MEANS[segment][route] */
export const MEANS = [
  [0.9, 0.7, 0.5],
  [0.6, 0.85, 0.4],
  [0.3, 0.5, 0.8],
] as const;
/** Non-uniform logging policy per segment (favours a fixed route). */
export const LOGGING = [
  [0.7, 0.2, 0.1],
  [0.2, 0.6, 0.2],
  [0.15, 0.15, 0.7],
] as const;

/** True value of a target given as a per-segment distribution. */
export function trueValue(target: readonly (readonly number[])[]): number {
  let v = 0;
  for (let s = 0; s < 3; s++) for (let a = 0; a < 3; a++) v += SEGMENT_P[s]! * target[s]![a]! * MEANS[s]![a]!;
  return v;
}

export const UNIFORM3 = [
  [1 / 3, 1 / 3, 1 / 3],
  [1 / 3, 1 / 3, 1 / 3],
  [1 / 3, 1 / 3, 1 / 3],
];

function draw(p: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < p.length - 1; i++) {
    acc += p[i]!;
    if (u < acc) return i;
  }
  return p.length - 1;
}

/**
 * Generic-CSV log of n rows from the world above under `logging` (default LOGGING); propensities logged
 * unless `withPropensity` is false. Includes a numeric context column `amount` (noise) and `fee`.
 */
export function worldCsv(n: number, seed: number, options: { withPropensity?: boolean; logging?: readonly (readonly number[])[] } = {}): string {
  const rng = new Rng(seed, 'world');
  const logging = options.logging ?? LOGGING;
  const withP = options.withPropensity ?? true;
  const lines = [`segment,amount,action,reward,propensity,fee`];
  for (let i = 0; i < n; i++) {
    const s = draw(SEGMENT_P, rng.next());
    const a = draw(logging[s]!, rng.next());
    const r = rng.next() < MEANS[s]![a]! ? 1 : 0;
    lines.push(`${SEGMENTS[s]},${(rng.next() * 100).toFixed(2)},${ROUTES[a]},${r},${withP ? logging[s]![a]! : ''},${10 + a}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface DecisionLogOptions {
  readonly seed: number;
  readonly n: number;
  /** Outcomes are applied this many decisions later (tests the join and the order). */
  readonly delay?: number;
  /** Every k-th decision never gets an outcome (0: none). */
  readonly dropEvery?: number;
}

const NETWORKS = ['visa', 'mastercard', 'amex'] as const;
const COUNTRIES = ['FR', 'US', 'DE', 'JP'] as const;

/**
 * Run `policy` as the router does and return its decision log (JSONL): for decision i, key "tx-i",
 * rng.reseed(seed, key), decide, log; outcomes (approved with a route- and context-dependent probability,
 * blame weight 1 or 0.5) are applied `delay` decisions later with update(context, chosen, reward, weight)
 * and logged with the exact reward and weight.
 */
export function runPolicyToDecisionLog(policy: Policy, options: DecisionLogOptions): string {
  const world = new Rng(options.seed, 'outcomes');
  const rng = new Rng(options.seed);
  const out = new DecisionBuffer();
  const delay = options.delay ?? 0;
  const lines: string[] = [];
  const queue: { id: string; context: Record<string, string | number | boolean>; chosen: string; drop: boolean }[] = [];
  const candidates = ['acq-a', 'acq-b', 'acq-c', 'acq-d'];
  const apply = (q: (typeof queue)[number]): void => {
    if (q.drop) return;
    const good = (q.chosen === 'acq-a' && q.context['cardNetwork'] === 'visa') || (q.chosen === 'acq-c' && q.context['issuerCountry'] === 'US');
    const approved = world.next() < (good ? 0.9 : 0.6);
    const weight = approved ? 1 : world.next() < 0.5 ? 1 : 0.5;
    const reward = approved ? 1 : 0;
    policy.update(q.context, q.chosen, reward, weight);
    lines.push(JSON.stringify({ type: 'outcome', decisionId: q.id, approved, responseCode: approved ? '00' : '05', feeMinor: 12, latencyMs: 200, occurredAt: '2026-11-22T10:00:01Z', reward, weight }));
  };
  for (let i = 0; i < options.n; i++) {
    const key = `tx-${i}`;
    const context = {
      transactionId: key,
      merchantId: `m-${i % 5}`,
      amountMinor: 100 + ((i * 37) % 5000),
      currency: 'EUR',
      cardNetwork: NETWORKS[i % 3]!,
      cardType: 'credit',
      issuerCountry: COUNTRIES[(i * 7) % 4]!,
      channel: 'ecom',
      mcc: '5411',
      threeDS: i % 2 === 0,
      occurredAtMs: 1_795_000_000_000 + i * 1000,
    };
    const observations = policy.observations;
    rng.reseed(options.seed, key);
    policy.decide(context, candidates, rng, out);
    const plain = out.toPlain(candidates);
    const id = `d-${i}`;
    lines.push(
      JSON.stringify({
        type: 'decision',
        decisionId: id,
        kind: 'route',
        at: '2026-11-22T10:00:00.000Z',
        policy: policy.name,
        policyVersion: policy.version,
        seed: options.seed,
        key,
        observations,
        context,
        candidates,
        probabilities: plain.probabilities,
        scores: plain.scores,
        chosen: plain.route,
        propensity: plain.propensity,
      }),
    );
    queue.push({ id, context, chosen: plain.route, drop: options.dropEvery ? i % options.dropEvery === options.dropEvery - 1 : false });
    while (queue.length > delay) apply(queue.shift()!);
  }
  while (queue.length > 0) apply(queue.shift()!);
  return `${lines.join('\n')}\n`;
}

/** Collect what a Writable receives (for CLI tests). */
export function bufferStream(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = {
    write(chunk: string | Uint8Array): boolean {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => chunks.join('') };
}

/**
 * A batch drawn from the fixture world under the LOGGING policy, with the target distribution `target`
 * per segment and a reward model equal to the true means plus `modelBias`.
 */
export function simulateBatch(rng: Rng, n: number, target: readonly (readonly number[])[], modelBias: number): RowBatch {
  const b = new RowBatch(n, 3);
  const pick = (p: readonly number[]): number => {
    const u = rng.next();
    let acc = 0;
    for (let i = 0; i < 2; i++) if (u < (acc += p[i]!)) return i;
    return 2;
  };
  for (let i = 0; i < n; i++) {
    const s = pick(SEGMENT_P);
    const a = pick(LOGGING[s]!);
    b.action[i] = a;
    b.reward[i] = rng.next() < MEANS[s]![a]! ? 1 : 0;
    b.propensity[i] = LOGGING[s]![a]!;
    for (let j = 0; j < 3; j++) {
      b.targetDist[i * 3 + j] = target[s]![j]!;
      b.qhat[i * 3 + j] = Math.min(1, MEANS[s]![j]! + modelBias);
    }
  }
  b.size = n;
  b.derive();
  return b;
}
