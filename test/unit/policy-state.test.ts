/**
 * A policy state's snapshot: the policy and the stream sequence, nothing per decision (the store's
 * first-outcome mark replaced the applied set); a snapshot of the earlier format (with an applied set)
 * still restores and answers its applied decisions; anything else is refused by name.
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

it('snapshots hold the policy and the sequence only (no per-decision state: the store marks outcomes)', () => {
  const state = new PolicyState(createLinUcbPolicy(), 'route');
  for (let i = 0; i < 100; i++) state.policy.update(context(i), ['acq-a', 'acq-b'][i % 2]!, i % 3 === 0 ? 1 : 0, 1);
  state.seq = 100;
  const snap = state.snapshot();
  expect(Object.keys(snap).sort()).toEqual(['format', 'policy', 'seq']);
  expect(snap.format).toBe(SNAPSHOT_FORMAT);
  expect(snap.policy).toEqual(state.policy.snapshot());
});

it('restores its own format and the earlier one with an applied set; refuses anything else, naming the policy', () => {
  const learned = new PolicyState(createLinUcbPolicy(), 'route');
  learned.policy.update(context(1), 'acq-a', 1, 1);
  learned.seq = 42;
  const current = new PolicyState(createLinUcbPolicy(), 'route');
  expect(current.restore(JSON.parse(JSON.stringify(learned.snapshot())))).toEqual([]);
  expect(current.seq).toBe(42);
  expect(current.snapshot()).toEqual(learned.snapshot());

  const earlier = new PolicyState(createLinUcbPolicy(), 'route');
  // the earlier format's applied decisions are answered, for the learner to mark in the store
  expect(earlier.restore({ format: 'router-state/1', seq: 42, policy: learned.policy.snapshot(), applied: [['d-1', 5], ['d-2', 6]] })).toEqual(['d-1', 'd-2']);
  expect(earlier.snapshot()).toEqual(learned.snapshot());

  const other = new PolicyState(createLinUcbPolicy(), 'route');
  for (const bad of [null, { format: 'router-state/9', seq: 1, policy: learned.policy.snapshot() }, { format: SNAPSHOT_FORMAT, seq: '1', policy: learned.policy.snapshot() }, { format: SNAPSHOT_FORMAT, seq: 1 }]) {
    expect(() => other.restore(bad)).toThrow(InvalidStateError);
  }
  expect(() => other.restore(null)).toThrow(/state of policy "linucb": not a router-state\/2 snapshot/);
  expect(other.seq).toBe(0);
});
