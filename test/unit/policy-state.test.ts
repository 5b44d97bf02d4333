/**
 * A policy state's snapshot: the policy and the stream sequence, nothing per decision (the store's
 * first-outcome mark replaced the applied set), so its size does not grow with the outcomes learned; a
 * snapshot of the earlier format (with an applied set) still restores; anything else is refused by name.
 */
import { expect, it } from 'vitest';
import { createLinUcbPolicy } from '../../policies/linear/index.ts';
import { InvalidStateError } from '../../policies/errors.ts';
import type { PaymentContext } from '../../policies/core/context.ts';
import { PolicyState, SNAPSHOT_FORMAT } from '../../src/learning/policy-state.ts';

const context = (i: number): PaymentContext => ({
  transactionId: `tx-${i}`, merchantId: 'm-1', amountMinor: 1000 + i, currency: 'EUR', cardNetwork: 'visa', cardType: 'credit',
  issuerCountry: 'DE', channel: 'ecom', mcc: '5411', threeDS: i % 2 === 0, occurredAtMs: 0,
});

it('snapshots hold the policy and the sequence only: the same size after 10 outcomes and after 5,000', () => {
  const state = new PolicyState(createLinUcbPolicy(), 'route');
  const sizeAfter = (n: number) => {
    for (let i = 0; i < n; i++) state.policy.update(context(i), ['acq-a', 'acq-b'][i % 2]!, i % 3 === 0 ? 1 : 0, 1);
    state.seq += n;
    return JSON.stringify(state.snapshot()).length;
  };
  const small = sizeAfter(10);
  const large = sizeAfter(4_990);
  const snap = state.snapshot();
  expect(Object.keys(snap).sort()).toEqual(['format', 'policy', 'seq']);
  expect(snap.format).toBe(SNAPSHOT_FORMAT);
  // only the digits of the policy's numbers and counts may differ
  expect(large).toBeLessThan(small * 1.2);
});

it('restores its own format and the earlier one with an applied set; refuses anything else, naming the policy', () => {
  const learned = new PolicyState(createLinUcbPolicy(), 'route');
  learned.policy.update(context(1), 'acq-a', 1, 1);
  learned.seq = 42;
  const current = new PolicyState(createLinUcbPolicy(), 'route');
  current.restore(JSON.parse(JSON.stringify(learned.snapshot())));
  expect(current.seq).toBe(42);
  expect(current.snapshot()).toEqual(learned.snapshot());

  const earlier = new PolicyState(createLinUcbPolicy(), 'route');
  earlier.restore({ format: 'router-state/1', seq: 42, policy: learned.policy.snapshot(), applied: [['d-1', 5]] });
  expect(earlier.snapshot()).toEqual(learned.snapshot());

  const other = new PolicyState(createLinUcbPolicy(), 'route');
  for (const bad of [null, { format: 'router-state/9', seq: 1, policy: learned.policy.snapshot() }, { format: SNAPSHOT_FORMAT, seq: '1', policy: learned.policy.snapshot() }, { format: SNAPSHOT_FORMAT, seq: 1 }]) {
    expect(() => other.restore(bad)).toThrow(InvalidStateError);
  }
  expect(() => other.restore(null)).toThrow(/state of policy "linucb": not a router-state\/2 snapshot/);
  expect(other.seq).toBe(0);
});
