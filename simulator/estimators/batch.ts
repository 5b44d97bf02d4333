/**
 * A chunk of logged rows as typed arrays: what every estimator consumes. The OPE pipeline fills one batch
 * of `capacity` rows, calls `derive()`, hands it to the accumulators, then `clear()`s and refills it, so a
 * pass over millions of rows allocates one batch.
 *
 * Per row i: logged action index `action[i]` in [0, actions), `reward[i]`, logging propensity of the logged
 * action `propensity[i]`, target probability of the logged action `targetProb[i]`, the target distribution
 * `targetDist[i * actions + a]` and the reward model's predictions `qhat[i * actions + a]` (0 for actions
 * not available in that row). `derive()` computes the importance weight w = targetProb / propensity, the
 * prediction for the logged action qLogged and the model's value of the target qTarget = sum_a pi(a) q(a).
 */
export class RowBatch {
  size = 0;
  readonly action: Int32Array;
  readonly reward: Float64Array;
  readonly propensity: Float64Array;
  readonly targetProb: Float64Array;
  readonly targetDist: Float64Array;
  readonly qhat: Float64Array;
  readonly weight: Float64Array;
  readonly qLogged: Float64Array;
  readonly qTarget: Float64Array;

  constructor(
    readonly capacity: number,
    readonly actions: number,
  ) {
    this.action = new Int32Array(capacity);
    this.reward = new Float64Array(capacity);
    this.propensity = new Float64Array(capacity);
    this.targetProb = new Float64Array(capacity);
    this.targetDist = new Float64Array(capacity * actions);
    this.qhat = new Float64Array(capacity * actions);
    this.weight = new Float64Array(capacity);
    this.qLogged = new Float64Array(capacity);
    this.qTarget = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Compute weight, qLogged and qTarget for rows [0, size). targetProb is taken from targetDist. */
  derive(): void {
    const k = this.actions;
    for (let i = 0; i < this.size; i++) {
      const a = this.action[i]!;
      const base = i * k;
      const pi = this.targetDist[base + a]!;
      this.targetProb[i] = pi;
      this.weight[i] = pi / this.propensity[i]!;
      this.qLogged[i] = this.qhat[base + a]!;
      let v = 0;
      for (let j = 0; j < k; j++) v += this.targetDist[base + j]! * this.qhat[base + j]!;
      this.qTarget[i] = v;
    }
  }

  /** Empty the batch (zeroes the per-action arrays of the used rows). */
  clear(): void {
    this.targetDist.fill(0, 0, this.size * this.actions);
    this.qhat.fill(0, 0, this.size * this.actions);
    this.size = 0;
  }
}
