/**
 * Probability that each of n independent random variables is the largest ("probability of being the max"),
 * by deterministic 1-D quadrature instead of Monte Carlo. Thompson sampling picks the arm whose posterior draw
 * is largest, so P_i = P(X_i > X_j for all j != i) is exactly the propensity of a Thompson decision:
 *
 *   P_i = ∫ f_i(y) Π_{j≠i} F_j(y) dy.
 *
 * Method (all buffers are module-level and grown on demand, so a warm call allocates nothing):
 *  1. Beta arms are integrated in logit space, y = ln(x / (1 - x)). The arg-max is unchanged by a monotone
 *     map, and the logit of a Beta(a, b) variable has the log-density a y - (a + b) softplus(y): smooth and
 *     log-concave for every a, b > 0, where the density in x is unbounded at 0 or 1 whenever a < 1 or b < 1
 *     (which pooled priors produce for approval rates near 1). Normal arms are integrated as they are.
 *  2. Each arm contributes POINTS_PER_ARM grid points around its mode, half on each side, out to
 *     max(8 sd, 30 / tail rate) (8 sd for a normal; the logit-Beta has exponential tails of rate a on the left
 *     and b on the right, so 30 / rate puts the truncated mass below e^-30). Points are spaced as
 *     mode ± D (k / H)^2: dense near the mode, coarse in the tails.
 *  3. The arms' sorted point lists are merged into one grid (k-way merge, duplicates dropped), so a narrow
 *     posterior keeps its resolution next to a wide one.
 *  4. Each arm's CDF at its own nodes comes from the cubic-Hermite (corrected trapezoid) rule per node interval,
 *     h/2 (f0 + f1) + h^2/12 (f0' - f1'), with f' from the analytic derivative of the log-density. Densities are
 *     unnormalised (log-density minus its maximum) and each CDF is normalised to end at 1, so no log-Beta
 *     function is needed and discretisation error cannot leak probability. Between its nodes an arm's CDF,
 *     density and density slope come from the cubic Hermite interpolant (values F, slopes f).
 *  5. One sweep over the merged grid integrates g_i = f_i Π_{j≠i} F_j by the composite corrected trapezoid rule
 *     Σ h/2 (g_k + g_k+1) + h^2/12 (g'_k - g'_k+1) (fourth order), with prefix/suffix products (and their
 *     derivatives) so each grid point costs O(n). The result is normalised.
 *
 * Accuracy: test/unit/prob-max.test.ts checks closed forms and 10^6-draw seeded Monte Carlo;
 * test/bench/prob-max-accuracy.ts measures the errors reported in docs/policies-thompson.md (max 4.3e-4 against
 * the two-normal closed form, 1.5e-3 against Monte Carlo on router-like Beta posteriors).
 */

import { NumericalError } from '../errors.ts';

/** Grid points each arm contributes (HALF + 1 on each side of its mode, sharing the mode). */
export const POINTS_PER_ARM = 32;
const HALF = POINTS_PER_ARM / 2;
const ARM_STRIDE = 2 * HALF + 1;
/** Normal core width in standard deviations. */
const SPAN_SD = 8;
/** Truncate exponential tails where the log-density has dropped by this much. */
const TAIL_DROP = 30;
/** Point spacing exponent: distance from the mode grows as (k / HALF)^SPACING_POWER. */
const SPACING_POWER = 2;

// Fractions (k / HALF)^SPACING_POWER, computed once.
const FRACTIONS = new Float64Array(HALF + 1);
for (let k = 0; k <= HALF; k++) FRACTIONS[k] = Math.pow(k / HALF, SPACING_POWER);

