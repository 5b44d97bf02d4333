/**
 * The store on Redis (ioredis). Fails fast instead of queueing while Redis is down (no offline queue, one
 * try per command, a command timeout), and reconnects forever in the background; callers fail open.
 * Atomic steps are Lua scripts: claiming a transactionId and storing its decision, marking the first
 * outcome accepted for a decision, compare-and-set of snapshots by stream sequence.
 *
 * Standalone Redis (or a primary with replicas), not Redis Cluster: a batch's script touches the keys of
 * many transactions, and the claim script reads a decision key it builds from ARGV. If one claim of a batch
 * fails (e.g. a foreign value of another type under a `tx:` key), the whole call fails and every claim in it
 * falls back like a store that is down: the decisions are kept by the set-if-absent write-behind.
 *
 * Order on the connection: the batch scripts (`BATCH_SCRIPTS`) are written to the socket when called;
 * single commands are auto-pipelined, sent at the end of the event-loop turn (`setImmediate`) or, while an
 * earlier auto-pipeline waits for its replies, after those. So a single command asked for before a batch
 * script can reach Redis after it. No caller relies on that order (the decision path only runs scripts,
 * `getDecision` is read-only and awaited by its callers, snapshots, dead letters and the retry counters
 * use other keys); a new caller that writes with a script and reads with a single command (or the
 * reverse) must await the first before asking for the second.
 */
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../policies/errors.ts';
import type { DecisionWrite, MarkedOutcome, OutcomeMark, SnapshotEntry, Store, StoreState } from './store.ts';
import { DEAD_LETTER_CAP } from './store.ts';

/**
 * Claim transactionIds for decisions, several in one call (the claims of one event-loop turn): for each,
 * if the transaction has a live decision answer its record and write nothing, else store both keys.
 * KEYS are (tx, decision) pairs, ARGV[1] the decision-key prefix, then (decisionId, record, ttl) per
 * claim. Answers one entry per claim: '' when claimed, else the live decision's record (never empty).
 */
const CLAIM_MANY = `
local out = {}
for i = 1, #KEYS / 2 do
  local tx, dk = KEYS[2 * i - 1], KEYS[2 * i]
  local id, rec, ttl = ARGV[3 * i - 1], ARGV[3 * i], ARGV[3 * i + 1]
  local answer = ''
  local existing = redis.call('GET', tx)
  if existing then
    local live = redis.call('GET', ARGV[1] .. existing)
    if live then answer = live end
  end
  if answer == '' then
    redis.call('SET', tx, id, 'PX', ttl)
    redis.call('SET', dk, rec, 'PX', ttl, 'NX')
  end
  out[i] = answer
end
return out
`;

/** Write-behind of decisions, one call for a batch: KEYS (tx, decision) pairs, ARGV (decisionId, record, ttl) each; set-if-absent. */
const PUT_MANY = `
for i = 1, #KEYS / 2 do
  redis.call('SET', KEYS[2 * i - 1], ARGV[3 * i - 2], 'PX', ARGV[3 * i], 'NX')
  redis.call('SET', KEYS[2 * i], ARGV[3 * i - 1], 'PX', ARGV[3 * i], 'NX')
end
return #KEYS / 2
`;

/**
 * The first accepted outcome of decisions, a batch in one call: KEYS are (decision, mark) pairs, ARGV
 * (seq, withRecord '1'|'0') per outcome. For each in order: when the decision's record is held, its mark
 * is set to seq unless set already, expiring when the record does (PTTL; a record with no TTL, which the
 * router never writes, gives a mark with none); answers (mark,
 * record) per outcome as strings, '' for none (a nil would end the reply's array).
 */
const MARK_OUTCOMES = `
local out = {}
for i = 1, #KEYS / 2 do
  local dk, mk = KEYS[2 * i - 1], KEYS[2 * i]
  local first, rec = '', ''
  local ttl = redis.call('PTTL', dk)
  -- -2: no record; 0: it expires within the millisecond (a mark without a TTL would outlive it)
  if ttl > 0 or ttl == -1 then
    first = redis.call('GET', mk)
    if not first then
      first = ARGV[2 * i - 1]
      if ttl > 0 then redis.call('SET', mk, first, 'PX', ttl) else redis.call('SET', mk, first) end
    end
    if ARGV[2 * i] == '1' then rec = redis.call('GET', dk) end
  end
  out[2 * i - 1] = first
  out[2 * i] = rec
end
return out
`;

