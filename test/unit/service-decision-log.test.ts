/**
 * The router's decision log is what the simulator says it is: a router serving synthetic payments (with
 * outcomes in batches) writes DECISION_LOG_FILE, and the simulator's bit-exact replay reproduces every
 * logged choice, probability and observation count from (seed, key) and the logged rewards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Context } from '../../policies/core/context.ts';
import { blameWeight, createRewardFunction, ISSUER_BLAME } from '../../policies/reward/index.ts';
import { verifyDecisionLog } from '../../simulator/replay/index.ts';
import { createWorld } from '../../simulator/worlds/index.ts';
import { inProcessClient } from '../../src/demo/in-process-client.ts';
import { driveTraffic } from '../../src/demo/traffic.ts';
import { createRouter } from '../../src/router.ts';
import { testConfig, until } from './service-helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('a served decision log replays bit-exactly in the simulator (linucb, 1,500 payments, outcomes every 50)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'router-log-'));
  dirs.push(dir);
  const file = join(dir, 'decisions.jsonl');
  const router = await createRouter(testConfig({ ROUTE_POLICY: 'linucb', DECISION_LOG_FILE: file, ROUTER_SEED: '7' }));
  await router.startLearning();
  await until('loaded', () => router.learner.loaded || undefined);
  const world = createWorld('stable', { horizon: 1500 });
  const totals = await driveTraffic({ world, client: inProcessClient(router), n: 1500, seed: 3, batch: 50, runId: 'log' });
  expect(totals.reported).toBe(1500);
  await router.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(3000);
  const first = JSON.parse(lines[0]!);
  expect(first).toMatchObject({ type: 'decision', kind: 'route', policy: 'linucb', policyVersion: 'linucb/1', seed: 7, key: 'log-0', observations: 0 });
  const report = await verifyDecisionLog({ file });
  expect(report.decisions).toBe(1500);
  expect(report.mismatched).toBe(0);
  expect(report.reproduced).toBe(1500);
  expect(report.outcomesApplied).toBe(1500);
  expect(report.bad).toBe(0);
});

it('the outcome records carry the configured reward and blame weight, and still replay bit-exactly (thompson)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'router-log-'));
  dirs.push(dir);
  const file = join(dir, 'decisions.jsonl');
  const expression = 'approved * (1 - 10 * feeMinor / max(amountMinor, 1))';
  const router = await createRouter(testConfig({ ROUTE_POLICY: 'thompson', DECISION_LOG_FILE: file, ROUTER_SEED: '5', ROUTE_REWARD: expression, ROUTE_BLAME: 'issuer' }));
  await router.startLearning();
  await until('loaded', () => router.learner.loaded || undefined);
  const world = createWorld('stable', { horizon: 400 });
  const totals = await driveTraffic({ world, client: inProcessClient(router), n: 400, seed: 2, batch: 50, runId: 'rw' });
  expect(totals.reported).toBe(400);
  await router.close();
  const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const contexts = new Map<string, Context>();
  for (const r of records) if (r['type'] === 'decision') contexts.set(r['decisionId'] as string, r['context'] as Context);
  const reward = createRewardFunction({ expression, min: 0, max: 1 });
  let outcomes = 0;
  let halfWeight = 0;
  let partial = 0;
  for (const r of records) {
    if (r['type'] !== 'outcome') continue;
    outcomes++;
    const o = { approved: r['approved'] as boolean, responseCode: r['responseCode'] as string | undefined, feeMinor: r['feeMinor'] as number | undefined };
    const context = contexts.get(r['decisionId'] as string)!;
    expect(r['weight']).toBe(blameWeight(o.responseCode, o.approved, ISSUER_BLAME));
    expect(r['reward']).toBe(reward.evaluate(o, context));
    if (r['weight'] === 0.5) halfWeight++;
    if (o.approved && (r['reward'] as number) < 1) partial++;
  }
  expect(outcomes).toBe(400);
  expect(halfWeight).toBeGreaterThan(0); // some issuer declines were down-weighted
  expect(partial).toBeGreaterThan(0); // approvals learned net of the fee
  const report = await verifyDecisionLog({ file });
  expect(report.decisions).toBe(400);
  expect(report.mismatched).toBe(0);
  expect(report.outcomesApplied).toBe(400);
});
