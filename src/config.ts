/**
 * The router's configuration: one `loadConfig(env)` validates every variable and names the variable in its
 * error. Only `src/main.ts` reads `process.env`; everything else receives a `Config`.
 *
 * The contract's variables: PORT, HOST, NATS_URL, REDIS_URL, ROUTE_POLICY, RETRY_POLICY, ADMIN_TOKEN,
 * OUTCOME_SUBJECT. The others are extras (documented in docs/service.md), each with a safe default.
 */
import { InvalidConfigError, RouterError } from '../policies/errors.ts';
import { POLICY_NAMES, createPolicy, isPolicyName } from '../policies/registry.ts';
import { RETRY_POLICY_NAMES, isRetryPolicyName } from '../policies/retry/factory.ts';
import { DEFAULT_BLAME, ISSUER_BLAME, parseBlameOptions, type BlameOptions } from '../policies/reward/index.ts';
import { rewardFunctionOf, type RewardConfig } from './learning/reward.ts';

/**
 * The project's best route policy, served when ROUTE_POLICY is unset: the first registered name of this
 * list. Set from the served-gap experiment (scripts/served-gap.ts, 5 seeds) and the simulator's comparison
 * over 5 seeds and three scenarios: LinUCB captures the largest share of the static-to-oracle gap (figures in
 * docs/service.md); the later names are fallbacks.
 */
export const PREFERRED_ROUTE_POLICIES: readonly string[] = ['linucb', 'thompson', 'random'];
export const DEFAULT_ROUTE_POLICY: string = PREFERRED_ROUTE_POLICIES.find(isPolicyName) ?? 'random';
/**
 * The project's best retry policy, served by `/v1/retry` when RETRY_POLICY is unset: LinUCB over the retry
 * features recovered the largest share of soft declines in the retry experiment (docs/retry.md).
 */
export const DEFAULT_RETRY_POLICY = 'linucb';
/** LOG_LEVEL's values (pino's levels). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Seed of the per-decision Rng (`rng.reseed(seed, transactionId)`); logged with every decision. */
export const DEFAULT_SEED = 20261122;

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Unset: embedded in-process bus. */
  readonly natsUrl: string | undefined;
  /** Unset: embedded in-memory store. */
  readonly redisUrl: string | undefined;
  readonly routePolicy: string;
  /**
   * ROUTE_POLICY_PARAMS: params the route policy is created with (structural ones such as `features` and
   * `dimension` included; validated by creating the policy once). `{}`: the policy's defaults.
   */
  readonly routePolicyParams: { readonly [key: string]: unknown };
  readonly retryPolicy: string;
  /** Unset: admin endpoints answer 403. */
  readonly adminToken: string | undefined;
  readonly outcomeSubject: string;
  /** Extras. */
  readonly decisionLogFile: string | undefined;
  readonly seed: number;
  readonly decisionTtlMs: number;
  /** Names this replica's durable consumer; stable across restarts of the same replica. */
  readonly replicaId: string;
  /** Prefix of stream names, router subjects and store keys (`router` gives `router.decisions`, `router:` keys). */
  readonly namespace: string;
  readonly snapshotIntervalMs: number;
  /** How long `/v1/route` may wait for the shared store to claim a transactionId across replicas; 0: never. */
  readonly storeBudgetMs: number;
  readonly logLevel: string;
  /** What the route policy learns from an outcome: reward expression (null: approval) and blame weights. */
  readonly reward: RewardConfig;
  /** What the retry policy learns from a retry's outcome (RETRY_REWARD, RETRY_BLAME; same forms). */
  readonly retryReward: RewardConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigDefaults {
  /** Used to derive the default replica id (`<hostname>-<port>`). */
  readonly hostname: string;
}

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new InvalidConfigError(name, `must be an integer, got "${raw}"`);
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new InvalidConfigError(name, `must be an integer in [${min}, ${max}], got ${raw}`);
  return v;
}

