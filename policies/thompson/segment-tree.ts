/**
 * Discounted Beta-Bernoulli evidence per (segment, route), organised as a tree over context fields from coarse to
 * fine (e.g. issuerCountry > cardNetwork > cardType). Level 0 is the root (all traffic, per route); level l holds
 * the cells for the first l segment fields. Every update touches one cell per level (O(levels)), plus one
 * route-independent cell at the root (the pooled mean over all routes, which new routes start from).
 *
 * Discounting is lazy: a cell stores its evidence as of its last update tick; its value at tick T is the stored
 * value times gamma^(T - last). The tick is the policy's update count, so forgetting is per outcome, not per
 * wall-clock second: the memory is about 1 / (1 - gamma) outcomes.
 *
 * Lookups use Map.get on the raw context values (no string keys are built on the hot path); unknown values just
 * have no node. Plain-JSON (de)serialisation round-trips every number exactly.
 */

import type { Context, ContextValue } from '../core/context.ts';
import { fieldReader, type FieldReader } from '../core/derived-fields.ts';
import type { Json } from '../core/policy.ts';

/** Discounted evidence: s = Σ w r, f = Σ w (1 - r), both as of tick `last`. */
export class Cell {
  s = 0;
  f = 0;
  last = 0;
}

export class SegmentNode {
  readonly routes = new Map<string, Cell>();
  readonly children = new Map<ContextValue, SegmentNode>();
}

/** A cell's decay factor at `tick`. */
export function decayFactor(cell: Cell, tick: number, gamma: number): number {
  return gamma === 1 || cell.last === tick ? 1 : Math.pow(gamma, tick - cell.last);
}

export class SegmentTree {
  root = new SegmentNode();
  /** Route-independent evidence over all traffic (the top of the pooling hierarchy). */
  all = new Cell();
  /** Number of updates so far (the discounting clock). */
  tick = 0;

  /** The readers of the segment fields (derived fields such as `issuerRegion` included). */
  private readonly readers: readonly FieldReader[];

  constructor(readonly fields: readonly string[]) {
    this.readers = fields.map(fieldReader);
  }

  /** Number of levels: the root plus one per segment field. */
  get levels(): number {
    return this.fields.length + 1;
  }

  /**
   * Nodes on the context's path into out[0..levels): out[0] is the root; out[l] is undefined where that segment
   * has never been seen (then so are all deeper ones).
   */
  path(context: Context, out: (SegmentNode | undefined)[]): void {
    let node: SegmentNode | undefined = this.root;
    out[0] = node;
    for (let l = 0; l < this.fields.length; l++) {
      node = node === undefined ? undefined : node.children.get(this.readers[l]!(context));
      out[l + 1] = node;
    }
  }

  /** Add weight w of reward r for `route` in `context` at every level; advances the clock by one. */
  update(context: Context, route: string, r: number, w: number, gamma: number): void {
    const tick = ++this.tick;
    addTo(this.all, r, w, tick, gamma);
    let node = this.root;
    addTo(cellOf(node, route), r, w, tick, gamma);
    for (let l = 0; l < this.fields.length; l++) {
      const key = this.readers[l]!(context);
      let child = node.children.get(key);
      if (child === undefined) {
        child = new SegmentNode();
        node.children.set(key, child);
      }
      node = child;
      addTo(cellOf(node, route), r, w, tick, gamma);
    }
  }

  /** Number of (segment, route) cells (for metrics and tests). */
  cellCount(): number {
    let count = 0;
    const visit = (node: SegmentNode): void => {
      count += node.routes.size;
      for (const child of node.children.values()) visit(child);
    };
    visit(this.root);
    return count;
  }

  toJson(): Json {
    return { tick: this.tick, all: cellToJson(this.all), root: nodeToJson(this.root) };
  }

  /** Replace the state with a `toJson()` result. Throws Error with a path to the bad part (caller wraps it). */
  loadJson(json: Json): void {
    const obj = asObject(json, 'state');
    const tick = obj['tick'];
    if (typeof tick !== 'number' || !Number.isInteger(tick) || tick < 0) throw new Error('state.tick must be a non-negative integer');
    const all = cellFromJson(obj['all'], 'state.all', tick);
    const root = nodeFromJson(obj['root'], 'state.root', tick, this.fields.length);
    this.tick = tick;
    this.all = all;
    this.root = root;
  }
}