/** Preallocated buffers, grown on demand and reused across calls (so a warm call allocates nothing). */
class Workspace {
  readonly arms: number;
  readonly nodeX: Float64Array; // arm j's own sorted nodes at j * ARM_STRIDE
  readonly nodeLogF: Float64Array; // log-density at the nodes, then the normalised density
  readonly nodeDLogF: Float64Array; // derivative of the log-density at the nodes
  readonly nodeF: Float64Array; // normalised CDF at the nodes
  // the CDF on the node interval [x_k, x_k+1] as the cubic F_k + d_k u + c2_k u^2 + c3_k u^3 in u = x - x_k (the
  // cubic Hermite interpolant of values F and slopes d, the density), so the sweep evaluates it with Horner's rule
  readonly nodeC2: Float64Array;
  readonly nodeC3: Float64Array;
  readonly nodeCount: Int32Array;
  readonly cursor: Int32Array; // merge cursor, then the arm's current node interval (absolute index) in the sweep
  readonly active: Int32Array; // arms still inside their node range at the current sweep point, in arm order
  readonly startIdx: Int32Array; // merged index of arm j's first node
  readonly endIdx: Int32Array; // merged index of arm j's last node
  readonly grid: Float64Array;
  readonly curF: Float64Array; // each active arm's CDF at the current sweep point (by position in `active`)
  readonly curf: Float64Array; // each active arm's density at the current sweep point
  readonly curd: Float64Array; // each active arm's density slope at the current sweep point
  readonly suffix: Float64Array;
  readonly suffixD: Float64Array;

  constructor(arms: number) {
    this.arms = arms;
    this.nodeX = new Float64Array(arms * ARM_STRIDE);
    this.nodeLogF = new Float64Array(arms * ARM_STRIDE);
    this.nodeDLogF = new Float64Array(arms * ARM_STRIDE);
    this.nodeF = new Float64Array(arms * ARM_STRIDE);
    this.nodeC2 = new Float64Array(arms * ARM_STRIDE);
    this.nodeC3 = new Float64Array(arms * ARM_STRIDE);
    this.nodeCount = new Int32Array(arms);
    this.cursor = new Int32Array(arms);
    this.active = new Int32Array(arms);
    this.startIdx = new Int32Array(arms);
    this.endIdx = new Int32Array(arms);
    this.grid = new Float64Array(arms * ARM_STRIDE);
    this.curF = new Float64Array(arms);
    this.curf = new Float64Array(arms);
    this.curd = new Float64Array(arms);
    this.suffixD = new Float64Array(arms + 1);
    this.suffix = new Float64Array(arms + 1);
  }
}

let workspace = new Workspace(32);

function ensure(n: number): Workspace {
  if (n > workspace.arms) workspace = new Workspace(Math.max(n, workspace.arms * 2));
  return workspace;
}

/** Arm j's nodes: mode - dl * FRACTIONS[HALF..1], mode, mode + dr * FRACTIONS[1..HALF]; strictly increasing. */
function armNodes(ws: Workspace, j: number, mode: number, dl: number, dr: number): void {
  const x = ws.nodeX;
  const base = j * ARM_STRIDE;
  let w = 0;
  let last = -Infinity;
  for (let k = HALF; k >= 1; k--) {
    const v = mode - dl * FRACTIONS[k]!;
    if (v > last) x[base + w++] = last = v;
  }
  if (mode > last) x[base + w++] = last = mode;
  for (let k = 1; k <= HALF; k++) {
    const v = mode + dr * FRACTIONS[k]!;
    if (v > last) x[base + w++] = last = v;
  }
  ws.nodeCount[j] = w;
}

/**
 * From the log-density (and its derivative) at arm j's nodes: the normalised density (into nodeLogF) and CDF
 * (into nodeF) at the nodes, the mass of each node interval being the cubic Hermite rule
 * h/2 (f0 + f1) + h^2/12 (f0' - f1').
 */
