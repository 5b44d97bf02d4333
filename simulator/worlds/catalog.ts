/**
 * The static description of the synthetic payments market: issuer countries and regions, currencies,
 * merchants, merchant category risk classes and the acquirers with their ground-truth approval effects,
 * fee schedules and latencies. Numbers are logit effects on the route's pass-through probability (see
 * `model.ts`); they are invented but shaped after what payment teams report: domestic acquiring approves
 * more and costs less, specialised acquirers do better on their networks, budget acquirers are cheap but
 * weak on prepaid, high amounts and high-risk merchants, and European issuers soft-decline e-commerce
 * without 3-D Secure (PSD2 strong customer authentication).
 */
import type { CardNetwork, CardType, Channel } from '../../policies/core/context.ts';

export const REGIONS = ['EU', 'NA', 'APAC'] as const;
export type Region = (typeof REGIONS)[number];
/** Region index used in tables; 3 = a country outside the world (no domestic bonus anywhere). */
export const OTHER_REGION = 3;

export interface CountrySpec {
  readonly code: string;
  readonly region: Region;
  /** Share of global card traffic issued here. */
  readonly weight: number;
  /** Issuer-side approval effect (logit), route-independent. */
  readonly issuerEffect: number;
}

export const COUNTRIES: readonly CountrySpec[] = [
  { code: 'DE', region: 'EU', weight: 0.1, issuerEffect: 0.2 },
  { code: 'FR', region: 'EU', weight: 0.08, issuerEffect: 0.1 },
  { code: 'GB', region: 'EU', weight: 0.1, issuerEffect: 0.1 },
  { code: 'ES', region: 'EU', weight: 0.05, issuerEffect: -0.1 },
  { code: 'IT', region: 'EU', weight: 0.05, issuerEffect: -0.2 },
  { code: 'NL', region: 'EU', weight: 0.04, issuerEffect: 0.3 },
  { code: 'US', region: 'NA', weight: 0.25, issuerEffect: 0 },
  { code: 'CA', region: 'NA', weight: 0.06, issuerEffect: 0.1 },
  { code: 'MX', region: 'NA', weight: 0.04, issuerEffect: -0.6 },
  { code: 'JP', region: 'APAC', weight: 0.08, issuerEffect: 0.2 },
  { code: 'AU', region: 'APAC', weight: 0.08, issuerEffect: 0.1 },
  { code: 'SG', region: 'APAC', weight: 0.07, issuerEffect: 0.2 },
];

export interface CurrencySpec {
  readonly code: string;
  /** ISO 4217 minor-unit exponent (JPY 0, most others 2). */
  readonly exponent: number;
  /** Fixed conversion to EUR (reporting currency) for one major unit. */
  readonly eurPerUnit: number;
}

export const CURRENCIES: readonly CurrencySpec[] = [
  { code: 'EUR', exponent: 2, eurPerUnit: 1 },
  { code: 'GBP', exponent: 2, eurPerUnit: 1.17 },
  { code: 'USD', exponent: 2, eurPerUnit: 0.92 },
  { code: 'JPY', exponent: 0, eurPerUnit: 0.0062 },
  { code: 'SGD', exponent: 2, eurPerUnit: 0.69 },
  { code: 'AUD', exponent: 2, eurPerUnit: 0.61 },
];