function cellOf(node: SegmentNode, route: string): Cell {
  let cell = node.routes.get(route);
  if (cell === undefined) {
    cell = new Cell();
    node.routes.set(route, cell);
  }
  return cell;
}

function addTo(cell: Cell, r: number, w: number, tick: number, gamma: number): void {
  const d = decayFactor(cell, tick, gamma);
  cell.s = cell.s * d + w * r;
  cell.f = cell.f * d + w * (1 - r);
  cell.last = tick;
}

// ---- JSON encoding ----
// Context values keep their type through a tag: "s:<string>", "n:<number>", "b:true", "b:false", "u" (undefined).

function encodeKey(v: ContextValue): string {
  switch (typeof v) {
    case 'string':
      return `s:${v}`;
    case 'number':
      return `n:${String(v)}`;
    case 'boolean':
      return v ? 'b:true' : 'b:false';
    default:
      return 'u';
  }
}

function decodeKey(k: unknown, where: string): ContextValue {
  if (typeof k !== 'string') throw new Error(`${where}: segment key must be a string`);
  if (k.startsWith('s:')) return k.slice(2);
  if (k.startsWith('n:')) {
    const n = Number(k.slice(2));
    if (Number.isNaN(n) && k.slice(2) !== 'NaN') throw new Error(`${where}: bad number key ${k}`);
    return n;
  }
  if (k === 'b:true') return true;
  if (k === 'b:false') return false;
  if (k === 'u') return undefined;
  throw new Error(`${where}: bad segment key ${JSON.stringify(k)}`);
}

function cellToJson(c: Cell): Json {
  return [c.s, c.f, c.last];
}

function cellFromJson(j: unknown, where: string, tick: number): Cell {
  if (!Array.isArray(j) || j.length !== 3) throw new Error(`${where} must be [s, f, last]`);
  const [s, f, last] = j as unknown[];
  if (typeof s !== 'number' || typeof f !== 'number' || !(s >= 0) || !(f >= 0) || !Number.isFinite(s) || !Number.isFinite(f)) {
    throw new Error(`${where}: s and f must be finite and >= 0`);
  }
  if (typeof last !== 'number' || !Number.isInteger(last) || last < 0 || last > tick) throw new Error(`${where}: last must be an integer in [0, tick]`);
  const c = new Cell();
  c.s = s;
  c.f = f;
  c.last = last;
  return c;
}

function nodeToJson(node: SegmentNode): Json {
  const routes: Json[] = [];
  for (const [route, c] of node.routes) routes.push([route, c.s, c.f, c.last]);
  const children: Json[] = [];
  for (const [key, child] of node.children) children.push([encodeKey(key), nodeToJson(child)]);
  return { routes, children };
}

function nodeFromJson(j: unknown, where: string, tick: number, depthLeft: number): SegmentNode {
  const obj = asObject(j, where);
  const node = new SegmentNode();
  const routes = obj['routes'];
  const children = obj['children'];
  if (!Array.isArray(routes)) throw new Error(`${where}.routes must be an array`);
  if (!Array.isArray(children)) throw new Error(`${where}.children must be an array`);
  routes.forEach((r: unknown, i) => {
    if (!Array.isArray(r) || r.length !== 4 || typeof r[0] !== 'string') throw new Error(`${where}.routes[${i}] must be [route, s, f, last]`);
    if (node.routes.has(r[0])) throw new Error(`${where}.routes[${i}]: duplicate route ${r[0]}`);
    node.routes.set(r[0], cellFromJson(r.slice(1), `${where}.routes[${i}]`, tick));
  });
  if (depthLeft === 0 && children.length > 0) throw new Error(`${where}: deeper than the configured segments`);
  children.forEach((c: unknown, i) => {
    if (!Array.isArray(c) || c.length !== 2) throw new Error(`${where}.children[${i}] must be [key, node]`);
    const key = decodeKey(c[0], `${where}.children[${i}]`);
    if (node.children.has(key)) throw new Error(`${where}.children[${i}]: duplicate key`);
    node.children.set(key, nodeFromJson(c[1], `${where}.children[${i}]`, tick, depthLeft - 1));
  });
  return node;
}

function asObject(j: unknown, where: string): { readonly [key: string]: unknown } {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error(`${where} must be an object`);
  return j as { readonly [key: string]: unknown };
}