const SAVE_SNAPSHOT = `
local cur = redis.call('HGET', KEYS[1], 'seq')
if ARGV[3] ~= '1' and cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'json', ARGV[2])
return 1
`;

/** The scripts that carry a batch each, by command name: sent as they are (not auto-pipelined). */
const BATCH_SCRIPTS = { routerClaimMany: CLAIM_MANY, routerPutMany: PUT_MANY, routerMarkOutcomes: MARK_OUTCOMES } as const;

interface PendingClaim {
  readonly write: DecisionWrite;
  readonly resolve: (existing: string | null) => void;
  readonly reject: (err: unknown) => void;
}

export interface RedisStoreOptions {
  readonly url: string;
  /** Key prefix, e.g. "router:". */
  readonly prefix: string;
  readonly commandTimeoutMs?: number;
}

type ScriptRedis = Redis & {
  /** First argument: the number of keys (twice the number of claims). */
  routerClaimMany(...args: (string | number)[]): Promise<string[]>;
  /** First argument: the number of keys (twice the number of writes). */
  routerPutMany(...args: (string | number)[]): Promise<number>;
  /** First argument: the number of keys (twice the number of outcomes). */
  routerMarkOutcomes(...args: (string | number)[]): Promise<string[]>;
  routerSaveSnapshot(key: string, seq: number, json: string, force: string): Promise<number>;
};

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly redis: ScriptRedis;
  private current: StoreState = 'connecting';
  private readonly listeners: ((state: StoreState, detail?: string) => void)[] = [];
  private readonly p: string;
  /** Claims asked for in this event-loop turn, sent together at its end. */
  private claims: PendingClaim[] = [];

  constructor(options: RedisStoreOptions) {
    this.p = options.prefix;
    const redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, 1000),
      enableAutoPipelining: true,
      // the batch scripts already carry a turn's claims, writes or marks in one command: auto-pipelining
      // would only wrap each in a pipeline of one (about 15 us more of the router's CPU a call, measured)
      autoPipeliningIgnoredCommands: Object.keys(BATCH_SCRIPTS),
    });
    for (const [name, lua] of Object.entries(BATCH_SCRIPTS)) redis.defineCommand(name, { lua });
    redis.defineCommand('routerSaveSnapshot', { numberOfKeys: 1, lua: SAVE_SNAPSHOT });
    redis.on('ready', () => this.set('connected'));
    redis.on('close', () => {
      if (this.current !== 'closed') this.set('down', 'connection closed');
    });
    redis.on('error', (err: Error) => {
      if (this.current !== 'closed') this.set('down', err.message);
    });
    this.redis = redis as ScriptRedis;
  }

  /** The connection, for adapters that share it (the retry attempt counters); this store owns its lifecycle. */
  get connection(): Redis {
    return this.redis;
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      // retryStrategy keeps reconnecting in the background
      this.set('down', String(err));
    }
  }

  state(): StoreState {
    return this.current;
  }

  onState(listener: (state: StoreState, detail?: string) => void): void {
    this.listeners.push(listener);
  }

  private set(state: StoreState, detail?: string): void {
    if (state === this.current && state !== 'down') return;
    const changed = state !== this.current;
    this.current = state;
    if (changed) for (const l of this.listeners) l(state, detail);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.current !== 'connected') throw new DependencyUnavailableError('redis', `${what}: not connected (${this.current})`);
    try {
      return await fn();
    } catch (err) {
      throw new DependencyUnavailableError('redis', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /**
   * Claims are gathered until the end of the event-loop turn (every request that arrived in it) and sent
   * as one script call: one command and one round trip for all of them instead of one each. Each claim
   * is still atomic (the script runs them one after the other, nothing in between).
   */
  claimDecision(w: DecisionWrite): Promise<string | null> {
    if (this.current !== 'connected') return Promise.reject(new DependencyUnavailableError('redis', `claim decision: not connected (${this.current})`));
    return new Promise<string | null>((resolve, reject) => {
      if (this.claims.push({ write: w, resolve, reject }) === 1) setImmediate(() => this.sendClaims());
    });
  }

  private sendClaims(): void {
    const batch = this.claims;
    this.claims = [];
    const args = this.decisionArgs(batch.map((c) => c.write), `${this.p}d:`);
    void this.call('claim decision', () => this.redis.routerClaimMany(...args)).then(
      (answers) => {
        batch.forEach((c, i) => {
          const answer = answers[i];
          if (answer === undefined) c.reject(new DependencyUnavailableError('redis', 'claim decision: no answer'));
          else c.resolve(answer === '' ? null : answer);
        });
      },
      (err: unknown) => {
        for (const c of batch) c.reject(err);
      },
    );
  }

  /** One script call per batch (one command instead of two per decision); each key set only if absent. */
  putDecisions(writes: readonly DecisionWrite[]): Promise<void> {
    return this.call('write decisions', async () => {
      await this.redis.routerPutMany(...this.decisionArgs(writes));
    });
  }

  /** A batch script's arguments: the key count, (tx, decision) key pairs, `head`, (decisionId, record, ttl) each. */
  private decisionArgs(writes: readonly DecisionWrite[], ...head: string[]): (string | number)[] {
    const keys: string[] = [];
    const argv: (string | number)[] = [...head];
    for (const w of writes) {
      keys.push(`${this.p}tx:${w.transactionKey}`, `${this.p}d:${w.decisionId}`);
      argv.push(w.decisionId, w.recordJson, w.ttlMs);
    }
    return [keys.length, ...keys, ...argv];
  }

  getDecision(decisionId: string): Promise<string | null> {
    return this.call('get decision', () => this.redis.get(`${this.p}d:${decisionId}`));
  }

  /** One script call for the batch; the mark of decision `id` is the key `o:<id>`. */
  markOutcomes(marks: readonly OutcomeMark[]): Promise<MarkedOutcome[]> {
    if (marks.length === 0) return Promise.resolve([]);
    const keys: string[] = [];
    const argv: (string | number)[] = [];
    for (const m of marks) {
      keys.push(`${this.p}d:${m.decisionId}`, `${this.p}o:${m.decisionId}`);
      argv.push(m.seq, m.withRecord ? '1' : '0');
    }
    return this.call('mark outcomes', async () => {
      const answers = await this.redis.routerMarkOutcomes(keys.length, ...keys, ...argv);
      return marks.map((_, i) => {
        const first = answers[2 * i];
        const record = answers[2 * i + 1];
        if (first === undefined || record === undefined) throw new Error('mark outcomes: short answer');
        return { firstSeq: first === '' ? 0 : Number(first), record: record === '' ? null : record };
      });
    });
  }

  loadSnapshot(name: string): Promise<SnapshotEntry | null> {
    return this.call('load snapshot', async () => {
      const [seq, json] = await this.redis.hmget(`${this.p}snapshot:${name}`, 'seq', 'json');
      if (seq === null || seq === undefined || json === null || json === undefined) return null;
      return { seq: Number(seq), json };
    });
  }

  saveSnapshot(name: string, entry: SnapshotEntry, force = false): Promise<boolean> {
    return this.call('save snapshot', async () => (await this.redis.routerSaveSnapshot(`${this.p}snapshot:${name}`, entry.seq, entry.json, force ? '1' : '0')) === 1);
  }

  addDeadLetter(seq: number, json: string): Promise<void> {
    return this.call('add dead letter', async () => {
      const key = `${this.p}dead`;
      await this.redis.multi().zadd(key, seq, json).zremrangebyrank(key, 0, -DEAD_LETTER_CAP - 1).exec();
    });
  }

  listDeadLetters(limit: number): Promise<string[]> {
    return this.call('list dead letters', () => this.redis.zrevrange(`${this.p}dead`, 0, limit - 1));
  }

  async clear(): Promise<void> {
    await this.call('clear', async () => {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.p}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await this.redis.del(...keys);
      } while (cursor !== '0');
    });
  }

  async close(): Promise<void> {
    this.set('closed');
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
