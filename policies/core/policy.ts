import type { Context } from './context.ts';
import type { DecisionBuffer } from './decision-buffer.ts';
import type { Rng } from './rng.ts';

/** A JSON value: what snapshots are made of (they live in Redis and in files). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Tunable parameters of a policy (exploration rates, priors, forgetting...). Plain JSON. */
export type PolicyParams = { readonly [key: string]: Json };

/**
 * Serialised policy: everything needed to rebuild it bit-exactly. Plain JSON, no typed arrays, so it can be
 * stored in Redis, written to a file, and compared in tests.
 */
export interface PolicySnapshot {
  /** Registry name, e.g. "linucb". */
  readonly policy: string;
  /** Implementation version; restore refuses a snapshot of another format. */
  readonly version: string;
  readonly params: PolicyParams;
  /** Distinct outcomes learned from. */
  readonly observations: number;
  /** Policy-specific learned state. */
  readonly state: Json;
}

/**
 * The one interface every policy implements (route and retry alike; a retry action is just a candidate id).
 *
 * Pure: no I/O, no clock, no global RNG. Randomness only from the Rng passed to `decide`, so the same seed,
 * the same params and the same sequence of updates give bit-identical decisions.
 */
export interface Policy {
  /** Registry name. */
  readonly name: string;
  /** Implementation version, logged with each decision (e.g. "thompson/1"). */
  readonly version: string;
  /** Distinct outcomes this state has learned from. */
  readonly observations: number;

  /** Current tunables. */
  params(): PolicyParams;
  /**
   * Live tuning: validate and apply a partial patch of params. Throws InvalidConfigError naming the field
   * (and changes nothing) on a bad value. Learned state is kept.
   */
  tune(patch: { readonly [key: string]: unknown }): void;

  /**
   * Choose among `candidates` (1..out.capacity unique ids) for `context`. Writes into `out`: count, chosen
   * index, and per candidate the probability of being chosen (> 0, summing to 1, floor included) and a score
   * (higher is better: posterior mean, UCB, ...). Must not allocate on the hot path.
   */
  decide(context: Context, candidates: readonly string[], rng: Rng, out: DecisionBuffer): void;

  /**
   * Learn from one outcome of choosing `route` in `context`. `reward` is in [0, 1] for Bernoulli-style
   * policies (approval = 1); `weight` in [0, 1] scales how much this outcome counts (blame: an issuer-side
   * decline counts less against the route). Unknown routes are created from the prior.
   */
  update(context: Context, route: string, reward: number, weight: number): void;

  /** Predicted mean reward of `route` in `context` (for calibration reports). */
  predict(context: Context, route: string): number;

  snapshot(): PolicySnapshot;
  /** Replace learned state and params with a snapshot's. Throws InvalidStateError if it does not fit. */
  restore(snapshot: PolicySnapshot): void;
}

/** Builds a policy from (validated) params; unknown or invalid params throw InvalidConfigError naming the field. */
export type PolicyFactory = (params?: { readonly [key: string]: unknown }) => Policy;
