/**
 * JSON Schemas of the public contract (TypeBox), from which the handlers' types are derived: request
 * schemas validate at the edge (fastify's ajv), response schemas compile into serializers, and the OpenAPI
 * document is generated from the same objects. Unknown extra request fields are ignored (contract).
 */
import { Type, type Static } from '@sinclair/typebox';
import { CARD_NETWORKS, CARD_TYPES, CHANNELS, type CardNetwork, type CardType, type Channel } from '../../policies/core/context.ts';
import { MAX_CANDIDATES } from '../../policies/core/decision-buffer.ts';

/** ISO 8601 date-time (offset optional; without one it is read as UTC). Parsed by `parseTimestamp`. */
export const ISO_TIMESTAMP = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)?$';

/** A string enum as `enum` (one clear error: "must be one of ..."), typed as its literal union. */
const StringEnum = <T extends string>(values: readonly T[]) => Type.Unsafe<T>(Type.String({ enum: [...values] }));

const Timestamp = (description: string) => Type.String({ pattern: ISO_TIMESTAMP, description });

export const RouteRequest = Type.Object(
  {
    transactionId: Type.String({ minLength: 1, maxLength: 128, description: 'The same id twice within the decision TTL returns the same decision.' }),
    merchantId: Type.String({ minLength: 1, maxLength: 128 }),
    amountMinor: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units of currency.' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, three upper-case letters.' }),
    cardNetwork: StringEnum<CardNetwork>(CARD_NETWORKS),
    cardType: StringEnum<CardType>(CARD_TYPES),
    issuerCountry: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, upper case.' }),
    channel: StringEnum<Channel>(CHANNELS),
    mcc: Type.String({ pattern: '^[0-9]{4}$', description: 'Merchant category code, four digits.' }),
    threeDS: Type.Boolean(),
    candidates: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: MAX_CANDIDATES, uniqueItems: true, description: 'Route ids the payment core may use.' }),
    binPrefix: Type.Optional(Type.String({ pattern: '^([0-9]{6}|[0-9]{8})$', description: '6 or 8 digits.' })),
    occurredAt: Type.Optional(Timestamp('ISO 8601; default: now.')),
  },
  { $id: 'RouteRequest' },
);
export type RouteRequest = Static<typeof RouteRequest>;

export const RankingEntry = Type.Object({ route: Type.String(), probability: Type.Number(), score: Type.Number() });

export const RouteResponse = Type.Object(
  {
    decisionId: Type.String(),
    route: Type.String(),
    propensity: Type.Number({ description: 'Probability with which the policy chose `route` (0 < p <= 1).' }),
    policy: Type.String(),
    ranking: Type.Array(RankingEntry, { description: 'Every candidate, best first; probabilities sum to 1.' }),
  },
  { $id: 'RouteResponse' },
);
export type RouteResponse = Static<typeof RouteResponse>;

export const Outcome = Type.Object(
  {
    decisionId: Type.String({ minLength: 1, maxLength: 256 }),
    approved: Type.Boolean(),
    responseCode: Type.Optional(Type.String({ minLength: 1, maxLength: 8, description: 'ISO 8583 response code, e.g. "00".' })),
    feeMinor: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
    occurredAt: Type.Optional(Timestamp('ISO 8601 time of the authorization result.')),
  },
  { $id: 'Outcome' },
);
export type Outcome = Static<typeof Outcome>;

export const OUTCOMES_MAX_BATCH = 1000;

export const OutcomesRequest = Type.Object(
  { outcomes: Type.Array(Outcome, { minItems: 1, maxItems: OUTCOMES_MAX_BATCH }) },
  { $id: 'OutcomesRequest' },
);
export type OutcomesRequest = Static<typeof OutcomesRequest>;

export const OutcomesAccepted = Type.Object({ accepted: Type.Integer({ description: 'Outcomes accepted (published to the outcome stream, or buffered for it).' }) });

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'ErrorBody', description: 'Every 4xx (and 5xx) answer.' },
);
export type ErrorBody = Static<typeof ErrorBody>;

const Dependency = Type.Object({ ok: Type.Boolean(), state: Type.String(), detail: Type.Optional(Type.String()) });

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('starting')]),
  bus: Dependency,
  store: Dependency,
  policy: Type.Object({
    ok: Type.Boolean(),
    name: Type.String(),
    loaded: Type.Boolean(),
    observations: Type.Integer(),
    appliedSeq: Type.Integer(),
    streamSeq: Type.Integer(),
    detail: Type.Optional(Type.String()),
  }),
  degraded: Type.Array(Type.String(), { description: 'What is degraded, in words; empty when ready.' }),
});
export type Readiness = Static<typeof Readiness>;

const Params = Type.Record(Type.String(), Type.Unknown());

export const PolicyInfo = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('route'), Type.Literal('retry')]),
  active: Type.Boolean(),
  params: Params,
  observations: Type.Integer(),
  version: Type.Optional(Type.String()),
});
export type PolicyInfo = Static<typeof PolicyInfo>;

export const PoliciesResponse = Type.Object({ policies: Type.Array(PolicyInfo) });
export type PoliciesResponse = Static<typeof PoliciesResponse>;

export const PolicyPatch = Type.Object(
  { params: Type.Optional(Params) },
  { additionalProperties: true, description: 'Tunables to change: either {"params": {...}} or the tunables at the top level.' },
);

export const PolicyName = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

export const PolicyState = Type.Object({
  name: Type.String(),
  seq: Type.Integer({ description: 'Outcome stream sequence the state includes.' }),
  snapshot: Type.Unknown(),
});

export const DeadLetters = Type.Object({ deadLetters: Type.Array(Type.Unknown()) });
