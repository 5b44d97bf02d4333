/**
 * The policies one router serves: the route policy (`/v1/route`) and the retry policy (`/v1/retry`), each
 * a PolicyState with its own snapshot and its own stream sequence. Both learn from the one outcome stream:
 * an outcome goes to the state of its decision's kind. Each state's `seq` means "every stream message
 * through seq is included, as far as this state is concerned", so after a message is handled every state
 * moves to it (a route outcome is, for the retry state, a message with nothing to learn). When the two
 * differ (one policy was changed, or a snapshot write was cut short between the two), the consumer resumes
 * from the lower one and each message is applied only to the states that have not included it yet.
 */
import { decisionKindOf } from '../decisions/decision-id.ts';
import type { DecisionKind } from '../decisions/decision-record.ts';
import type { PolicyState } from './policy-state.ts';

export class ServedPolicies {
  readonly all: readonly PolicyState[];

  constructor(
    readonly route: PolicyState,
    readonly retry: PolicyState,
  ) {
    if (route.kind !== 'route' || retry.kind !== 'retry') throw new Error(`served policies need a route and a retry state, got ${route.kind} and ${retry.kind}`);
    this.all = [route, retry];
  }

  of(kind: DecisionKind): PolicyState {
    return kind === 'route' ? this.route : this.retry;
  }

  /** Every message through this sequence is included in every state: the consumer resumes after it. */
  get seq(): number {
    return Math.min(this.route.seq, this.retry.seq);
  }

  /** Some state has already handled every message through this sequence (counted, dead-lettered). */
  get handledSeq(): number {
    return Math.max(this.route.seq, this.retry.seq);
  }

  /** A message was handled: every state now includes it. */
  advance(seq: number): void {
    for (const s of this.all) if (s.seq < seq) s.seq = seq;
  }

  /** The stream was recreated behind the states: follow the new stream from `seq`. */
  rewind(seq: number): void {
    for (const s of this.all) if (s.seq > seq) s.seq = seq;
  }

  /**
   * Whether the state that learns from `decisionId`'s outcomes includes stream message `seq` (every state,
   * when the id is not one of ours: no state would learn from it).
   */
  includesOutcome(decisionId: string, seq: number): boolean {
    const kind = decisionKindOf(decisionId);
    return seq <= (kind === undefined ? this.seq : this.of(kind).seq);
  }
}
