/** A RouterClient on an in-process router (app.inject, no socket) that can wait until outcomes are applied. */
import type { RouteAnswer } from '../decisions/decision-record.ts';
import type { Router } from '../router.ts';
import type { RouterClient } from './traffic.ts';

export function inProcessClient(router: Router): RouterClient {
  return {
    async route(body) {
      const res = await router.app.inject({ method: 'POST', url: '/v1/route', payload: body });
      if (res.statusCode !== 200) throw new Error(`/v1/route: HTTP ${res.statusCode} ${res.body}`);
      return res.json<RouteAnswer>();
    },
    async outcomes(outcomes) {
      const res = await router.app.inject({ method: 'POST', url: '/v1/outcomes', payload: { outcomes } });
      if (res.statusCode !== 202) throw new Error(`/v1/outcomes: HTTP ${res.statusCode} ${res.body}`);
    },
    async settle() {
      const head = await router.bus.lastSeq(router.learner.outcomeStream);
      while (router.state.seq < head) await new Promise((r) => setImmediate(r));
    },
  };
}
