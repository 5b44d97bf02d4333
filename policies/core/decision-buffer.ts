/**
 * Preallocated output of `Policy.decide`: the chosen candidate, and one probability and one score per
 * candidate, aligned with the candidates array passed in. Reused across calls so the hot path allocates
 * nothing. The probability of index i is the probability with which the policy picks candidate i for this
 * request (exploration floor included); they sum to 1 over exactly the candidates.
 */

export const MAX_CANDIDATES = 32;

export class DecisionBuffer {
  readonly probabilities: Float64Array;
  readonly scores: Float64Array;
  /** Number of candidates in the last decision. */
  count = 0;
  /** Index of the chosen candidate in the candidates array; -1 before any decision. */
  chosen = -1;

  constructor(readonly capacity: number = MAX_CANDIDATES) {
    this.probabilities = new Float64Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  get propensity(): number {
    return this.chosen < 0 ? 0 : this.probabilities[this.chosen]!;
  }

  /** Copy out (allocates; for logging and tests, not for the hot path). */
  toPlain(candidates: readonly string[]): { route: string; propensity: number; probabilities: number[]; scores: number[] } {
    return {
      route: candidates[this.chosen] ?? '',
      propensity: this.propensity,
      probabilities: Array.from(this.probabilities.subarray(0, this.count)),
      scores: Array.from(this.scores.subarray(0, this.count)),
    };
  }
}
