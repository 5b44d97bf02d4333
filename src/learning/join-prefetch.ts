/**
 * Read-ahead for the outcome join. The applier handles outcomes one at a time, in stream order, and joins
 * each to its decision in the store (the record, and the mark of the decision's first accepted outcome,
 * `Store.markOutcomes`): one round trip per outcome, waited for in turn. The consumer already holds the
 * next messages (a pull batch), so this sends the store all their joins at once, in one call, before the
 * applier needs them.
 *
 * It is the applier's store with a cache in front of `markOutcomes`, by stream sequence: an answer found
 * ahead is used once and forgotten; an outcome whose decision had no record then is asked again when it is
 * needed (it may have been written since), and a failed read-ahead is forgotten, so the applier sees
 * exactly what the store says. Marking ahead is marking early, not differently: the store marks in stream
 * order whoever asks, and only outcomes the applier would mark (checked as it checks them, not yet included
 * in their state) are sent. Bounded: at most `capacity` answers wait (the consumer holds at most its
 * max-ack-pending messages anyway).
 */
import type { BusMessage } from '../bus/bus.ts';
import type { RecentDecisions } from '../decisions/recent-decisions.ts';
import type { DecisionWrite, MarkedOutcome, OutcomeMark, SnapshotEntry, Store, StoreState } from '../store/store.ts';
import { expiredById, parseOutcomeMessage } from './outcome-message.ts';

const decoder = new TextDecoder();

/** A join sent ahead: answer `index` of one call for several outcomes. */
interface Ahead {
  readonly decisionId: string;
  readonly answers: Promise<readonly MarkedOutcome[]>;
  readonly index: number;
}

/** The store with a read-ahead cache in front of `markOutcomes`; everything else goes to the store as is. */
class PrefetchedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly ahead: Map<number, Ahead>,
  ) {}

  get kind(): Store['kind'] {
    return this.inner.kind;
  }

  markOutcomes(marks: readonly OutcomeMark[]): Promise<MarkedOutcome[]> {
    const m = marks.length === 1 ? marks[0]! : undefined;
    const a = m === undefined ? undefined : this.ahead.get(m.seq);
    if (m === undefined || a === undefined || a.decisionId !== m.decisionId) return this.inner.markOutcomes(marks);
    this.ahead.delete(m.seq);
    // marked ahead: that is the mark (set once) and the record (written once); no record then, or not the
    // record asked for now: ask again, it may be there now
    return a.answers.then((answers) => {
      const x = answers[a.index];
      return x !== undefined && x.firstSeq !== 0 && (x.record !== null || !m.withRecord) ? [x] : this.inner.markOutcomes(marks);
    });
  }

  getDecision(decisionId: string): Promise<string | null> {
    return this.inner.getDecision(decisionId);
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

export interface JoinPrefetchOptions {
  /** The applier's store, as it would be without the read-ahead. */
  readonly store: Store;
  readonly recent: RecentDecisions;
  /** Messages of this subject are not outcomes (admin changes). */
  readonly skipSubject: string;
  /** Whether the state that learns from `decisionId`'s outcomes already includes `seq` (the applier skips it). */
  readonly included: (decisionId: string, seq: number) => boolean;
  /** The decision TTL (an outcome past it by its decision's id is rejected before the join: not sent). */
  readonly ttlMs: number;
  /** Most answers waiting (default 4096). */
  readonly capacity?: number;
}

export class JoinPrefetch {
  private readonly ahead = new Map<number, Ahead>();
  private readonly inner: Store;
  private readonly capacity: number;
  /** The applier's store: `markOutcomes` answers from the read-ahead first. */
  readonly store: Store;

  constructor(private readonly options: JoinPrefetchOptions) {
    this.inner = options.store;
    this.capacity = options.capacity ?? 4096;
    this.store = new PrefetchedStore(this.inner, this.ahead);
  }

  /** The consumer's next messages: send the store the joins the applier will need. */
  readonly prefetch = (messages: readonly Pick<BusMessage, 'subject' | 'data' | 'seq' | 'timestampMs'>[]): void => {
    if (this.inner.kind === 'memory' || this.inner.state() !== 'connected') return;
    const { skipSubject, included, recent, ttlMs } = this.options;
    const marks: OutcomeMark[] = [];
    let swept = false;
    for (const m of messages) {
      if (m.subject === skipSubject || this.ahead.has(m.seq)) continue;
      // only what the applier would join: a malformed message must not take its decision's mark
      const parsed = parseOutcomeMessage(decoder.decode(m.data));
      if (!parsed.ok) continue;
      const id = parsed.outcome.decisionId;
      if (included(id, m.seq) || expiredById(id, m.timestampMs, ttlMs)) continue;
      if (this.ahead.size + marks.length >= this.capacity) {
        // full: forget what is handled, once per batch (a sweep is a pass over every answer waiting)
        if (swept || !this.sweep()) break;
        swept = true;
        if (this.ahead.size + marks.length >= this.capacity) break;
      }
      marks.push({ decisionId: id, seq: m.seq, withRecord: !recent.isPersisted(id) });
    }
    if (marks.length === 0) return;
    const answers = this.inner.markOutcomes(marks);
    marks.forEach((m, index) => this.ahead.set(m.seq, { decisionId: m.decisionId, answers, index }));
    // a failed read-ahead is forgotten; the applier then asks (and handles the failure) itself
    answers.catch(() => {
      for (const m of marks) if (this.ahead.get(m.seq)?.answers === answers) this.ahead.delete(m.seq);
    });
  };

  /**
   * Forget the answers of messages already handled (their state includes them) that the applier did not
   * ask for (it handled them from memory, or an earlier copy): true when that made room.
   */
  private sweep(): boolean {
    const before = this.ahead.size;
    for (const [seq, a] of this.ahead) if (this.options.included(a.decisionId, seq)) this.ahead.delete(seq);
    return this.ahead.size < before;
  }

  /** Forget everything read ahead (the consumer stopped or restarts elsewhere). */
  clear(): void {
    this.ahead.clear();
  }

  get size(): number {
    return this.ahead.size;
  }
}
