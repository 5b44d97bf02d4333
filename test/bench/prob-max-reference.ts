/**
 * The propensity quadrature as it was before the hot-path rewrite (commit 1e4bd48, 32 nodes per arm): kept only
 * so `npm run bench -- thompson` can time old and new side by side in one process, and so a unit test can check
 * that the rewrite computes the same numbers. Not used by any policy.
 */

import { trigamma } from '../../policies/core/prob-max.ts';
import { NumericalError } from '../../policies/errors.ts';

/** Grid points each arm contributes (HALF + 1 on each side of its mode, sharing the mode). */
const POINTS_PER_ARM = 32;
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
  readonly nodeInvH: Float64Array; // 1 / width of the node interval starting at each node
  readonly nodeCount: Int32Array;
  readonly cursor: Int32Array; // merge cursor, then the arm's current node interval during the sweep
  readonly startIdx: Int32Array; // merged index of arm j's first node
  readonly endIdx: Int32Array; // merged index of arm j's last node
  readonly grid: Float64Array;
  readonly curF: Float64Array; // each arm's CDF at the current sweep point
  readonly curf: Float64Array; // each arm's density at the current sweep point
  readonly curd: Float64Array; // each arm's density slope at the current sweep point
  readonly suffix: Float64Array;
  readonly suffixD: Float64Array;

  constructor(arms: number) {
    this.arms = arms;
    this.nodeX = new Float64Array(arms * ARM_STRIDE);
    this.nodeLogF = new Float64Array(arms * ARM_STRIDE);
    this.nodeDLogF = new Float64Array(arms * ARM_STRIDE);
    this.nodeF = new Float64Array(arms * ARM_STRIDE);
    this.nodeInvH = new Float64Array(arms * ARM_STRIDE);
    this.nodeCount = new Int32Array(arms);
    this.cursor = new Int32Array(arms);
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
  const { nodeX, nodeLogF, nodeDLogF, nodeF, nodeInvH } = ws;
  const base = j * ARM_STRIDE;
  const end = base + ws.nodeCount[j]!;
  for (let k = base; k < end - 1; k++) nodeInvH[k] = 1 / (nodeX[k + 1]! - nodeX[k]!);
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
    return;
  }
  const inv = 1 / total;
  for (let k = base; k < end; k++) {
    nodeF[k] = nodeF[k]! * inv;
    nodeLogF[k] = nodeLogF[k]! * inv;
  }
  nodeF[end - 1] = 1;
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
 * Arm j's CDF, density and density slope at x from the cubic Hermite interpolant of its CDF between its own
 * nodes (values F, slopes f), into ws.curF / curf / curd, at grid point k (an index, not a double: a double
 * argument to a call that is not inlined is boxed on the heap). k must not decrease between calls for one arm.
 */
function evalArm(ws: Workspace, j: number, k: number): void {
  const { nodeX, nodeLogF: nodeDens, nodeF, nodeInvH, cursor } = ws;
  const x = ws.grid[k]!;
  const base = j * ARM_STRIDE;
  if (x <= nodeX[base]!) {
    ws.curF[j] = 0;
    ws.curf[j] = 0;
    ws.curd[j] = 0;
    return;
  }
  if (x >= nodeX[base + ws.nodeCount[j]! - 1]!) {
    ws.curF[j] = 1;
    ws.curf[j] = 0;
    ws.curd[j] = 0;
    return;
  }
  let c = base + cursor[j]!;
  while (nodeX[c + 1]! < x) c++;
  cursor[j] = c - base;
  const invH = nodeInvH[c]!;
  const t = (x - nodeX[c]!) * invH;
  const t2 = t * t;
  const F0 = nodeF[c]!;
  const dF = (F0 - nodeF[c + 1]!) * invH; // (F0 - F1) / h
  const d0 = nodeDens[c]!;
  const d1 = nodeDens[c + 1]!;
  // F(t) = h00 F0 + h10 h d0 + h01 F1 + h11 h d1, then its first and second derivatives in x
  const F = F0 + ((2 * t - 3) * t2 * dF + (t2 - 2 * t + 1) * t * d0 + (t - 1) * t2 * d1) * (nodeX[c + 1]! - nodeX[c]!);
  const f = (6 * t2 - 6 * t) * dF + (3 * t2 - 4 * t + 1) * d0 + (3 * t2 - 2 * t) * d1;
  ws.curF[j] = F < 0 ? 0 : F > 1 ? 1 : F;
  ws.curf[j] = f > 0 ? f : 0;
  ws.curd[j] = ((12 * t - 6) * dF + (6 * t - 4) * d0 + (6 * t - 2) * d1) * invH;
}

/**
 * With every arm evaluated at grid point k: adds w g_i + c g_i' to out[i], where g_i = f_i Π_{j≠i} F_j (its
 * derivative by the product rule, with prefix and suffix products carrying their derivatives: O(n)), and w, c are
 * the point's corrected-trapezoid weights (h_k-1 + h_k) / 2 and (h_k^2 - h_k-1^2) / 12.
 */
function accumulate(ws: Workspace, n: number, k: number, m: number, out: Float64Array): void {
  const { curF, curf, curd, suffix, suffixD, grid } = ws;
  const h = k + 1 < m ? grid[k + 1]! - grid[k]! : 0;
  const hPrev = k > 0 ? grid[k]! - grid[k - 1]! : 0;
  const w = 0.5 * (hPrev + h);
  const c = (h * h - hPrev * hPrev) / 12;
  suffix[n] = 1;
  suffixD[n] = 0;
  for (let j = n - 1; j >= 0; j--) {
    suffix[j] = suffix[j + 1]! * curF[j]!;
    suffixD[j] = suffixD[j + 1]! * curF[j]! + suffix[j + 1]! * curf[j]!;
  }
  let pre = 1;
  let preD = 0;
  for (let j = 0; j < n; j++) {
    const f = curf[j]!;
    const Fj = curF[j]!;
    if (f > 0 || curd[j] !== 0) {
      const q = pre * suffix[j + 1]!;
      const qD = preD * suffix[j + 1]! + pre * suffixD[j + 1]!;
      out[j] = out[j]! + w * f * q + c * (curd[j]! * q + f * qD);
    }
    preD = preD * Fj + pre * f;
    pre *= Fj;
  }
}

/**
 * P_i = ∫ f_i Π_{j≠i} F_j by the composite corrected trapezoid rule (Euler-Maclaurin endpoint correction,
 * fourth order) on the merged grid: Σ_k h_k/2 (g_k + g_k+1) + h_k^2/12 (g'_k - g'_k+1). Normalised at the end.
 */
function sweep(ws: Workspace, n: number, m: number, out: Float64Array): void {
  const { cursor, startIdx, endIdx, curF, curf, curd } = ws;
  for (let j = 0; j < n; j++) {
    cursor[j] = 0;
    out[j] = 0;
  }
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < n; j++) {
      if (k > startIdx[j]! && k < endIdx[j]!) evalArm(ws, j, k);
      else {
        curF[j] = k <= startIdx[j]! ? 0 : 1;
        curf[j] = 0;
        curd[j] = 0;
      }
    }
    accumulate(ws, n, k, m, out);
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


/**
 * P(arm i has the largest draw) for independent Beta(alpha_i, beta_i), i < n, into out[0..n).
 * alpha, beta must be finite and > 0 (NumericalError otherwise). Allocates nothing once warm.
 */
export function probMaxBetaReference(alpha: Float64Array, beta: Float64Array, n: number, out: Float64Array): void {
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
export function probMaxNormalReference(mean: Float64Array, sd: Float64Array, n: number, out: Float64Array): void {
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
