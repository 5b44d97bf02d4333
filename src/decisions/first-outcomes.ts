/**
 * A reader's view of the decision stream: every replica logs each outcome it applies (so that no outcome
 * is lost with one replica), so an outcome is on the stream once per replica that applied it. Read in
 * stream order, this keeps every decision and, of its outcomes, the first one after it; the other copies
 * are left out, and so is an outcome whose decision is not in what was read (it came before the stream's
 * first message kept). The simulator's log reader then sees each decision joined once.
 *
 * Memory: the decisions read and still without an outcome (what the log reader holds too).
 */
const HEAD = /^\{"type":"(decision|outcome)","decisionId":("(?:[^"\\]|\\.)*")/;

export class FirstOutcomes {
  private readonly waiting = new Set<string>();
  /** Outcomes left out: copies logged by other replicas, or outcomes of decisions not read. */
  leftOut = 0;

  /** Whether to keep this record (one JSON line of the stream). */
  keep(line: string): boolean {
    const head = HEAD.exec(line);
    let type: unknown;
    let id: unknown;
    if (head) {
      type = head[1];
      id = JSON.parse(head[2]!) as string;
    } else {
      // not the router's own layout (keys in another order): read the whole record
      try {
        const r = JSON.parse(line) as { type?: unknown; decisionId?: unknown } | null;
        type = r?.type;
        id = r?.decisionId;
      } catch {
        return true; // not JSON: the reader reports it, with its line
      }
    }
    if (typeof id !== 'string' || (type !== 'decision' && type !== 'outcome')) return true; // not ours to judge: the reader reports it
    if (type === 'decision') {
      this.waiting.add(id);
      return true;
    }
    if (this.waiting.delete(id)) return true;
    this.leftOut++;
    return false;
  }

  /** Decisions read that have no outcome yet. */
  get unjoined(): number {
    return this.waiting.size;
  }
}
