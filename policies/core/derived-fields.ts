/**
 * Context fields the policies derive from other fields, so that a feature spec or a Thompson segment can name
 * them like any field of the request:
 *
 * - `issuerRegion`: the card-scheme region of `issuerCountry` (scheme-regions.ts).
 *
 * A context that carries a field of that name itself (a simulator log with its own regions) keeps its value.
 * Pure, allocation-free: `fieldReader(name)` is resolved once, when an encoder or a segment tree is built.
 */
import type { Context, ContextValue } from './context.ts';
import { schemeRegionOf } from './scheme-regions.ts';

export type FieldReader = (ctx: Context) => ContextValue;

/** The derived fields by name (a context's own value of that name wins). */
const DERIVED: ReadonlyMap<string, FieldReader> = new Map([
  ['issuerRegion', (ctx: Context) => ctx['issuerRegion'] ?? schemeRegionOf(ctx['issuerCountry'])],
]);

/** Whether `field` is derived (a categorical value: numeric and cyclic features cannot read it). */
export function isDerivedField(field: string): boolean {
  return DERIVED.has(field);
}

/** The reader of a context field: the field itself, or its derivation for a derived field. */
export function fieldReader(field: string): FieldReader {
  return DERIVED.get(field) ?? ((ctx) => ctx[field]);
}
