/**
 * Encodes a context into a fixed-size feature vector, sparse (for the policies' hot path) or dense (for
 * tests and reports), following an `EncoderSpec`. Zero allocation per call: the spec is compiled at
 * construction into flat typed arrays, and hashing walks strings in place.
 *
 * Layout: slots [0, denseCount) hold the dense features in spec order; slots [denseCount, dimension) are
 * the hashed region, where a categorical value (or cross, or hashed numeric) lands on
 * denseCount + (hash mod hashedSlots) with value +1 / -1 (signed hashing) or +1. Two hashed features that
 * collide in one context are summed into one entry, so indices are unique; they are emitted in ascending
 * order.
 */
import type { Context } from '../core/context.ts';
import { fieldReader, type FieldReader } from '../core/derived-fields.ts';
import { type EncoderSpec, type FeatureSpec, denseSlots, featureName, hashedEntries, parseEncoderSpec } from './spec.ts';
import { Hasher, hashName } from './hash.ts';
import { SparseVector } from './sparse-vector.ts';

const enum Op {
  Bias = 0,
  Numeric = 1,
  Cyclic = 2,
  Categorical = 3,
  Cross = 4,
  HashedNumeric = 5,
}

const TWO_PI = 2 * Math.PI;

/** Writes into out[0] the number a context field reads as (NaN when it is none). */
type NumberReader = (ctx: Context, out: Float64Array) => void;

const noRead: NumberReader = () => {};

/**
 * A reader of one numeric field, compiled once per feature. Why not `ctx[field]` in the shared loop: that keyed
 * read sees every feature's field name, goes megamorphic, and V8's generic keyed load copies a double-valued
 * field (e.g. occurredAtMs ~ 1.76e12, any non-small-integer amount) into a new 16-byte heap number on every
 * call. A function of its own per field has its own inline cache for a named read, which the optimising
 * compiler turns into an unboxed load straight into the Float64Array. The field name is embedded as a JSON
 * string literal, so any name is safe. Each reader's source is unique (a counter in a comment): V8 caches
 * `new Function` by source, and closures from one cache entry share their inline caches, so identical readers
 * of every encoder in the process would see every context shape, go megamorphic and box again. Rules: a
 * number as is, a boolean 1 / 0, a non-empty string parsed with Number(), anything else NaN.
 */
let readerCount = 0;
function numberReader(field: string): NumberReader {
  return new Function(
    'ctx',
    'out',
    `// reader ${++readerCount}
const v = ctx[${JSON.stringify(field)}];
switch (typeof v) {
  case 'number': out[0] = v; return;
  case 'boolean': out[0] = v ? 1 : 0; return;
  case 'string': out[0] = v.length === 0 ? NaN : Number(v); return;
  default: out[0] = NaN;
}`,
  ) as NumberReader;
}


/** One slot of the layout, for descriptions and docs. */
export interface SlotDescription {
  readonly slot: number | 'hashed';
  readonly feature: string;
}

export class FeatureEncoder {
  readonly spec: EncoderSpec;
  readonly dimension: number;
  /** Number of dense slots at the start of the vector. */
  readonly denseCount: number;
  /** Number of hashed slots (dimension - denseCount). */
  readonly hashedSlots: number;
  /** Upper bound on the non-zeros of one encoding (the capacity a SparseVector needs). */
  readonly maxNnz: number;

  private readonly ops: Uint8Array;
  /** First dense slot of the feature (dense ops). */
  private readonly slots: Int32Array;
  /** Hash seed of the feature (hashed ops): the hash of its name. */
  private readonly seeds: Int32Array;
  /** Per categorical or cross feature, the readers of its fields (derived fields included). */
  private readonly fields: (readonly FieldReader[])[];
  /** Per numeric or cyclic feature, its field's reader (numberReader); a no-op for the other features. */
  private readonly readers: NumberReader[];
  private readonly scale: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly log1p: Uint8Array;
  private readonly signed: boolean;
  /** Position of a slot in the output during one encode, or -1 (for merging hashed collisions). */
  private readonly position: Int32Array;
  private readonly dense: SparseVector;
  private readonly hasher = new Hasher();
  /** Scratch for numbers passed between methods (a double returned from a call would be boxed). */
  private readonly num = new Float64Array(1);

  constructor(spec: EncoderSpec) {
    this.spec = parseEncoderSpec(spec);
    const features = this.spec.features;
    this.dimension = this.spec.dimension;
    this.signed = this.spec.hashing === 'signed';
    const n = features.length;
    this.ops = new Uint8Array(n);
    this.slots = new Int32Array(n);
    this.seeds = new Int32Array(n);
    this.scale = new Float64Array(n);
    this.lo = new Float64Array(n);
    this.hi = new Float64Array(n);
    this.log1p = new Uint8Array(n);
    this.fields = [];
    this.readers = [];
    let slot = 0;
    let hashed = 0;
    features.forEach((f: FeatureSpec, i) => {
      this.scale[i] = 1;
      this.lo[i] = -Infinity;
      this.hi[i] = Infinity;
      switch (f.kind) {
        case 'bias':
          this.ops[i] = Op.Bias;
          this.fields.push([]);
          break;
        case 'numeric':
          this.ops[i] = f.placement === 'hashed' ? Op.HashedNumeric : Op.Numeric;
          this.fields.push([]);
          this.scale[i] = f.scale ?? 1;
          this.lo[i] = f.min ?? -Infinity;
          this.hi[i] = f.max ?? Infinity;
          this.log1p[i] = f.transform === 'log1p' ? 1 : 0;
          break;
        case 'cyclic':
          this.ops[i] = Op.Cyclic;
          this.fields.push([]);
          this.scale[i] = f.period;
          break;
        case 'categorical':
          this.ops[i] = Op.Categorical;
          this.fields.push([fieldReader(f.field)]);
          this.scale[i] = f.scale ?? 1;
          break;
        case 'cross':
          this.ops[i] = Op.Cross;
          this.fields.push(f.fields.map(fieldReader));
          this.scale[i] = f.scale ?? 1;
          break;
      }
      this.readers.push(f.kind === 'numeric' || f.kind === 'cyclic' ? numberReader(f.field) : noRead);
      this.seeds[i] = hashName(featureName(f));
      if (denseSlots(f) > 0) {
        this.slots[i] = slot;
        slot += denseSlots(f);
      }
      hashed += hashedEntries(f);
    });
    this.denseCount = slot;
    this.hashedSlots = this.dimension - slot;
    this.maxNnz = slot + hashed;
    this.position = new Int32Array(this.dimension).fill(-1);
    this.dense = new SparseVector(Math.max(1, this.maxNnz));
  }

