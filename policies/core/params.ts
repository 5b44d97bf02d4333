import { InvalidConfigError } from '../errors.ts';

/** Throw InvalidConfigError naming the first key of `params` not in `known`. */
export function rejectUnknownParams(policy: string, params: { readonly [key: string]: unknown }, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw new InvalidConfigError(`${policy}.${key}`, `unknown parameter; known: ${known.length ? known.join(', ') : '(none)'}`);
    }
  }
}

/** Read a finite number param within [min, max], or the default. Throws naming `${policy}.${key}`. */
export function numberParam(
  policy: string,
  params: { readonly [key: string]: unknown },
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = params[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidConfigError(`${policy}.${key}`, `must be a finite number, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new InvalidConfigError(`${policy}.${key}`, `must be in [${min}, ${max}], got ${v}`);
  return v;
}

/** Read a string-array param (non-empty strings), or the default. */
export function stringArrayParam(
  policy: string,
  params: { readonly [key: string]: unknown },
  key: string,
  fallback: readonly string[],
): readonly string[] {
  const v = params[key];
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidConfigError(`${policy}.${key}`, 'must be an array of non-empty strings');
  }
  return v as string[];
}
