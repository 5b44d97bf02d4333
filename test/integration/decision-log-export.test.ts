/**
 * The decision log on NATS is the router's log: a router on real NATS and Redis serves synthetic payments
 * (outcomes reported in batches), `scripts/export-decision-log.ts` writes its decision stream to a file,
 * and that file is line for line the router's own DECISION_LOG_FILE (grouped messages unpacked, the order
 * kept) and replays bit-exactly in the simulator.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { verifyDecisionLog } from '../../simulator/replay/index.ts';
import { createWorld } from '../../simulator/worlds/index.ts';
import { loadConfig } from '../../src/config.ts';
import { inProcessClient } from '../../src/demo/in-process-client.ts';
import { driveTraffic } from '../../src/demo/traffic.ts';
import { createRouter } from '../../src/router.ts';
import { NATS_URL, ROOT, cleanup, natsRedisEnv, uniqueNamespace, until } from './service-support.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const namespaces: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const ns of namespaces.splice(0)) await cleanup(ns);
});

it('exports the NATS decision stream as the router logged it, and it replays bit-exactly (linucb, 600 payments)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'router-export-'));
  dirs.push(dir);
  const file = join(dir, 'router.jsonl');
  const exported = join(dir, 'exported.jsonl');
  const ns = uniqueNamespace();
  namespaces.push(ns);
  const router = await createRouter(
    loadConfig(natsRedisEnv(ns, { ROUTE_POLICY: 'linucb', ROUTER_SEED: '11', DECISION_LOG_FILE: file })),
    { drainTimeoutMs: 5000 },
  );
  await router.startLearning();
  await until('loaded', () => router.learner.loaded || undefined);
  const world = createWorld('stable', { horizon: 600 });
  const totals = await driveTraffic({ world, client: inProcessClient(router), n: 600, seed: 4, batch: 50, runId: 'exp' });
  expect(totals.reported).toBe(600);
  await until('600 applied', () => (router.state.policy.observations === 600 ? true : undefined));
  await router.close(); // flushes the log

  const { stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/export-decision-log.ts'), '--out', exported, '--nats', NATS_URL, '--namespace', ns], { cwd: ROOT });
  expect(stderr).toMatch(/exported 1200 records from \d+ messages/);
  const messages = Number(/from (\d+) messages/.exec(stderr)?.[1]);
  expect(messages).toBeLessThan(1200); // decisions went out grouped
  const mine = readFileSync(file, 'utf8').trim().split('\n');
  expect(mine).toHaveLength(1200);
  expect(readFileSync(exported, 'utf8').trim().split('\n')).toEqual(mine);
  const report = await verifyDecisionLog({ file: exported });
  expect(report.decisions).toBe(600);
  expect(report.reproduced).toBe(600);
  expect(report.mismatched).toBe(0);
  expect(report.outcomesApplied).toBe(600);
  expect(report.bad).toBe(0);
});
