/**
 * A reader's view of the decision stream. Every replica logs each outcome it applies (so that no outcome
 * is lost with one replica), so an outcome is on the stream once per replica that applied it, and a copy
 * may come before its decision (another replica's group went out first). Read in stream order, this writes
 * every decision once and, right after it or where it comes if later, the first copy of its outcome: the
 * other copies are left out, and so is an outcome whose decision never comes (made before the stream's first
 * message kept). The simulator's log reader then sees each decision joined once, its outcome after it.
 *
 * Memory: the decisions read and still without an outcome (what the log reader holds too), and, for
 * WINDOW_MS of decision time (from the ids), the decisions already joined (to know a late copy) and the
 * outcomes whose decision has not come yet.
 */
import { decidedAtOf } from './decision-id.ts';

const HEAD = /^\{"type":"(decision|outcome)","decisionId":("(?:[^"\\]|\\.)*")/;
/** How far behind the latest decision (by the time in its id) a copy or an early outcome is still expected. */
export const WINDOW_MS = 10 * 60_000;

export class FirstOutcomes {
  private readonly waiting = new Set<string>();
  /** Decisions joined within the window: decisionId -> decision time. */
  private readonly joined = new Map<string, number>();
  /** Outcomes read before their decision, within the window: decisionId -> [decision time, line]. */
  private readonly early = new Map<string, readonly [number, string]>();
  private latest = -Infinity;
  /** Outcomes left out: copies logged by other replicas, or outcomes whose decision never came. */
  leftOut = 0;
  /** Decision records left out: the same decision logged again (a group republished after the dedup window). */
  repeatedDecisions = 0;

  /** The lines to write for this record (one JSON line of the stream), in order: none, it, or a decision and its outcome. */
  take(line: string): string[] {
    const record = FirstOutcomes.read(line);
    if (record === undefined) return [line]; // not ours to judge: the reader reports it
    const [type, id] = record;
    const at = decidedAtOf(id);
    if (type === 'decision') {
      if (this.waiting.has(id) || this.joined.has(id)) {
        this.repeatedDecisions++;
        return [];
      }
      if (at !== undefined && at > this.latest) this.advance(at);
      const outcome = this.early.get(id);
      if (outcome === undefined) {
        this.waiting.add(id);
        return [line];
      }
      this.early.delete(id);
      this.join(id, at);
      return [line, outcome[1]];
    }
    if (this.waiting.delete(id)) {
      this.join(id, at);
      return [line];
    }
    // a copy of an outcome already written, or one whose decision is not here (yet)
    if (!this.joined.has(id) && !this.early.has(id) && at !== undefined && at >= this.latest - WINDOW_MS) this.early.set(id, [at, line]);
    else this.leftOut++;
    return [];
  }

  /** The end of the stream: outcomes still waiting for their decision are left out. */
  finish(): void {
    this.leftOut += this.early.size;
    this.early.clear();
  }

  /** Decisions read that have no outcome yet. */
  get unjoined(): number {
    return this.waiting.size;
  }

  private join(id: string, at: number | undefined): void {
    if (at !== undefined && at >= this.latest - WINDOW_MS) this.joined.set(id, at);
  }

  /** The latest decision time moved: forget what fell out of the window (both maps are in decision-time order, nearly). */
  private advance(at: number): void {
    this.latest = at;
    const horizon = at - WINDOW_MS;
    for (const [id, t] of this.joined) {
      if (t >= horizon) break;
      this.joined.delete(id);
    }
    for (const [id, [t]] of this.early) {
      if (t >= horizon) break;
      this.early.delete(id);
      this.leftOut++;
    }
  }

  private static read(line: string): readonly ['decision' | 'outcome', string] | undefined {
    const head = HEAD.exec(line);
    if (head) return [head[1] as 'decision' | 'outcome', JSON.parse(head[2]!) as string];
    // not the router's own layout (keys in another order): read the whole record
    try {
      const r = JSON.parse(line) as { type?: unknown; decisionId?: unknown } | null;
      return (r?.type === 'decision' || r?.type === 'outcome') && typeof r.decisionId === 'string' ? [r.type, r.decisionId] : undefined;
    } catch {
      return undefined; // not JSON: the reader reports it, with its line
    }
  }
}