function nodeCdf(ws: Workspace, j: number): void {
  const { nodeX, nodeLogF, nodeDLogF, nodeF } = ws;
  const base = j * ARM_STRIDE;
  const end = base + ws.nodeCount[j]!;
  let maxLog = -Infinity;
  for (let k = base; k < end; k++) if (nodeLogF[k]! > maxLog) maxLog = nodeLogF[k]!;
  let f0 = Math.exp(nodeLogF[base]! - maxLog);
  let g0 = f0 * nodeDLogF[base]!;
  nodeLogF[base] = f0;
  nodeF[base] = 0;
  let total = 0;
  for (let k = base + 1; k < end; k++) {
    const f1 = Math.exp(nodeLogF[k]! - maxLog);
    const g1 = f1 * nodeDLogF[k]!;
    const h = nodeX[k]! - nodeX[k - 1]!;
    const trap = 0.5 * h * (f0 + f1);
    let mk = trap + ((h * h) / 12) * (g0 - g1);
    if (!(mk >= 0)) mk = trap >= 0 ? trap : 0;
    total += mk;
    nodeF[k] = total;
    nodeLogF[k] = f1;
    f0 = f1;
    g0 = g1;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    // all mass at one point at floating-point resolution: a uniform CDF over the arm's (tiny) range
    const span = nodeX[end - 1]! - nodeX[base]!;
    for (let k = base; k < end; k++) {
      nodeF[k] = span > 0 ? (nodeX[k]! - nodeX[base]!) / span : k === end - 1 ? 1 : 0;
      nodeLogF[k] = span > 0 ? 1 / span : 0;
    }
  } else {
    const inv = 1 / total;
    for (let k = base; k < end; k++) {
      nodeF[k] = nodeF[k]! * inv;
      nodeLogF[k] = nodeLogF[k]! * inv;
    }
    nodeF[end - 1] = 1;
  }
  hermiteCoefficients(ws, base, end);
}

/** c2, c3 of the cubic Hermite interpolant of (F, d) on each node interval of one arm: see Workspace. */
function hermiteCoefficients(ws: Workspace, base: number, end: number): void {
  const { nodeX, nodeLogF: nodeDens, nodeF, nodeC2, nodeC3 } = ws;
  for (let k = base; k < end - 1; k++) {
    const invH = 1 / (nodeX[k + 1]! - nodeX[k]!);
    const slope = (nodeF[k + 1]! - nodeF[k]!) * invH;
    const d0 = nodeDens[k]!;
    const d1 = nodeDens[k + 1]!;
    nodeC2[k] = (3 * slope - 2 * d0 - d1) * invH;
    nodeC3[k] = (d0 + d1 - 2 * slope) * invH * invH;
  }
}

/** k-way merge of the arms' nodes into the grid; records each arm's first and last merged index. */
function mergeGrids(ws: Workspace, n: number): number {
  const { nodeX, nodeCount, cursor, startIdx, endIdx, grid } = ws;
  for (let j = 0; j < n; j++) cursor[j] = 0;
  let m = 0;
  let lastV = -Infinity;
  for (;;) {
    let best = -1;
    let bestV = Infinity;
    for (let j = 0; j < n; j++) {
      const c = cursor[j]!;
      if (c < nodeCount[j]!) {
        const v = nodeX[j * ARM_STRIDE + c]!;
        if (v < bestV) {
          bestV = v;
          best = j;
        }
      }
    }
    if (best < 0) break;
    if (bestV > lastV) {
      grid[m++] = bestV;
      lastV = bestV;
    }
    const c = cursor[best]!;
    if (c === 0) startIdx[best] = m - 1;
    if (c === nodeCount[best]! - 1) endIdx[best] = m - 1;
    cursor[best] = c + 1;
  }
  return m;
}

/**
 * P_i = ∫ f_i Π_{j≠i} F_j by the composite corrected trapezoid rule (Euler-Maclaurin endpoint correction,
 * fourth order) on the merged grid: Σ_k h_k/2 (g_k + g_k+1) + h_k^2/12 (g'_k - g'_k+1), i.e. each grid point adds
 * w g_i + c g_i' with w = (h_k-1 + h_k) / 2 and c = (h_k^2 - h_k-1^2) / 12. Normalised at the end.
 *
 * Only grid points strictly inside (max_j first node, max_j last node) are visited: below the last arm's first
 * node some F_j is 0, above every arm's last node every f_j is 0, so every g_i and g_i' is exactly 0 there. At
 * each visited point only the arms that have not yet reached their last node are evaluated and multiplied
 * (an arm past its last node has F = 1, f = 0 and contributes an exact factor 1). Each active arm's CDF, density
 * and density slope come from the cubic Hermite interpolant of its CDF between its own nodes (values F, slopes
 * f), with a per-arm node cursor that only moves forward; g_i and g_i' come from prefix and suffix products
 * (carrying their derivatives by the product rule), so a point costs O(active arms). Everything is inlined into
 * one loop over typed arrays: no call per (point, arm), no heap number.
 */
