/**
 * What a policy sees of a request. Policies are generic over the context: a flat record of named fields.
 * The payment context below (the contract's `/v1/route` body without `candidates`) is the main one; the
 * simulator also feeds other shapes (Open Bandit Dataset rows) through the same interface.
 */

export type ContextValue = string | number | boolean | undefined;

/** A flat, read-only record of context fields. Unknown fields and values never crash a policy. */
export type Context = { readonly [field: string]: ContextValue };

export const CARD_NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'jcb', 'unionpay', 'other'] as const;
export const CARD_TYPES = ['credit', 'debit', 'prepaid'] as const;
export const CHANNELS = ['ecom', 'recurring', 'moto', 'pos'] as const;

export type CardNetwork = (typeof CARD_NETWORKS)[number];
export type CardType = (typeof CARD_TYPES)[number];
export type Channel = (typeof CHANNELS)[number];

/**
 * The contract's route-decision context. `occurredAtMs` is `occurredAt` parsed to epoch milliseconds at
 * the edge (policies have no clock: time of day comes from here).
 */
export interface PaymentContext {
  readonly [field: string]: ContextValue;
  readonly transactionId: string;
  readonly merchantId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly cardNetwork: CardNetwork;
  readonly cardType: CardType;
  readonly issuerCountry: string;
  readonly channel: Channel;
  readonly mcc: string;
  readonly threeDS: boolean;
  readonly binPrefix?: string;
  readonly occurredAtMs: number;
}
