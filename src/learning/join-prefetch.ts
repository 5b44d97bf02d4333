/**
 * Read-ahead for the outcome join. The applier handles outcomes one at a time, in stream order, and joins
 * each to its decision record in the store: one round trip per outcome, waited for in turn. The consumer
 * already holds the next messages (a pull batch), so this asks the store for all their records at once,
 * in one tick (ioredis pipelines the commands of a tick into one write), before the applier needs them.
 *
 * The records of one call are asked for in one command when the store can (`getDecisions`, one `MGET`),
 * else one `getDecision` each.
 *
 * It is the applier's store with a cache in front of `getDecision`: a record found ahead is used once and
 * forgotten; a record not found ahead is asked again when it is needed (it may have been written since),
 * and a failed read-ahead is forgotten, so the applier sees exactly what the store says. Records are
 * written once and never change (SET NX), so a record read a moment early is the record. Bounded: at most
 * `capacity` records wait (the consumer holds at most its max-ack-pending messages anyway).
 */
import type { BusMessage } from '../bus/bus.ts';
import type { RecentDecisions } from '../decisions/recent-decisions.ts';
import type { DecisionWrite, SnapshotEntry, Store, StoreState } from '../store/store.ts';

const decoder = new TextDecoder();
const DECISION_ID = /"decisionId"\s*:\s*"([^"\\]{1,256})"/;

/** A record read ahead: answer `index` of one read of several records. */
interface Ahead {
  readonly answers: Promise<readonly (string | null)[]>;
  readonly index: number;
}

/** The store with a read-ahead cache in front of `getDecision`; everything else goes to the store as is. */
class PrefetchedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly ahead: Map<string, Ahead>,
  ) {}

  get kind(): Store['kind'] {
    return this.inner.kind;
  }

  getDecision(decisionId: string): Promise<string | null> {
    const a = this.ahead.get(decisionId);
    if (a === undefined) return this.inner.getDecision(decisionId);
    this.ahead.delete(decisionId);
    // found ahead: that is the record (written once); not found ahead: ask again, it may be there now
    return a.answers.then((answers) => answers[a.index] ?? this.inner.getDecision(decisionId));
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }
  state(): StoreState {
    return this.inner.state();
  }
  onState(listener: (state: StoreState, detail?: string) => void): void {
    this.inner.onState(listener);
  }
  claimDecision(write: DecisionWrite): Promise<string | null> {
    return this.inner.claimDecision(write);
  }
  putDecisions(writes: readonly DecisionWrite[]): Promise<void> {
    return this.inner.putDecisions(writes);
  }
  loadSnapshot(name: string): Promise<SnapshotEntry | null> {
    return this.inner.loadSnapshot(name);
  }
  saveSnapshot(name: string, entry: SnapshotEntry, force?: boolean): Promise<boolean> {
    return this.inner.saveSnapshot(name, entry, force);
  }
  addDeadLetter(seq: number, json: string): Promise<void> {
    return this.inner.addDeadLetter(seq, json);
  }
  listDeadLetters(limit: number): Promise<string[]> {
    return this.inner.listDeadLetters(limit);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export class JoinPrefetch {
  private readonly ahead = new Map<string, Ahead>();
  /** The applier's store: `getDecision` answers from the read-ahead first. */
  readonly store: Store;

  constructor(
    private readonly inner: Store,
    private readonly recent: RecentDecisions,
    private readonly skipSubject: string,
    private readonly capacity = 4096,
  ) {
    this.store = new PrefetchedStore(inner, this.ahead);
  }
  /** The consumer's next messages: ask the store for the records the applier will need. */
  readonly prefetch = (messages: readonly Pick<BusMessage, 'subject' | 'data'>[]): void => {
    if (this.inner.kind === 'memory' || this.inner.state() !== 'connected') return;
    const ids = new Set<string>();
    for (const m of messages) {
      if (m.subject === this.skipSubject) continue;
      const id = DECISION_ID.exec(decoder.decode(m.data))?.[1];
      if (id === undefined || ids.has(id) || this.ahead.has(id) || this.recent.isPersisted(id)) continue;
      if (this.ahead.size + ids.size >= this.capacity) break;
      ids.add(id);
    }
    if (ids.size === 0) return;
    const list = [...ids];
    const answers: Promise<readonly (string | null)[]> = this.inner.getDecisions
      ? this.inner.getDecisions(list)
      : Promise.all(list.map((id) => this.inner.getDecision(id)));
    list.forEach((id, index) => this.ahead.set(id, { answers, index }));
    // a failed read-ahead is forgotten; the applier then asks (and handles the failure) itself
    answers.catch(() => {
      for (const id of list) if (this.ahead.get(id)?.answers === answers) this.ahead.delete(id);
    });
  };

  /** Forget everything read ahead (the consumer stopped or restarts elsewhere). */
  clear(): void {
    this.ahead.clear();
  }

  get size(): number {
    return this.ahead.size;
  }
}