/** Merchant category risk classes (card-scheme "high-risk" MCCs: gambling, digital goods, travel agencies...). */
export const RISK_CLASSES = ['low', 'medium', 'high'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

export const MCC_RISK: ReadonlyMap<string, RiskClass> = new Map<string, RiskClass>([
  ['5411', 'low'], // grocery stores
  ['5732', 'low'], // electronics stores
  ['5651', 'medium'], // family clothing
  ['5734', 'medium'], // computer software stores (SaaS)
  ['4899', 'medium'], // cable and streaming services
  ['7011', 'medium'], // hotels
  ['4722', 'high'], // travel agencies
  ['5816', 'high'], // digital goods: games
  ['7995', 'high'], // betting and gambling
]);

export interface MerchantSpec {
  readonly id: string;
  readonly country: string;
  readonly region: Region;
  readonly currency: string;
  readonly mcc: string;
  /** Share of the world's transactions. */
  readonly weight: number;
  /** Median ticket in major units of `currency`, and the log-normal spread. */
  readonly medianAmount: number;
  readonly amountSigma: number;
  /** Channel mix (weights over CHANNELS order: ecom, recurring, moto, pos). */
  readonly channels: readonly [number, number, number, number];
  /** Acquirers this merchant has contracts with (the candidate pool before network support). */
  readonly acquirers: readonly string[];
}

export const MERCHANTS: readonly MerchantSpec[] = [
  { id: 'm-fashion-de', country: 'DE', region: 'EU', currency: 'EUR', mcc: '5651', weight: 0.14, medianAmount: 60, amountSigma: 0.7, channels: [1, 0, 0, 0], acquirers: ['acq-eu', 'acq-global', 'acq-budget', 'acq-na'] },
  { id: 'm-streaming-nl', country: 'NL', region: 'EU', currency: 'EUR', mcc: '4899', weight: 0.1, medianAmount: 12, amountSigma: 0.3, channels: [0.2, 0.8, 0, 0], acquirers: ['acq-eu', 'acq-global', 'acq-na', 'acq-apac', 'acq-nova'] },
  { id: 'm-travel-gb', country: 'GB', region: 'EU', currency: 'GBP', mcc: '4722', weight: 0.08, medianAmount: 400, amountSigma: 0.8, channels: [0.8, 0, 0.2, 0], acquirers: ['acq-eu', 'acq-global', 'acq-na'] },
  { id: 'm-hotel-fr', country: 'FR', region: 'EU', currency: 'EUR', mcc: '7011', weight: 0.05, medianAmount: 180, amountSigma: 0.6, channels: [0.5, 0, 0.4, 0.1], acquirers: ['acq-eu', 'acq-global', 'acq-budget'] },
  { id: 'm-grocery-us', country: 'US', region: 'NA', currency: 'USD', mcc: '5411', weight: 0.16, medianAmount: 45, amountSigma: 0.6, channels: [0.6, 0, 0, 0.4], acquirers: ['acq-na', 'acq-global', 'acq-budget'] },
  { id: 'm-saas-us', country: 'US', region: 'NA', currency: 'USD', mcc: '5734', weight: 0.12, medianAmount: 30, amountSigma: 0.8, channels: [0.3, 0.7, 0, 0], acquirers: ['acq-na', 'acq-eu', 'acq-global', 'acq-apac', 'acq-nova'] },
  { id: 'm-games-us', country: 'US', region: 'NA', currency: 'USD', mcc: '5816', weight: 0.07, medianAmount: 15, amountSigma: 0.9, channels: [1, 0, 0, 0], acquirers: ['acq-na', 'acq-global', 'acq-budget', 'acq-apac', 'acq-nova'] },
  { id: 'm-electronics-jp', country: 'JP', region: 'APAC', currency: 'JPY', mcc: '5732', weight: 0.12, medianAmount: 15000, amountSigma: 0.8, channels: [0.7, 0, 0, 0.3], acquirers: ['acq-apac', 'acq-global', 'acq-na', 'acq-nova'] },
  { id: 'm-betting-sg', country: 'SG', region: 'APAC', currency: 'SGD', mcc: '7995', weight: 0.06, medianAmount: 50, amountSigma: 1.0, channels: [1, 0, 0, 0], acquirers: ['acq-apac', 'acq-global', 'acq-eu', 'acq-nova'] },
  { id: 'm-marketplace-au', country: 'AU', region: 'APAC', currency: 'AUD', mcc: '5651', weight: 0.1, medianAmount: 70, amountSigma: 0.8, channels: [0.9, 0, 0, 0.1], acquirers: ['acq-apac', 'acq-global', 'acq-budget', 'acq-eu', 'acq-nova'] },
];

export interface FeeSchedule {
  /** Per attempt, approved or not, in EUR cents (converted to the transaction currency). */
  readonly fixedEurCents: number;
  /** Percentage of the amount, charged on approved attempts only. */
  readonly percent: number;
  /** Extra percentage when the issuer is outside the acquirer's region (cross-border assessment). */
  readonly crossBorderPercent: number;
}

export interface AcquirerSpec {
  readonly id: string;
  /** Home region; null for a global acquirer (no domestic bonus, no cross-border surcharge). */
  readonly region: Region | null;
  /** Card networks this acquirer can process. */
  readonly networks: readonly CardNetwork[];
  /** Logit effects on the route's pass-through probability. */
  readonly base: number;
  readonly domestic: number;
  readonly crossBorder: number;
  readonly network: Partial<Record<CardNetwork, number>>;
  readonly cardType: Partial<Record<CardType, number>>;
  /** Per unit of ln(amount in EUR / 50). */
  readonly amountSlope: number;
  readonly risk: Readonly<Record<RiskClass, number>>;
  readonly channel: Partial<Record<Channel, number>>;
  /** When the payment is 3-D Secure authenticated. */
  readonly threeDS: number;
  /** EU-issued e-commerce without 3-D Secure: soft declines for missing SCA (code 65 / 1A). */
  readonly sca: number;
  readonly fee: FeeSchedule;
  readonly latency: { readonly medianMs: number; readonly sigma: number };
  /** Of this route's own declines, the share that are technical (91/96) rather than risk (05/59/65). */
  readonly technicalShare: number;
}

const ALL_NETWORKS: readonly CardNetwork[] = ['visa', 'mastercard', 'amex', 'discover', 'jcb', 'unionpay', 'other'];

export const ACQUIRERS: readonly AcquirerSpec[] = [
  {
    id: 'acq-eu', region: 'EU', networks: ['visa', 'mastercard'],
    base: 2.3, domestic: 1.2, crossBorder: -0.5,
    network: { visa: 0.1, mastercard: 0.15 }, cardType: { debit: 0.2 }, amountSlope: -0.1,
    risk: { low: 0.1, medium: 0, high: -0.5 }, channel: { recurring: 0.1, moto: -0.3 },
    threeDS: 0.5, sca: -0.3,
    fee: { fixedEurCents: 8, percent: 0.2, crossBorderPercent: 0.5 }, latency: { medianMs: 220, sigma: 0.35 }, technicalShare: 0.25,
  },
  {
    id: 'acq-na', region: 'NA', networks: ['visa', 'mastercard', 'amex', 'discover'],
    base: 2.4, domestic: 1.1, crossBorder: -0.45,
    network: { amex: 0.2, discover: 0.3 }, cardType: { debit: -0.2, credit: 0.1 }, amountSlope: -0.1,
    risk: { low: 0.1, medium: 0, high: -0.3 }, channel: { recurring: 0.35, pos: 0.1 },
    threeDS: 0.2, sca: -0.8,
    fee: { fixedEurCents: 9, percent: 0.25, crossBorderPercent: 0.6 }, latency: { medianMs: 260, sigma: 0.35 }, technicalShare: 0.2,
  },
  {
    id: 'acq-apac', region: 'APAC', networks: ['visa', 'mastercard', 'amex', 'jcb', 'unionpay'],
    base: 2.2, domestic: 1.2, crossBorder: -0.5,
    network: { jcb: 0.4, unionpay: 0.5 }, cardType: { prepaid: -0.2 }, amountSlope: -0.15,
    risk: { low: 0.1, medium: 0, high: -0.4 }, channel: { pos: 0.2, recurring: -0.2 },
    threeDS: 0.3, sca: -0.7,
    fee: { fixedEurCents: 10, percent: 0.3, crossBorderPercent: 0.6 }, latency: { medianMs: 300, sigma: 0.4 }, technicalShare: 0.3,
  },
  {
    id: 'acq-global', region: null, networks: ALL_NETWORKS,
    base: 2.5, domestic: 0, crossBorder: 0,
    network: { amex: 0.1 }, cardType: { credit: 0.2, prepaid: -0.2 }, amountSlope: 0.1,
    risk: { low: 0, medium: 0, high: 0.25 }, channel: { moto: 0.3, recurring: -0.1 },
    threeDS: 0.3, sca: -0.5,
    fee: { fixedEurCents: 15, percent: 0.45, crossBorderPercent: 0 }, latency: { medianMs: 350, sigma: 0.45 }, technicalShare: 0.3,
  },
  {
    id: 'acq-budget', region: 'EU', networks: ['visa', 'mastercard'],
    base: 2.45, domestic: 0.3, crossBorder: 0,
    network: { mastercard: -0.2 }, cardType: { prepaid: -0.8, debit: 0.1 }, amountSlope: -0.4,
    risk: { low: 0.2, medium: -0.1, high: -0.9 }, channel: { recurring: -0.3, pos: 0.2 },
    threeDS: 0.2, sca: -0.6,
    fee: { fixedEurCents: 4, percent: 0.1, crossBorderPercent: 0.3 }, latency: { medianMs: 180, sigma: 0.5 }, technicalShare: 0.45,
  },
  {
    // launched mid-stream in the "new-acquirer" scenario only; best for APAC issuers, JCB/UnionPay and debit
    id: 'acq-nova', region: 'APAC', networks: ['visa', 'mastercard', 'jcb', 'unionpay'],
    base: 2.6, domestic: 1.3, crossBorder: -0.1,
    network: { jcb: 0.5, unionpay: 0.6 }, cardType: { debit: 0.4 }, amountSlope: -0.05,
    risk: { low: 0.1, medium: 0.1, high: -0.2 }, channel: { recurring: 0.2 },
    threeDS: 0.4, sca: -0.4,
    fee: { fixedEurCents: 7, percent: 0.18, crossBorderPercent: 0.4 }, latency: { medianMs: 200, sigma: 0.3 }, technicalShare: 0.2,
  },
];

/** Issuer-side approval (route-independent) logit effects. */
export const ISSUER = {
  base: 3.1,
  cardType: { credit: 0.1, debit: -0.2, prepaid: -1.0 } as Readonly<Record<CardType, number>>,
  /** Per unit of ln(amount in EUR / 50), for amounts above 50 EUR only. */
  amountSlope: -0.35,
  risk: { low: 0.2, medium: 0, high: -0.5 } as Readonly<Record<RiskClass, number>>,
  channel: { ecom: 0, recurring: -0.35, moto: -0.3, pos: 0.4 } as Readonly<Record<Channel, number>>,
  /** Issuer country differs from the merchant's country. */
  crossBorderMerchant: -0.3,
} as const;

/** Network mix by issuer region (weights over CARD_NETWORKS order). */
export const NETWORK_MIX: Readonly<Record<Region, readonly number[]>> = {
  //     visa  mc    amex  disc  jcb   upay  other
  EU: [0.52, 0.4, 0.05, 0, 0, 0, 0.03],
  NA: [0.55, 0.28, 0.1, 0.06, 0, 0, 0.01],
  APAC: [0.42, 0.3, 0.06, 0, 0.12, 0.09, 0.01],
};

/** Card-type mix by issuer region (weights over CARD_TYPES order: credit, debit, prepaid). */
export const CARD_TYPE_MIX: Readonly<Record<Region, readonly number[]>> = {
  EU: [0.35, 0.57, 0.08],
  NA: [0.5, 0.42, 0.08],
  APAC: [0.55, 0.37, 0.08],
};

/** Share of e-commerce payments that are 3-D Secure authenticated, by issuer region (PSD2 makes EU high). */
export const THREEDS_SHARE: Readonly<Record<Region, number>> = { EU: 0.85, NA: 0.2, APAC: 0.5 };

/** Probability that a payment's issuer is in the merchant's own region (the rest follows global weights). */
export const HOME_REGION_SHARE = 0.6;
