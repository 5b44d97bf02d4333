/** ROUTE_POLICY_PARAMS: the served route policy is created with them; a snapshot learned with others is reported. */
import { afterEach, expect, it } from 'vitest';
import { createLinUcbPolicy } from '../../policies/linear/index.ts';
import { PolicyState, SNAPSHOT_FORMAT } from '../../src/learning/policy-state.ts';
import { createRouter, type Router } from '../../src/router.ts';
import { routeBody, testConfig } from './service-helpers.ts';

const routers: Router[] = [];
afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
});

it('serves the route policy created with ROUTE_POLICY_PARAMS, structural params included', async () => {
  const features = [{ kind: 'bias' }, { kind: 'categorical', field: 'issuerCountry' }, { kind: 'categorical', field: 'mcc', scale: 0.5 }];
  const r = await createRouter(testConfig({ ROUTE_POLICY: 'linucb', ROUTE_POLICY_PARAMS: JSON.stringify({ dimension: 64, features, alpha: 0.2 }) }));
  routers.push(r);
  expect(r.state.policy.params()).toMatchObject({ dimension: 64, features, alpha: 0.2 });
  const res = await r.app.inject({ method: 'POST', url: '/v1/route', payload: routeBody('tx-params-1') });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ policy: 'linucb' });
});

it('reports the configured params a restored snapshot holds other values of', () => {
  const configured = new PolicyState(createLinUcbPolicy({ dimension: 64, alpha: 0.2 }), 'route', ['dimension', 'alpha']);
  expect(configured.overriddenParams()).toEqual([]);
  const learnedWithDefaults = { format: SNAPSHOT_FORMAT, seq: 7, policy: createLinUcbPolicy().snapshot() };
  configured.restore(learnedWithDefaults);
  expect(configured.policy.params()).toMatchObject({ dimension: 32, alpha: 0.3 });
  expect(configured.overriddenParams()).toEqual(['dimension', 'alpha']);
  const learnedWithThem = { format: SNAPSHOT_FORMAT, seq: 8, policy: createLinUcbPolicy({ dimension: 64, alpha: 0.2 }).snapshot() };
  configured.restore(learnedWithThem);
  expect(configured.overriddenParams()).toEqual([]);
});
