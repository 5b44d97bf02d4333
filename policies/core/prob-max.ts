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
 *  2. Each arm contributes POINTS_PER_ARM + 1 nodes around its mode, half on each side, out to where its
 *     log-density has dropped by TAIL_DROP = 20 below the mode (sqrt(40) sd for a normal; for a logit-Beta,
 *     found per side by `betaSpans`: its tails are exponential with rate a on the left and b on the right, so
 *     with a or b < 1 one side is long and the other short). Nodes are spaced as mode ± D (k / H)^2: denser
 *     near the mode, coarser in the tails.
 *  3. At its nodes an arm's density f and its first two derivatives are analytic (from the log-density and its
 *     two derivatives). Its CDF at the nodes accumulates the node-interval masses by the two-point Hermite rule
 *     h/2 (f0 + f1) + h^2/10 (f0' - f1') + h^3/120 (f0'' + f1'') (exact for quintics). Densities are
 *     unnormalised (log-density minus its maximum) and each CDF is normalised to end at 1, so no log-Beta
 *     function is needed and discretisation error cannot leak probability. Between its nodes an arm's CDF is the
 *     quintic Hermite interpolant of (F, f, f'), stored as polynomial coefficients per node interval.
 *  4. The arms' sorted node lists are merged into one grid, so a narrow posterior keeps its resolution next to
 *     a wide one.
 *  5. One sweep over the merged grid integrates g_i = f_i Π_{j≠i} F_j with the same two-point rule applied to
 *     g (composite: each point adds w0 g + w1 g' + w2 g''), where g, g', g'' come from prefix and suffix
 *     products of the arms' second-order Taylor series, so each grid point costs O(active arms). Only points
 *     where the integrand can be non-zero are visited (see `sweep`). The result is normalised.
 *
 * Accuracy: test/unit/prob-max.test.ts checks closed forms and 10^6-draw seeded Monte Carlo;
 * test/property/prob-max.property.test.ts (fast-check) seeded Monte Carlo, the two-normal closed form, sums,
 * the floor and permutation equivariance; test/bench/prob-max-accuracy.ts measures the errors reported in
 * docs/policies-thompson.md (against closed forms, Monte Carlo and a brute-force grid, old and new side by side).
 */

import { NumericalError } from '../errors.ts';

/** Node intervals each arm contributes (HALF on each side of its mode, POINTS_PER_ARM + 1 nodes). */
export const POINTS_PER_ARM = 18;
const HALF = POINTS_PER_ARM / 2;
const ARM_STRIDE = 2 * HALF + 1;
/** Truncate each arm where its log-density has dropped by this much below its maximum (mass beyond ~e^-20). */
const TAIL_DROP = 20;
/** A normal arm's half-width in standard deviations: the log-density drops by TAIL_DROP there. */
const NORMAL_SPAN = Math.sqrt(2 * TAIL_DROP);
/**
 * Largest half-width of a logit-Beta arm (reached only for a or b below ~2e-4, or when a * b underflows): a
 * tail slower than that is cut there and the arm's CDF is normalised over what is kept.
 */
const MAX_SPAN = 1e5;
/** Factor by which a Beta arm's span grows until its log-density has dropped by TAIL_DROP. */
const SPAN_GROWTH = 1.5;
/** Node spacing exponent: distance from the mode grows as (k / HALF)^SPACING_POWER. */
const SPACING_POWER = 2;

// Fractions (k / HALF)^SPACING_POWER, computed once.
const FRACTIONS = new Float64Array(HALF + 1);
for (let k = 0; k <= HALF; k++) FRACTIONS[k] = Math.pow(k / HALF, SPACING_POWER);

/** Preallocated buffers, grown on demand and reused across calls (so a warm call allocates nothing). */
class Workspace {
  readonly arms: number;
  readonly nodeX: Float64Array; // arm j's own sorted nodes at j * ARM_STRIDE
  readonly nodeL: Float64Array; // log-density at the nodes
  readonly nodeL1: Float64Array; // its first derivative
  readonly nodeL2: Float64Array; // its second derivative
  // the CDF on node interval [x_k, x_k+1] is F_k + u (f_k + u (f'_k / 2 + u (c3 + u (c4 + u c5)))), u = x - x_k
  readonly nodeF: Float64Array; // normalised CDF at the nodes
  readonly nodeD: Float64Array; // normalised density f
  readonly nodeD1: Float64Array; // its derivative f'
  readonly nodeC3: Float64Array;
  readonly nodeC4: Float64Array;
  readonly nodeC5: Float64Array;
  readonly nodeCount: Int32Array;
  readonly cursor: Int32Array; // merge cursor, then the arm's current node interval (absolute index) in the sweep
  readonly active: Int32Array; // arms still inside their node range at the current sweep point, in arm order
  readonly startIdx: Int32Array; // merged index of arm j's first node
  readonly endIdx: Int32Array; // merged index of arm j's last node
  readonly grid: Float64Array;
  readonly merge: Float64Array; // second buffer for the pairwise merge
  readonly runEnd: Int32Array; // end of each sorted run during the pairwise merge
  // Taylor coefficients (value, first derivative, half the second) at the current sweep point, per active arm:
  readonly cf0: Float64Array; // of its CDF
  readonly cf1: Float64Array;
  readonly cf2: Float64Array;
  readonly cg1: Float64Array; // of its density: cg0 = cf1, then cg1 = f', cg2 = f'' / 2
  readonly cg2: Float64Array;
  readonly s0: Float64Array; // suffix products of the CDF series
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  readonly spans = new Float64Array(2);

  constructor(arms: number) {
    this.arms = arms;
    const nodes = arms * ARM_STRIDE;
    this.nodeX = new Float64Array(nodes);
    this.nodeL = new Float64Array(nodes);
    this.nodeL1 = new Float64Array(nodes);
    this.nodeL2 = new Float64Array(nodes);
    this.nodeF = new Float64Array(nodes);
    this.nodeD = new Float64Array(nodes);
    this.nodeD1 = new Float64Array(nodes);
    this.nodeC3 = new Float64Array(nodes);
    this.nodeC4 = new Float64Array(nodes);
    this.nodeC5 = new Float64Array(nodes);
    this.nodeCount = new Int32Array(arms);
    this.cursor = new Int32Array(arms);
    this.active = new Int32Array(arms);
    this.startIdx = new Int32Array(arms);
    this.endIdx = new Int32Array(arms);
    this.grid = new Float64Array(nodes);
    this.merge = new Float64Array(nodes);
    this.runEnd = new Int32Array(arms);
    this.cf0 = new Float64Array(arms);
    this.cf1 = new Float64Array(arms);
    this.cf2 = new Float64Array(arms);
    this.cg1 = new Float64Array(arms);
    this.cg2 = new Float64Array(arms);
    this.s0 = new Float64Array(arms + 1);
    this.s1 = new Float64Array(arms + 1);
    this.s2 = new Float64Array(arms + 1);
  }
}

let workspace = new Workspace(8);

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
 * From the log-density and its two derivatives at arm j's nodes: the normalised density f and its derivative
 * at the nodes, the CDF at the nodes (node-interval masses by the two-point quintic Hermite rule), and the
 * quintic interpolant's coefficients per node interval.
 */
function nodeCdf(ws: Workspace, j: number): void {
  const { nodeX, nodeL, nodeL1, nodeL2, nodeF, nodeD, nodeD1, nodeC3, nodeC4, nodeC5 } = ws;
  const base = j * ARM_STRIDE;
  const end = base + ws.nodeCount[j]!;
  let maxLog = -Infinity;
  for (let k = base; k < end; k++) if (nodeL[k]! > maxLog) maxLog = nodeL[k]!;
  let f0 = Math.exp(nodeL[base]! - maxLog);
  let l1 = nodeL1[base]!;
  let g0 = f0 * l1;
  let q0 = f0 * (l1 * l1 + nodeL2[base]!);
  nodeD[base] = f0;
  nodeD1[base] = g0;
  nodeF[base] = 0;
  let total = 0;
  for (let k = base + 1; k < end; k++) {
    const f1 = Math.exp(nodeL[k]! - maxLog);
    l1 = nodeL1[k]!;
    const g1 = f1 * l1;
    const q1 = f1 * (l1 * l1 + nodeL2[k]!);
    const h = nodeX[k]! - nodeX[k - 1]!;
    const trap = 0.5 * h * (f0 + f1);
    let mk = trap + h * h * (0.1 * (g0 - g1) + (h / 120) * (q0 + q1));
    if (!(mk >= 0)) mk = trap >= 0 ? trap : 0;
    total += mk;
    nodeF[k] = total;
    nodeD[k] = f1;
    nodeD1[k] = g1;
    f0 = f1;
    g0 = g1;
    q0 = q1;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    // all mass at one point at floating-point resolution: a uniform CDF over the arm's (tiny) range
    const span = nodeX[end - 1]! - nodeX[base]!;
    for (let k = base; k < end; k++) {
      nodeF[k] = span > 0 ? (nodeX[k]! - nodeX[base]!) / span : k === end - 1 ? 1 : 0;
      nodeD[k] = span > 0 ? 1 / span : 0;
      nodeD1[k] = 0;
    }
  } else {
    const inv = 1 / total;
    for (let k = base; k < end; k++) {
      nodeF[k] = nodeF[k]! * inv;
      nodeD[k] = nodeD[k]! * inv;
      nodeD1[k] = nodeD1[k]! * inv;
    }
    nodeF[end - 1] = 1;
  }
  // quintic Hermite: F(u) = F0 + f0 u + p0/2 u^2 + c3 u^3 + c4 u^4 + c5 u^5 with F(h) = F1, F'(h) = f1, F''(h) = p1
  for (let k = base; k < end - 1; k++) {
    const invH = 1 / (nodeX[k + 1]! - nodeX[k]!);
    const F0 = nodeF[k]!;
    const d0 = nodeD[k]!;
    const p0 = nodeD1[k]!;
    const h = nodeX[k + 1]! - nodeX[k]!;
    const A = (nodeF[k + 1]! - F0 - h * (d0 + 0.5 * h * p0)) * invH * invH * invH;
    const B = (nodeD[k + 1]! - d0 - h * p0) * invH * invH;
    const C = (nodeD1[k + 1]! - p0) * invH;
    nodeC3[k] = 10 * A - 4 * B + 0.5 * C;
    nodeC4[k] = (7 * B - 15 * A - C) * invH;
    nodeC5[k] = (6 * A - 3 * B + 0.5 * C) * invH * invH;
  }
}

/**
 * Merge the arms' sorted node lists into ws.grid (duplicates dropped) and record each arm's first and last
 * merged index. Pairwise rounds (O(total log n)), then one pass dropping duplicates, then a binary search per
 * arm end.
 */
function mergeGrids(ws: Workspace, n: number): number {
  const { nodeX, nodeCount, startIdx, endIdx, runEnd } = ws;
  let src = ws.merge;
  let dst = ws.grid;
  // copy the runs contiguously
  let m = 0;
  for (let j = 0; j < n; j++) {
    const base = j * ARM_STRIDE;
    const c = nodeCount[j]!;
    for (let k = 0; k < c; k++) src[m + k] = nodeX[base + k]!;
    m += c;
    runEnd[j] = m;
  }
  let runs = n;
  while (runs > 1) {
    let w = 0;
    let start = 0;
    let r = 0;
    for (; r + 1 < runs; r += 2) {
      const mid = runEnd[r]!;
      const stop = runEnd[r + 1]!;
      let i = start;
      let k = mid;
      let o = start;
      while (i < mid && k < stop) {
        const a = src[i]!;
        const b = src[k]!;
        if (a <= b) {
          dst[o++] = a;
          i++;
        } else {
          dst[o++] = b;
          k++;
        }
      }
      while (i < mid) dst[o++] = src[i++]!;
      while (k < stop) dst[o++] = src[k++]!;
      runEnd[w++] = stop;
      start = stop;
    }
    if (r < runs) {
      const stop = runEnd[r]!;
      for (let i = start; i < stop; i++) dst[i] = src[i]!;
      runEnd[w++] = stop;
    }
    runs = w;
    const t = src;
    src = dst;
    dst = t;
  }
  // src holds the sorted values; drop duplicates into ws.grid (src may be ws.grid itself: in place is fine)
  const grid = ws.grid;
  let g = 0;
  let last = -Infinity;
  for (let i = 0; i < m; i++) {
    const v = src[i]!;
    if (v > last) {
      grid[g++] = v;
      last = v;
    }
  }
  for (let j = 0; j < n; j++) {
    const base = j * ARM_STRIDE;
    startIdx[j] = findIndex(grid, g, nodeX[base]!);
    endIdx[j] = findIndex(grid, g, nodeX[base + nodeCount[j]! - 1]!);
  }
  return g;
}

/** Index of value v in sorted grid[0..m) (it is there). */
function findIndex(grid: Float64Array, m: number, v: number): number {
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (grid[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * P_i = ∫ f_i Π_{j≠i} F_j by the composite two-point Hermite rule on the merged grid: each point adds
 * w0 g + w1 g' + w2 g'' with w0 = (h_k-1 + h_k) / 2, w1 = (h_k^2 - h_k-1^2) / 10, w2 = (h_k^3 + h_k-1^3) / 120.
 * Normalised at the end.
 *
 * Only grid points strictly inside (max_j first node, max_j last node) are visited: below the last arm's first
 * node some F_j is 0, above every arm's last node every f_j is 0, so every g_i is 0 there. At each visited
 * point only the arms that have not yet reached their last node are evaluated and multiplied (an arm past its
 * last node has F = 1 and contributes an exact factor 1). Each active arm's CDF series (F, f, f'/2) and density
 * series (f, f', f''/2) come from its interpolant, with a per-arm node cursor that only moves forward; the
 * series of Π_{j≠i} F_j comes from prefix and suffix products of the CDF series (truncated at second order), so
 * a point costs O(active arms). Everything is inlined into one loop over typed arrays: no call per
 * (point, arm), no heap number.
 */
function sweep(ws: Workspace, n: number, m: number, out: Float64Array): void {
  const { nodeX, nodeF, nodeD, nodeD1, nodeC3, nodeC4, nodeC5, cursor, startIdx, endIdx, grid, active } = ws;
  const { cf0, cf1, cf2, cg1, cg2, s0, s1, s2 } = ws;
  let lo = 0;
  let hi = 0;
  let nextEnd = m;
  for (let j = 0; j < n; j++) {
    out[j] = 0;
    cursor[j] = j * ARM_STRIDE;
    active[j] = j;
    if (startIdx[j]! > lo) lo = startIdx[j]!;
    if (endIdx[j]! > hi) hi = endIdx[j]!;
    if (endIdx[j]! < nextEnd) nextEnd = endIdx[j]!;
  }
  let na = n;
  for (let k = lo + 1; k < hi; k++) {
    if (k >= nextEnd) {
      // drop the arms that reached their last node (order kept)
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
    // evaluate the active arms from the last, forming the suffix products on the way
    let a0 = 1;
    let a1 = 0;
    let a2 = 0;
    s0[na] = 1;
    s1[na] = 0;
    s2[na] = 0;
    for (let p = na - 1; p >= 0; p--) {
      const j = active[p]!;
      let c = cursor[j]!;
      while (nodeX[c + 1]! < x) c++;
      cursor[j] = c;
      const u = x - nodeX[c]!;
      const d0 = nodeD[c]!;
      const p0 = nodeD1[c]!;
      const c3 = nodeC3[c]!;
      const c4 = nodeC4[c]!;
      const c5 = nodeC5[c]!;
      let F = nodeF[c]! + u * (d0 + u * (0.5 * p0 + u * (c3 + u * (c4 + u * c5))));
      let f = d0 + u * (p0 + u * (3 * c3 + u * (4 * c4 + 5 * u * c5)));
      const f1 = p0 + u * (6 * c3 + u * (12 * c4 + 20 * u * c5));
      const f2 = 3 * c3 + u * (12 * c4 + 30 * u * c5); // f'' / 2
      F = F < 0 ? 0 : F > 1 ? 1 : F;
      f = f > 0 ? f : 0;
      cf0[p] = F;
      cf1[p] = f;
      cf2[p] = 0.5 * f1;
      cg1[p] = f1;
      cg2[p] = f2;
      const b0 = a0 * F;
      const b1 = a0 * f + a1 * F;
      a2 = a0 * 0.5 * f1 + a1 * f + a2 * F;
      a0 = b0;
      a1 = b1;
      s0[p] = a0;
      s1[p] = a1;
      s2[p] = a2;
    }
    const h = grid[k + 1]! - x;
    const hp = x - grid[k - 1]!;
    const w0 = 0.5 * (hp + h);
    const w1 = (h * h - hp * hp) / 10;
    const w2 = (h * h * h + hp * hp * hp) / 60; // times g'' = 2 (g'' / 2)
    let r0 = 1;
    let r1 = 0;
    let r2 = 0;
    for (let p = 0; p < na; p++) {
      // Q = prefix (r) x suffix after p; g = density series x Q
      const t0 = s0[p + 1]!;
      const t1 = s1[p + 1]!;
      const t2 = s2[p + 1]!;
      const q0 = r0 * t0;
      const q1 = r0 * t1 + r1 * t0;
      const q2 = r0 * t2 + r1 * t1 + r2 * t0;
      const g0 = cf1[p]!;
      const g1 = cg1[p]!;
      const g2 = cg2[p]!;
      const j = active[p]!;
      out[j] = out[j]! + w0 * g0 * q0 + w1 * (g0 * q1 + g1 * q0) + w2 * (g0 * q2 + g1 * q1 + g2 * q0);
      const F = cf0[p]!;
      const e1 = cf1[p]!;
      const e2 = cf2[p]!;
      const n2 = r0 * e2 + r1 * e1 + r2 * F;
      r1 = r0 * e1 + r1 * F;
      r0 *= F;
      r2 = n2;
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
 * Distances from the mode of logit(Beta(a, b)) to where its log-density has dropped by TAIL_DROP, on the left
 * (ws.spans[0]) and right (ws.spans[1]). Starts from the normal approximation at the mode (curvature
 * -ab / (a + b)) and widens by SPAN_GROWTH until the drop is reached: the log-density is concave, so a side
 * whose tail is exponential (rate a on the left, b on the right, slow when a or b < 1) gets a long span while
 * the other side keeps a short one.
 */
function betaSpans(ws: Workspace, a: number, b: number): void {
  const ab = a + b;
  const mode = Math.log(a) - Math.log(b);
  const tm = Math.exp(-Math.abs(mode));
  const top = a * mode - ab * ((mode > 0 ? mode : 0) + Math.log1p(tm));
  const g = Math.sqrt((2 * TAIL_DROP * ab) / (a * b));
  const guess = g < MAX_SPAN ? g : MAX_SPAN; // a * b can underflow (a pooled posterior with b ~ 1e-300)
  for (let side = 0; side < 2; side++) {
    let d = guess;
    let dPrev = 0;
    let dropPrev = 0;
    for (let it = 0; it < 40; it++) {
      const y = side === 0 ? mode - d : mode + d;
      const t = Math.exp(-Math.abs(y));
      const drop = top - (a * y - ab * ((y > 0 ? y : 0) + Math.log1p(t)));
      if (drop >= TAIL_DROP) {
        // the drop is convex in d: the chord from the last point below puts d where the drop is just under
        // TAIL_DROP (never below the previous point)
        if (it > 0) d = dPrev + ((d - dPrev) * (TAIL_DROP - dropPrev)) / (drop - dropPrev);
        break;
      }
      dPrev = d;
      dropPrev = drop;
      d *= SPAN_GROWTH;
      if (d >= MAX_SPAN) {
        d = MAX_SPAN;
        break;
      }
    }
    ws.spans[side] = d;
  }
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
  const { nodeX, nodeL, nodeL1, nodeL2, nodeCount } = ws;
  for (let j = 0; j < n; j++) {
    const a = alpha[j]!;
    const b = beta[j]!;
    if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
      throw new NumericalError(`probMaxBeta: arm ${j} has invalid Beta(${a}, ${b})`);
    }
    betaSpans(ws, a, b);
    armNodes(ws, j, Math.log(a) - Math.log(b), ws.spans[0]!, ws.spans[1]!);
    const ab = a + b;
    const base = j * ARM_STRIDE;
    const end = base + nodeCount[j]!;
    for (let k = base; k < end; k++) {
      const y = nodeX[k]!;
      const t = Math.exp(-Math.abs(y));
      const softplus = (y > 0 ? y : 0) + Math.log1p(t);
      const inv = 1 / (1 + t);
      const sigmoid = y >= 0 ? inv : t * inv;
      nodeL[k] = a * y - ab * softplus;
      nodeL1[k] = a - ab * sigmoid;
      nodeL2[k] = -ab * t * inv * inv; // σ (1 - σ) = t / (1 + t)^2
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
  const { nodeX, nodeL, nodeL1, nodeL2, nodeCount } = ws;
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
    armNodes(ws, j, mu, NORMAL_SPAN * s, NORMAL_SPAN * s);
    const inv = 1 / s;
    const base = j * ARM_STRIDE;
    const end = base + nodeCount[j]!;
    for (let k = base; k < end; k++) {
      const z = (nodeX[k]! - mu) * inv;
      nodeL[k] = -0.5 * z * z;
      nodeL1[k] = -z * inv;
      nodeL2[k] = -inv * inv;
    }
    nodeCdf(ws, j);
  }
  sweep(ws, n, mergeGrids(ws, n), out);
}
