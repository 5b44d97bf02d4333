/** What `/readyz` reports: ready only when the bus and the store are connected and the policy state is loaded. */
import type { Bus } from './bus/bus.ts';
import type { Readiness } from './http/schemas.ts';
import type { Learner } from './learning/learner.ts';
import type { PolicyState } from './learning/policy-state.ts';
import type { Store } from './store/store.ts';

export interface ReadinessDeps {
  readonly bus: Bus;
  readonly store: Store;
  readonly learner: Learner;
  readonly state: PolicyState;
  readonly busDetail: () => string | undefined;
  readonly storeDetail: () => string | undefined;
  readonly buffered: () => { decisions: number; outcomes: number; log: number };
}

export function readinessOf(d: ReadinessDeps): Readiness {
  const busState = d.bus.state();
  const storeState = d.store.state();
  const busOk = busState === 'connected' || busState === 'embedded';
  const storeOk = storeState === 'connected' || storeState === 'memory';
  const loaded = d.learner.loaded; // (also records that it has been loaded once)
  const degraded: string[] = [];
  const buffered = d.buffered();
  if (!busOk) degraded.push(`bus ${busState}: decisions continue from memory; outcomes are buffered (${buffered.outcomes}) or wait in the stream; decision log buffered (${buffered.log})`);
  if (!storeOk) degraded.push(`store ${storeState}: decisions continue from memory; decision records buffered (${buffered.decisions}); outcome learning waits; snapshots paused`);
  if (!loaded) degraded.push(`policy state ${d.learner.phase}: applied through ${d.state.seq} of ${d.learner.bootSeq}`);
  const busDetail = d.busDetail();
  const storeDetail = d.storeDetail();
  const policyDetail = d.learner.detail;
  const everLoaded = d.learner.everLoaded;
  return {
    status: degraded.length === 0 ? 'ready' : everLoaded ? 'degraded' : 'starting',
    bus: { ok: busOk, state: `${d.bus.kind}:${busState}`, ...(busDetail !== undefined ? { detail: busDetail } : {}) },
    store: { ok: storeOk, state: `${d.store.kind}:${storeState}`, ...(storeDetail !== undefined ? { detail: storeDetail } : {}) },
    policy: {
      ok: loaded,
      name: d.state.policy.name,
      loaded,
      observations: d.state.policy.observations,
      appliedSeq: d.state.seq,
      streamSeq: d.learner.bootSeq,
      ...(policyDetail !== undefined ? { detail: policyDetail } : {}),
    },
    degraded,
  };
}
