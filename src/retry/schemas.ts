/**
 * JSON Schemas of `POST /v1/retry` (TypeBox): every field of `/v1/route` plus the retry fields, as in the
 * contract; the optional extra `cardFingerprint` (per-card attempt counting). The response has exactly the
 * contract's fields, plus the extras `requires3DS` / `requiresCardUpdate` when a retry needs them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ISO_TIMESTAMP, RouteRequest } from '../http/schemas.ts';

export const RetryRequest = Type.Object(
  {
    ...RouteRequest.properties,
    attempt: Type.Integer({ minimum: 1, maximum: 1000, description: 'Authorization attempts made so far for this payment.' }),
    declineCode: Type.String({ pattern: '^[0-9A-Z]{2}$', description: 'The last ISO 8583 response code, two characters (05, 51, 91, 1A...).' }),
    merchantAdviceCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: 'Mastercard merchant advice code (01, 02, 03, 21, 24..30).' })),
    previousRoute: Type.String({ minLength: 1, maxLength: 128, description: 'The route that declined.' }),
    firstAttemptAt: Type.Optional(Type.String({ pattern: ISO_TIMESTAMP, description: 'ISO 8601 time of the first attempt.' })),
    cardFingerprint: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Extra: a stable non-reversible card id (network token, PAN hash); attempt caps are then counted per card and merchant.' }),
    ),
  },
  { $id: 'RetryRequest' },
);
export type RetryRequest = Static<typeof RetryRequest>;

export const RetryResponse = Type.Object(
  {
    decisionId: Type.String(),
    action: Type.Union([Type.Literal('retry'), Type.Literal('stop')]),
    delaySeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'Absent on stop.' })),
    route: Type.Optional(Type.String({ description: 'Absent on stop.' })),
    propensity: Type.Number({ description: 'Probability with which the policy chose this action (1 for a rule stop).' }),
    policy: Type.String(),
    reason: Type.String({ description: 'Why; on a stop forced by a network rule, the rule name.' }),
    requires3DS: Type.Optional(Type.Boolean({ description: 'Extra: retry only as a 3-D Secure authenticated authorization.' })),
    requiresCardUpdate: Type.Optional(Type.Boolean({ description: 'Extra: retry only with updated card data.' })),
  },
  { $id: 'RetryResponse' },
);