function sweep(ws: Workspace, n: number, m: number, out: Float64Array): void {
  const { nodeX, nodeLogF: nodeDens, nodeF, nodeC2, nodeC3, cursor, startIdx, endIdx, grid, curF, curf, curd, suffix, suffixD, active } = ws;
  let lo = 0;
  let hi = 0;
  for (let j = 0; j < n; j++) {
    out[j] = 0;
    cursor[j] = j * ARM_STRIDE;
    active[j] = j;
    if (startIdx[j]! > lo) lo = startIdx[j]!;
    if (endIdx[j]! > hi) hi = endIdx[j]!;
  }
  let na = n;
  let nextEnd = m;
  for (let j = 0; j < n; j++) if (endIdx[j]! < nextEnd) nextEnd = endIdx[j]!;
  for (let k = lo + 1; k < hi; k++) {
    if (k >= nextEnd) {
      // drop the arms that reached their last node (order kept, so the products are formed as before)
      let w = 0;
      nextEnd = m;
      for (let p = 0; p < na; p++) {
        const j = active[p]!;
        const e = endIdx[j]!;
        if (e > k) {
          active[w++] = j;
          if (e < nextEnd) nextEnd = e;
        }
      }
      na = w;
    }
    const x = grid[k]!;
    for (let p = 0; p < na; p++) {
      const j = active[p]!;
      let c = cursor[j]!;
      while (nodeX[c + 1]! < x) c++;
      cursor[j] = c;
      const u = x - nodeX[c]!;
      const d0 = nodeDens[c]!;
      const c2 = nodeC2[c]!;
      const c3 = nodeC3[c]!;
      const F = nodeF[c]! + u * (d0 + u * (c2 + u * c3));
      const f = d0 + u * (2 * c2 + 3 * c3 * u);
      curF[p] = F < 0 ? 0 : F > 1 ? 1 : F;
      curf[p] = f > 0 ? f : 0;
      curd[p] = 2 * c2 + 6 * c3 * u;
    }
    const h = grid[k + 1]! - x;
    const hPrev = x - grid[k - 1]!;
    const w = 0.5 * (hPrev + h);
    const cw = (h * h - hPrev * hPrev) / 12;
    suffix[na] = 1;
    suffixD[na] = 0;
    for (let p = na - 1; p >= 0; p--) {
      suffix[p] = suffix[p + 1]! * curF[p]!;
      suffixD[p] = suffixD[p + 1]! * curF[p]! + suffix[p + 1]! * curf[p]!;
    }
    let pre = 1;
    let preD = 0;
    for (let p = 0; p < na; p++) {
      const f = curf[p]!;
      const Fp = curF[p]!;
      const s = suffix[p + 1]!;
      const q = pre * s;
      const qD = preD * s + pre * suffixD[p + 1]!;
      const j = active[p]!;
      out[j] = out[j]! + w * f * q + cw * (curd[p]! * q + f * qD);
      preD = preD * Fp + pre * f;
      pre *= Fp;
    }
  }
  let sum = 0;
  for (let j = 0; j < n; j++) {
    if (!(out[j]! > 0)) out[j] = 0;
    sum += out[j]!;
  }
  if (!(sum > 0) || !Number.isFinite(sum)) {
    for (let j = 0; j < n; j++) out[j] = 1 / n;
    return;
  }
  for (let j = 0; j < n; j++) out[j] = out[j]! / sum;
}

