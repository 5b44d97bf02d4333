import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RecordBytes } from '../../src/decisions/record-bytes.ts';
import { SLAB_BYTES } from '../../src/store/slab-arena.ts';

/** Strings of every UTF-8 width: ASCII, two- and three-byte characters, lone and paired surrogates, long runs. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000, size: 'max' }),
  fc.string({ unit: fc.constantFrom('a', '"', 'é', '€', '\ud800', '\udc00', '\ud83d\ude00', '\u0000'), maxLength: 3000, size: 'max' }),
  fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 1200 }),
  fc.constant(''),
  fc.constant('x'.repeat(SLAB_BYTES)),
);

describe('RecordBytes', () => {
  it('gives exactly the bytes of Buffer.from for any string, each unchanged by the ones written after it', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 120 }), (strings) => {
        const bytes = new RecordBytes();
        const out = strings.map((s) => bytes.of(s));
        strings.forEach((s, i) => expect(Buffer.compare(out[i]!, Buffer.from(s))).toBe(0));
      }),
      { numRuns: 200 },
    );
  });

  it('writes records into shared slabs (many records per slab), a Buffer each', () => {
    const bytes = new RecordBytes();
    const a = bytes.of('{"a":1}');
    const b = bytes.of('{"b":2}');
    expect(Buffer.isBuffer(a)).toBe(true);
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer.byteLength).toBe(SLAB_BYTES);
    expect(b.toString()).toBe('{"b":2}');
  });
});