  /** A SparseVector large enough for this encoder's output. */
  createSparse(): SparseVector {
    return new SparseVector(Math.max(1, this.maxNnz));
  }

  /** Encode `ctx` into `out` (capacity >= maxNnz). Allocates nothing. */
  encode(ctx: Context, out: SparseVector): void {
    const idx = out.indices;
    const val = out.values;
    const pos = this.position;
    const num = this.num;
    const hasher = this.hasher;
    let nnz = 0;
    const ops = this.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op === Op.Bias) {
        idx[nnz] = this.slots[i]!;
        val[nnz++] = 1;
      } else if (op === Op.Numeric || op === Op.HashedNumeric) {
        this.readers[i]!(ctx, num);
        let x = num[0]!;
        if (this.log1p[i] === 1) x = x > -1 ? Math.log1p(x) : Number.NaN;
        x *= this.scale[i]!;
        if (!Number.isFinite(x)) x = 0;
        if (x < this.lo[i]!) x = this.lo[i]!;
        else if (x > this.hi[i]!) x = this.hi[i]!;
        if (op === Op.Numeric) {
          idx[nnz] = this.slots[i]!;
          val[nnz++] = x;
        } else if (x !== 0) {
          hasher.reset(this.seeds[i]!);
          hasher.finish();
          num[0] = x;
          nnz = this.addHashed(idx, val, nnz);
        }
      } else if (op === Op.Cyclic) {
        this.readers[i]!(ctx, num);
        const t = num[0]!;
        const slot = this.slots[i]!;
        let s = 0;
        let c = 0;
        if (Number.isFinite(t)) {
          const period = this.scale[i]!;
          let phase = (t % period) / period;
          if (phase < 0) phase += 1;
          s = Math.sin(TWO_PI * phase);
          c = Math.cos(TWO_PI * phase);
        }
        idx[nnz] = slot;
        val[nnz++] = s;
        idx[nnz] = slot + 1;
        val[nnz++] = c;
      } else {
        const fields = this.fields[i]!;
        hasher.reset(this.seeds[i]!);
        for (let k = 0; k < fields.length; k++) {
          if (k > 0) hasher.separator();
          hasher.value(fields[k]!(ctx));
        }
        hasher.finish();
        num[0] = this.scale[i]!;
        nnz = this.addHashed(idx, val, nnz);
      }
    }
    // reset the collision map for the next call
    for (let k = 0; k < nnz; k++) pos[idx[k]!] = -1;
    // ascending indices (insertion sort: the dense prefix is already in order, ~12 hashed entries follow):
    // the policies' quadratic forms then read only the upper triangle without a data-dependent branch
    for (let k = 1; k < nnz; k++) {
      const ik = idx[k]!;
      if (ik > idx[k - 1]!) continue;
      const vk = val[k]!;
      let j = k - 1;
      while (j >= 0 && idx[j]! > ik) {
        idx[j + 1] = idx[j]!;
        val[j + 1] = val[j]!;
        j--;
      }
      idx[j + 1] = ik;
      val[j + 1] = vk;
    }
    out.nnz = nnz;
  }

  /** Dense encoding into `out` (length >= dimension; zeroed first). */
  encodeDense(ctx: Context, out: Float64Array): Float64Array {
    this.encode(ctx, this.dense);
    return this.dense.toDense(out.length === this.dimension ? out : out.subarray(0, this.dimension));
  }

  /** The slot layout (dense features with their slots; hashed features share the hashed region). */
  describe(): SlotDescription[] {
    const rows: SlotDescription[] = [];
    this.spec.features.forEach((f, i) => {
      const name = featureName(f);
      if (denseSlots(f) === 2) {
        rows.push({ slot: this.slots[i]!, feature: `${name}:sin` }, { slot: this.slots[i]! + 1, feature: `${name}:cos` });
      } else if (denseSlots(f) === 1) {
        rows.push({ slot: this.slots[i]!, feature: name });
      } else {
        rows.push({ slot: 'hashed', feature: name });
      }
    });
    return rows;
  }

  /** Add num[0] (times the sign, when signed) at the finalised hash's bucket, merging a collision. */
  private addHashed(idx: Int32Array, val: Float64Array, nnz: number): number {
    const slot = this.denseCount + this.hasher.bucket(this.hashedSlots);
    const v = this.signed && this.hasher.sign() < 0 ? -this.num[0]! : this.num[0]!;
    const p = this.position[slot]!;
    if (p >= 0) {
      val[p] = val[p]! + v;
      return nnz;
    }
    this.position[slot] = nnz;
    idx[nnz] = slot;
    val[nnz] = v;
    return nnz + 1;
  }
}