function url(env: Env, name: string, schemes: readonly string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  for (const part of raw.split(',')) {
    let parsed: URL;
    try {
      parsed = new URL(part.trim());
    } catch {
      throw new InvalidConfigError(name, `not a URL: "${part}" (expected ${schemes.map((s) => `${s}//host:port`).join(' or ')})`);
    }
    if (!schemes.includes(parsed.protocol)) {
      throw new InvalidConfigError(name, `scheme must be ${schemes.join(' or ')}, got "${parsed.protocol}"`);
    }
    if (!parsed.hostname) throw new InvalidConfigError(name, `missing host in "${part}"`);
  }
  return raw;
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function policyName(env: Env, name: string, fallback: string): string {
  const v = str(env, name) ?? fallback;
  if (!isPolicyName(v)) throw new InvalidConfigError(name, `unknown policy "${v}"; known: ${POLICY_NAMES.join(', ')}`);
  return v;
}

/** A JSON object of `policy`'s params, checked by creating the policy with them (the error names the param). */
function policyParams(env: Env, name: string, policy: string): { readonly [key: string]: unknown } {
  const raw = str(env, name);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new InvalidConfigError(name, `not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidConfigError(name, `must be a JSON object of ${policy} params, got ${raw}`);
  const params = parsed as { readonly [key: string]: unknown };
  try {
    createPolicy(policy, params);
  } catch (err) {
    if (err instanceof RouterError) throw new InvalidConfigError(name, err.message, { cause: err });
    throw err;
  }
  return params;
}

export function loadConfig(env: Env, defaults: ConfigDefaults = { hostname: 'localhost' }): Config {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = str(env, 'HOST') ?? '127.0.0.1';
  const outcomeSubject = str(env, 'OUTCOME_SUBJECT') ?? 'payments.auth.outcome';
  if (!SUBJECT.test(outcomeSubject)) {
    throw new InvalidConfigError('OUTCOME_SUBJECT', `must be a NATS subject of dot-separated tokens without wildcards, got "${outcomeSubject}"`);
  }
  const namespace = str(env, 'ROUTER_NAMESPACE') ?? 'router';
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(namespace)) {
    throw new InvalidConfigError('ROUTER_NAMESPACE', `must be 1..32 lower-case letters, digits, "_" or "-", starting with a letter, got "${namespace}"`);
  }
  const replicaId = str(env, 'ROUTER_REPLICA_ID') ?? `${defaults.hostname}-${port}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  if (!NAME.test(replicaId)) throw new InvalidConfigError('ROUTER_REPLICA_ID', `must be 1..64 letters, digits, "_" or "-", got "${replicaId}"`);
  const adminToken = env['ADMIN_TOKEN'] === undefined || env['ADMIN_TOKEN'] === '' ? undefined : env['ADMIN_TOKEN'];
  const retryPolicy = str(env, 'RETRY_POLICY') ?? DEFAULT_RETRY_POLICY;
  if (!isRetryPolicyName(retryPolicy)) {
    throw new InvalidConfigError('RETRY_POLICY', `unknown retry policy "${retryPolicy}"; known: ${[...new Set([...RETRY_POLICY_NAMES, ...POLICY_NAMES])].join(', ')}`);
  }
  const routePolicy = policyName(env, 'ROUTE_POLICY', DEFAULT_ROUTE_POLICY);
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new InvalidConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);
  }
  return {
    port,
    host,
    natsUrl: url(env, 'NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    routePolicy,
    routePolicyParams: policyParams(env, 'ROUTE_POLICY_PARAMS', routePolicy),
    retryPolicy,
    adminToken,
    outcomeSubject,
    decisionLogFile: str(env, 'DECISION_LOG_FILE'),
    seed: int(env, 'ROUTER_SEED', DEFAULT_SEED, 0, 0xffffffff),
    decisionTtlMs: int(env, 'DECISION_TTL_SECONDS', 86_400, 1, 30 * 86_400) * 1000,
    replicaId,
    namespace,
    snapshotIntervalMs: int(env, 'SNAPSHOT_INTERVAL_MS', 5000, 100, 3_600_000),
    storeBudgetMs: int(env, 'STORE_BUDGET_MS', 20, 0, 1000),
    logLevel,
    reward: rewardConfig(env, 'ROUTE'),
    retryReward: rewardConfig(env, 'RETRY'),
  };
}

function finiteNumber(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new InvalidConfigError(name, `must be a finite number, got "${raw}"`);
  return v;
}

type RewardPrefix = 'ROUTE' | 'RETRY';

function blameOf(env: Env, prefix: RewardPrefix): BlameOptions {
  const name = `${prefix}_BLAME`;
  const raw = str(env, name);
  if (raw === undefined || raw === 'off') return DEFAULT_BLAME;
  if (raw === 'issuer') return ISSUER_BLAME;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidConfigError(name, `must be "off", "issuer" or a JSON object of issuerWeight, ambiguousWeight, unknownWeight in [0, 1], got "${raw}"`);
  }
  try {
    return parseBlameOptions(parsed as { readonly [key: string]: unknown });
  } catch (err) {
    throw new InvalidConfigError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * `<prefix>_REWARD` (+ `_MIN`, `_MAX`) and `<prefix>_BLAME`, for the route policy (ROUTE_) or the retry policy
 * (RETRY_); the expression is compiled and probed here, so a bad one stops the process naming the variable.
 */
function rewardConfig(env: Env, prefix: RewardPrefix): RewardConfig {
  const name = `${prefix}_REWARD`;
  const expression = str(env, name) ?? null;
  const min = finiteNumber(env, `${name}_MIN`, 0);
  const max = finiteNumber(env, `${name}_MAX`, 1);
  if (expression === null && (str(env, `${name}_MIN`) !== undefined || str(env, `${name}_MAX`) !== undefined)) {
    throw new InvalidConfigError(name, `is required when ${name}_MIN or ${name}_MAX is set`);
  }
  if (!(max > min)) throw new InvalidConfigError(`${name}_MAX`, `must be greater than ${name}_MIN (${min}), got ${max}`);
  const config: RewardConfig = { expression, min, max, blame: blameOf(env, prefix) };
  try {
    rewardFunctionOf(config);
  } catch (err) {
    throw new InvalidConfigError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
  return config;
}

/** Names derived from the namespace: streams, router subjects, store key prefix. */
export interface Names {
  readonly outcomeStream: string;
  readonly decisionStream: string;
  readonly deadLetterStream: string;
  readonly decisionSubject: string;
  readonly appliedSubject: string;
  readonly deadLetterSubject: string;
  readonly adminSubject: string;
  readonly keyPrefix: string;
  readonly durable: string;
}

export function namesOf(config: Pick<Config, 'namespace' | 'replicaId'>): Names {
  const ns = config.namespace;
  const up = ns.toUpperCase().replace(/-/g, '_');
  return {
    outcomeStream: `${up}_OUTCOMES`,
    decisionStream: `${up}_DECISIONS`,
    deadLetterStream: `${up}_DEAD_LETTERS`,
    decisionSubject: `${ns}.decisions`,
    appliedSubject: `${ns}.outcomes.applied`,
    deadLetterSubject: `${ns}.outcomes.dead`,
    adminSubject: `${ns}.admin.policies`,
    keyPrefix: `${ns}:`,
    durable: `${ns}-${config.replicaId}`,
  };
}
