/**
 * Decision ids: `d-<epoch ms, base 36>-<replica tag>-<counter, base 36>` for route decisions, `r-...` for
 * retry decisions. Unique across replicas (random per-process tag) and they carry their decision time and
 * kind, so an outcome for a decision whose record is gone can still be told "expired" from "unknown" (a
 * retry's outcome may come days later: its TTL counts from when the retry was scheduled to run).
 */
import { randomBytes } from 'node:crypto';
import type { DecisionKind } from './decision-record.ts';

const PREFIX: Readonly<Record<DecisionKind, string>> = { route: 'd', retry: 'r' };
const ID = /^([dr])-([0-9a-z]{1,11})-[0-9a-f]+-[0-9a-z]+$/;

export class DecisionIds {
  private counter = 0;
  private readonly tag: string;
  /** The id's head (`d-<ms>-<tag>-`) of the last call: ids within one millisecond share it. */
  private headMs = Number.NaN;
  private headKind: DecisionKind = 'route';
  private head = '';

  constructor(tag: string = randomBytes(5).toString('hex')) {
    this.tag = tag;
  }

  next(atMs: number, kind: DecisionKind = 'route'): string {
    this.counter = (this.counter + 1) % 0x7fffffff;
    if (atMs !== this.headMs || kind !== this.headKind) {
      this.head = `${PREFIX[kind]}-${atMs.toString(36)}-${this.tag}-`;
      this.headMs = atMs;
      this.headKind = kind;
    }
    return this.head + this.counter.toString(36);
  }
}

/** Decision time encoded in a decision id, or undefined when the id is not one of ours. */
export function decidedAtOf(decisionId: string): number | undefined {
  const m = ID.exec(decisionId);
  if (!m) return undefined;
  const ms = parseInt(m[2]!, 36);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Kind encoded in a decision id, or undefined when the id is not one of ours. */
export function decisionKindOf(decisionId: string): DecisionKind | undefined {
  const m = ID.exec(decisionId);
  return m ? (m[1] === 'r' ? 'retry' : 'route') : undefined;
}
