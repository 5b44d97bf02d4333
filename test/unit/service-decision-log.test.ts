/**
 * The router's decision log is what the simulator says it is: a router serving synthetic payments (with
 * outcomes in batches) writes DECISION_LOG_FILE, and the simulator's bit-exact replay reproduces every
 * logged choice, probability and observation count from (seed, key) and the logged rewards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
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
