/** loadConfig: the contract's defaults, every variable validated, errors naming the variable. */
import { expect, it } from 'vitest';
import { InvalidConfigError } from '../../policies/errors.ts';
import { DEFAULT_RETRY_POLICY, DEFAULT_ROUTE_POLICY, loadConfig, namesOf } from '../../src/config.ts';

it('defaults are the contract defaults', () => {
  const c = loadConfig({}, { hostname: 'host-1' });
  expect(c).toMatchObject({
    port: 8080,
    host: '127.0.0.1',
    natsUrl: undefined,
    redisUrl: undefined,
    routePolicy: DEFAULT_ROUTE_POLICY,
    retryPolicy: DEFAULT_RETRY_POLICY,
    adminToken: undefined,
    outcomeSubject: 'payments.auth.outcome',
    replicaId: 'host-1-8080',
    namespace: 'router',
    routePolicyParams: {},
  });
  expect(namesOf(c)).toMatchObject({ decisionSubject: 'router.decisions', appliedSubject: 'router.outcomes.applied', outcomeStream: 'ROUTER_OUTCOMES', keyPrefix: 'router:' });
});

it('reads every variable', () => {
  const c = loadConfig({
    PORT: '9000',
    HOST: '0.0.0.0',
    NATS_URL: 'nats://10.0.0.1:4222,nats://10.0.0.2:4222',
    REDIS_URL: 'redis://:pw@10.0.0.3:6379/2',
    ROUTE_POLICY: 'random',
    ADMIN_TOKEN: 's3cret',
    OUTCOME_SUBJECT: 'acme.payments.outcome',
    DECISION_LOG_FILE: '/tmp/log.jsonl',
    ROUTER_SEED: '42',
    DECISION_TTL_SECONDS: '600',
    ROUTER_REPLICA_ID: 'eu-1',
    ROUTER_NAMESPACE: 'acme',
    SNAPSHOT_INTERVAL_MS: '1000',
    STORE_BUDGET_MS: '0',
  });
  expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', routePolicy: 'random', adminToken: 's3cret', outcomeSubject: 'acme.payments.outcome', seed: 42, decisionTtlMs: 600_000, replicaId: 'eu-1', snapshotIntervalMs: 1000, storeBudgetMs: 0 });
  expect(c.natsUrl).toBe('nats://10.0.0.1:4222,nats://10.0.0.2:4222');
  expect(namesOf(c).durable).toBe('acme-eu-1');
});

it.each([
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['NATS_URL', 'localhost:4222'],
  ['NATS_URL', 'http://localhost:4222'],
  ['REDIS_URL', 'memcached://x:1'],
  ['ROUTE_POLICY', 'no-such-policy'],
  ['RETRY_POLICY', 'no-such-policy'],
  ['ROUTE_POLICY', 'fixed'],
  ['OUTCOME_SUBJECT', 'payments.*'],
  ['OUTCOME_SUBJECT', 'has space'],
  ['ROUTER_SEED', '-1'],
  ['DECISION_TTL_SECONDS', '0'],
  ['ROUTER_REPLICA_ID', 'a/b'],
  ['ROUTER_NAMESPACE', 'Upper'],
  ['SNAPSHOT_INTERVAL_MS', '5'],
  ['STORE_BUDGET_MS', '5000'],
  ['LOG_LEVEL', 'loud'],
  ['ROUTE_POLICY_PARAMS', 'alpha=1'],
  ['ROUTE_POLICY_PARAMS', '[1]'],
  ['ROUTE_POLICY_PARAMS', '{"alpha":-1}'],
  ['ROUTE_POLICY_PARAMS', '{"features":[{"kind":"categorical"}]}'],
  ['ROUTE_POLICY_PARAMS', '{"v":0.3}'],
])('%s=%s is rejected naming the variable', (name, value) => {
  let err: unknown;
  try {
    loadConfig({ [name]: value });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidConfigError);
  expect((err as InvalidConfigError).field).toBe(name);
  expect((err as Error).message.startsWith(`${name}: `)).toBe(true);
});

it('ROUTE_POLICY_PARAMS creates the route policy with structural params, and names the bad param', () => {
  const features = [{ kind: 'bias' }, { kind: 'categorical', field: 'issuerCountry' }, { kind: 'categorical', field: 'mcc', scale: 0.5 }];
  const c = loadConfig({ ROUTE_POLICY: 'linucb', ROUTE_POLICY_PARAMS: JSON.stringify({ dimension: 64, features, alpha: 0.2 }) });
  expect(c.routePolicyParams).toEqual({ dimension: 64, features, alpha: 0.2 });
  expect(() => loadConfig({ ROUTE_POLICY: 'linucb', ROUTE_POLICY_PARAMS: '{"features":[{"kind":"categorical"}]}' })).toThrow(/^ROUTE_POLICY_PARAMS: linucb\.features\[0\]\.field: /);
  // the params are the named policy's: thompson has segments, not alpha
  expect(loadConfig({ ROUTE_POLICY: 'thompson', ROUTE_POLICY_PARAMS: '{"segments":["issuerCountry"]}' }).routePolicyParams).toEqual({ segments: ['issuerCountry'] });
  expect(() => loadConfig({ ROUTE_POLICY: 'thompson', ROUTE_POLICY_PARAMS: '{"alpha":0.2}' })).toThrow(/^ROUTE_POLICY_PARAMS: thompson\.alpha/);
});