/** Trigamma ψ'(x), x > 0: recurrence up to x >= 6, then the asymptotic series (relative error < 1e-9). */
export function trigamma(x: number): number {
  let acc = 0;
  while (x < 6) {
    acc += 1 / (x * x);
    x += 1;
  }
  const r = 1 / x;
  const r2 = r * r;
  return acc + r + 0.5 * r2 + r * r2 * (1 / 6 - r2 * (1 / 30 - r2 * (1 / 42 - r2 / 30)));
}

/**
 * P(arm i has the largest draw) for independent Beta(alpha_i, beta_i), i < n, into out[0..n).
 * alpha, beta must be finite and > 0 (NumericalError otherwise). Allocates nothing once warm.
 */
export function probMaxBeta(alpha: Float64Array, beta: Float64Array, n: number, out: Float64Array): void {
  if (n <= 0) return;
  if (n === 1) {
    out[0] = 1;
    return;
  }
  const ws = ensure(n);
  const { nodeX, nodeLogF, nodeDLogF, nodeCount } = ws;
  for (let j = 0; j < n; j++) {
    const a = alpha[j]!;
    const b = beta[j]!;
    if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
      throw new NumericalError(`probMaxBeta: arm ${j} has invalid Beta(${a}, ${b})`);
    }
    // logit(Beta(a, b)) = ln Gamma(a) - ln Gamma(b): variance ψ'(a) + ψ'(b), mode ln(a / b)
    const sd = Math.sqrt(trigamma(a) + trigamma(b));
    armNodes(ws, j, Math.log(a / b), Math.max(SPAN_SD * sd, TAIL_DROP / a), Math.max(SPAN_SD * sd, TAIL_DROP / b));
    const ab = a + b;
    const base = j * ARM_STRIDE;
    const end = base + nodeCount[j]!;
    for (let k = base; k < end; k++) {
      const y = nodeX[k]!;
      const t = Math.exp(-Math.abs(y));
      const softplus = (y > 0 ? y : 0) + Math.log1p(t);
      const sigmoid = y >= 0 ? 1 / (1 + t) : t / (1 + t);
      nodeLogF[k] = a * y - ab * softplus;
      nodeDLogF[k] = a - ab * sigmoid;
    }
    nodeCdf(ws, j);
  }
  sweep(ws, n, mergeGrids(ws, n), out);
}

/**
 * P(arm i has the largest draw) for independent Normal(mean_i, sd_i^2), i < n, into out[0..n).
 * sd = 0 is a point mass (treated as a normal 1e9 times narrower than the largest |mean| or sd); identical
 * arms get equal probabilities. NumericalError on non-finite input or negative sd. Allocates nothing once warm.
 */
export function probMaxNormal(mean: Float64Array, sd: Float64Array, n: number, out: Float64Array): void {
  if (n <= 0) return;
  if (n === 1) {
    out[0] = 1;
    return;
  }
  const ws = ensure(n);
  const { nodeX, nodeLogF, nodeDLogF, nodeCount } = ws;
  let scale = 0;
  for (let j = 0; j < n; j++) {
    const mu = mean[j]!;
    const s = sd[j]!;
    if (!Number.isFinite(mu) || !Number.isFinite(s) || s < 0) {
      throw new NumericalError(`probMaxNormal: arm ${j} has invalid Normal(${mu}, sd ${s})`);
    }
    scale = Math.max(scale, Math.abs(mu), s);
  }
  const minSd = scale > 0 ? 1e-9 * scale : 1e-9;
  for (let j = 0; j < n; j++) {
    const mu = mean[j]!;
    const s = Math.max(sd[j]!, minSd);
    armNodes(ws, j, mu, SPAN_SD * s, SPAN_SD * s);
    const inv = 1 / s;
    const base = j * ARM_STRIDE;
    const end = base + nodeCount[j]!;
    for (let k = base; k < end; k++) {
      const z = (nodeX[k]! - mu) * inv;
      nodeLogF[k] = -0.5 * z * z;
      nodeDLogF[k] = -z * inv;
    }
    nodeCdf(ws, j);
  }
  sweep(ws, n, mergeGrids(ws, n), out);
}
