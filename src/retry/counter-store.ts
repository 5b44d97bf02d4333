/**
 * Per-card reattempt counters over rolling windows (the networks' excessive-retry caps), shared by every
 * replica. A card's reattempts are a set of (member, scheduled time) pairs: the member is
 * `<transactionId>:<attempt>`, so the same retry request counted twice (a client retrying its HTTP call, two
 * replicas answering the same request) is counted once. `reserve` is an atomic check-and-add against every
 * limit, so two replicas counting the same card can never together exceed a cap.
 *
 * Two implementations, same semantics: Redis (`redis-counter-store.ts`, a sorted set per card and one Lua
 * script) and in-memory (embedded mode, one process).
 */

export interface CounterLimit {
  readonly windowMs: number;
  readonly max: number;
}

export type ReserveResult =
  | { readonly status: 'reserved' }
  /** This member was already counted (a repeated request): nothing added. */
  | { readonly status: 'duplicate' }
  /** Adding it would exceed `limits[limitIndex]`: nothing added. */
  | { readonly status: 'refused'; readonly limitIndex: number; readonly counted: number };

export interface AttemptCounterStore {
  readonly kind: 'redis' | 'memory';
  /** Scheduled times (epoch ms) of the card's reattempts later than `sinceMs`, ascending. */
  history(cardKey: string, sinceMs: number): Promise<number[]>;
  /**
   * Atomically: drop entries older than `forgetBeforeMs`; if `member` is present, answer duplicate; if any
   * limit's count of entries later than `nowMs - windowMs`, plus one, exceeds its max, answer refused;
   * otherwise add `member` at `atMs` and keep the set `ttlMs` longer.
   */
  reserve(cardKey: string, member: string, atMs: number, nowMs: number, limits: readonly CounterLimit[], forgetBeforeMs: number, ttlMs: number): Promise<ReserveResult>;
  /** The answer stored for an idempotency key, or null. */
  recallAnswer(key: string): Promise<string | null>;
  /** Store an answer for an idempotency key, if none is stored yet; returns the stored one. */
  rememberAnswer(key: string, json: string, ttlMs: number): Promise<string>;
}

interface MemoryCard {
  readonly members: Map<string, number>;
  expiresAtMs: number;
}

/** In-process counters (embedded mode): the same semantics, for one replica. `clock` drives expiry. */
export class MemoryAttemptCounterStore implements AttemptCounterStore {
  readonly kind = 'memory' as const;
  private readonly cards = new Map<string, MemoryCard>();
  private readonly answers = new Map<string, { json: string; expiresAtMs: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async history(cardKey: string, sinceMs: number): Promise<number[]> {
    const card = this.live(cardKey);
    if (!card) return [];
    return [...card.members.values()].filter((t) => t > sinceMs).sort((a, b) => a - b);
  }

  async reserve(cardKey: string, member: string, atMs: number, nowMs: number, limits: readonly CounterLimit[], forgetBeforeMs: number, ttlMs: number): Promise<ReserveResult> {
    let card = this.live(cardKey);
    if (!card) {
      card = { members: new Map(), expiresAtMs: 0 };
      this.cards.set(cardKey, card);
    }
    for (const [m, t] of card.members) if (t <= forgetBeforeMs) card.members.delete(m);
    if (card.members.has(member)) return { status: 'duplicate' };
    for (let i = 0; i < limits.length; i++) {
      const from = nowMs - limits[i]!.windowMs;
      let counted = 0;
      for (const t of card.members.values()) if (t > from) counted++;
      if (counted + 1 > limits[i]!.max) return { status: 'refused', limitIndex: i, counted };
    }
    card.members.set(member, atMs);
    card.expiresAtMs = Math.max(card.expiresAtMs, this.clock() + ttlMs);
    return { status: 'reserved' };
  }

  async recallAnswer(key: string): Promise<string | null> {
    const a = this.answers.get(key);
    if (!a) return null;
    if (a.expiresAtMs <= this.clock()) {
      this.answers.delete(key);
      return null;
    }
    return a.json;
  }

  async rememberAnswer(key: string, json: string, ttlMs: number): Promise<string> {
    const existing = await this.recallAnswer(key);
    if (existing !== null) return existing;
    this.answers.set(key, { json, expiresAtMs: this.clock() + ttlMs });
    if (this.answers.size > 200_000) this.sweep();
    return json;
  }

  private live(cardKey: string): MemoryCard | undefined {
    const card = this.cards.get(cardKey);
    if (card && card.expiresAtMs <= this.clock()) {
      this.cards.delete(cardKey);
      return undefined;
    }
    return card;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [k, a] of this.answers) if (a.expiresAtMs <= now) this.answers.delete(k);
  }
}
