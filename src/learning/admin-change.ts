/** A policy change made through the admin API, published on the outcome stream for every replica. */

export interface AdminChange {
  readonly type: 'tune';
  readonly kind: 'route' | 'retry';
  readonly policy: string;
  readonly patch: { readonly [key: string]: unknown };
}

export function parseAdminChange(json: string): AdminChange | null {
  try {
    const v = JSON.parse(json) as Partial<AdminChange> | null;
    if (!v || v.type !== 'tune' || (v.kind !== 'route' && v.kind !== 'retry') || typeof v.policy !== 'string') return null;
    if (typeof v.patch !== 'object' || v.patch === null || Array.isArray(v.patch)) return null;
    return v as AdminChange;
  } catch {
    return null;
  }
}
