/**
 * One CSV record per line (RFC 4180 quoting: fields in double quotes may contain commas and doubled quotes;
 * quoted newlines are not supported: every log format here keeps one record per line). The fast path for
 * unquoted lines is a plain split.
 */

/** Split one CSV line into fields. Throws a RangeError on an unterminated quote. */
export function parseCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (i < n && line.charCodeAt(i) === 34) {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new RangeError('unterminated quoted field');
        value += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i >= n) return fields;
      if (line.charCodeAt(i) !== 44) throw new RangeError(`unexpected character after quoted field at column ${i + 1}`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** Parse a field as a finite number; NaN when empty or not a number. */
export function parseNumber(field: string | undefined): number {
  if (field === undefined) return Number.NaN;
  const t = field.trim();
  if (t === '') return Number.NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : Number.NaN;
}
