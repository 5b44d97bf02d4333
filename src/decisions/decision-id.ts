/**
 * Decision ids: `d-<epoch ms, base 36>-<replica tag>-<counter, base 36>`. Unique across replicas (random
 * per-process tag) and they carry their decision time, so an outcome for a decision whose record is gone
 * can still be told "expired" from "unknown".
 */
import { randomBytes } from 'node:crypto';

export class DecisionIds {
  private counter = 0;
  private readonly tag: string;

  constructor(tag: string = randomBytes(5).toString('hex')) {
    this.tag = tag;
  }

  next(atMs: number): string {
    this.counter = (this.counter + 1) % 0x7fffffff;
    return `d-${atMs.toString(36)}-${this.tag}-${this.counter.toString(36)}`;
  }
}

/** Decision time encoded in a decision id, or undefined when the id is not one of ours. */
export function decidedAtOf(decisionId: string): number | undefined {
  const m = /^d-([0-9a-z]{1,11})-[0-9a-f]+-[0-9a-z]+$/.exec(decisionId);
  if (!m) return undefined;
  const ms = parseInt(m[1]!, 36);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
