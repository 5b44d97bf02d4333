/**
 * Encodes a context into a fixed-size feature vector, sparse (for the policies' hot path) or dense (for
 * tests and reports), following an `EncoderSpec`. Zero allocation per call: the spec is compiled at
 * construction into flat typed arrays, and hashing walks strings in place.
 *
 * Layout: slots [0, denseCount) hold the dense features in spec order; slots [denseCount, dimension) are
 * the hashed region, where a categorical value (or cross, or hashed numeric) lands on
 * denseCount + (hash mod hashedSlots) with value +1 / -1 (signed hashing) or +1. Two hashed features that
 * collide in one context are summed into one entry, so indices are unique.
 */
import type { Context, ContextValue } from '../core/context.ts';
import { type EncoderSpec, type FeatureSpec, denseSlots, featureName, hashedEntries, parseEncoderSpec } from './spec.ts';
import { FNV_OFFSET, fmix32, hashSeparator, hashString, hashValue } from './hash.ts';
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

function numberOf(v: ContextValue): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'boolean':
      return v ? 1 : 0;
    case 'string':
      return v.length === 0 ? Number.NaN : Number(v);
    default:
      return Number.NaN;
  }
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
  /** First dense slot of the feature (dense ops) or its hash seed (hashed ops). */
  private readonly slotOrSeed: Float64Array;
  private readonly fields: (readonly string[])[];
  private readonly scale: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly log1p: Uint8Array;
  private readonly signed: boolean;
  /** Position of a slot in the output during one encode, or -1 (for merging hashed collisions). */
  private readonly position: Int32Array;
  private readonly dense: SparseVector;

  constructor(spec: EncoderSpec) {
    this.spec = parseEncoderSpec(spec);
    const features = this.spec.features;
    this.dimension = this.spec.dimension;
    this.signed = this.spec.hashing === 'signed';
    const n = features.length;
    this.ops = new Uint8Array(n);
    this.slotOrSeed = new Float64Array(n);
    this.scale = new Float64Array(n);
    this.lo = new Float64Array(n);
    this.hi = new Float64Array(n);
    this.log1p = new Uint8Array(n);
    this.fields = [];
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
          this.fields.push([f.field]);
          this.scale[i] = f.scale ?? 1;
          this.lo[i] = f.min ?? -Infinity;
          this.hi[i] = f.max ?? Infinity;
          this.log1p[i] = f.transform === 'log1p' ? 1 : 0;
          break;
        case 'cyclic':
          this.ops[i] = Op.Cyclic;
          this.fields.push([f.field]);
          this.scale[i] = f.period;
          break;
        case 'categorical':
          this.ops[i] = Op.Categorical;
          this.fields.push([f.field]);
          break;
        case 'cross':
          this.ops[i] = Op.Cross;
          this.fields.push(f.fields);
          break;
      }
      if (denseSlots(f) > 0) {
        this.slotOrSeed[i] = slot;
        slot += denseSlots(f);
      } else {
        this.slotOrSeed[i] = fmix32(hashString(FNV_OFFSET, featureName(f)));
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
    let nnz = 0;
    const ops = this.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op === Op.Bias) {
        idx[nnz] = this.slotOrSeed[i]!;
        val[nnz++] = 1;
      } else if (op === Op.Numeric || op === Op.HashedNumeric) {
        let x = numberOf(ctx[this.fields[i]![0]!]);
        if (this.log1p[i] === 1) x = x > -1 ? Math.log1p(x) : Number.NaN;
        x *= this.scale[i]!;
        if (!Number.isFinite(x)) x = 0;
        if (x < this.lo[i]!) x = this.lo[i]!;
        else if (x > this.hi[i]!) x = this.hi[i]!;
        if (op === Op.Numeric) {
          idx[nnz] = this.slotOrSeed[i]!;
          val[nnz++] = x;
        } else if (x !== 0) {
          nnz = this.addHashed(this.slotOrSeed[i]!, x, idx, val, nnz);
        }
      } else if (op === Op.Cyclic) {
        const t = numberOf(ctx[this.fields[i]![0]!]);
        const slot = this.slotOrSeed[i]!;
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
        let h = this.slotOrSeed[i]!;
        for (let k = 0; k < fields.length; k++) {
          if (k > 0) h = hashSeparator(h);
          h = hashValue(h, ctx[fields[k]!]);
        }
        nnz = this.addHashed(fmix32(h), 1, idx, val, nnz);
      }
    }
    // reset the collision map for the next call
    for (let k = 0; k < nnz; k++) pos[idx[k]!] = -1;
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
        rows.push({ slot: this.slotOrSeed[i]!, feature: `${name}:sin` }, { slot: this.slotOrSeed[i]! + 1, feature: `${name}:cos` });
      } else if (denseSlots(f) === 1) {
        rows.push({ slot: this.slotOrSeed[i]!, feature: name });
      } else {
        rows.push({ slot: 'hashed', feature: name });
      }
    });
    return rows;
  }

  private addHashed(hash: number, x: number, idx: Int32Array, val: Float64Array, nnz: number): number {
    const h = hash >>> 0;
    const slot = this.denseCount + (h % this.hashedSlots);
    const v = this.signed && (fmix32(h ^ 0x9e3779b9) & 1) === 1 ? -x : x;
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
