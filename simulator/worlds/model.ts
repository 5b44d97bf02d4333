/**
 * The ground-truth approval model: a logistic model over the payment's features, compiled from the catalog
 * into typed tables so that evaluating one (context, route) pair costs a few array reads and one `exp`.
 *
 *   P(approved | context, route, t) = issuerApproval(context) x routePassThrough(context, route, t)
 *
 * - issuerApproval: the issuer's own decision (funds, card status, risk), the same whichever route carries
 *   the payment; its declines are codes 51/05/54/14/61/62 and no router can avoid them.
 * - routePassThrough: sigmoid(base + domestic/cross-border + network + card type + amount slope + MCC risk +
 *   channel + 3DS / missing-SCA term + scenario adjustment) for the acquirer; its declines are the ones
 *   routing can avoid (technical 91/96, risk 05/59, SCA soft decline 65).
 */
import { CARD_NETWORKS, CARD_TYPES, CHANNELS } from '../../policies/core/context.ts';
import type { Context } from '../../policies/core/context.ts';
import { ACQUIRERS, COUNTRIES, CURRENCIES, ISSUER, MCC_RISK, MERCHANTS, OTHER_REGION, REGIONS, RISK_CLASSES } from './catalog.ts';
import type { AcquirerSpec } from './catalog.ts';

const NR = REGIONS.length + 1; // + other
const NN = CARD_NETWORKS.length;
const NT = CARD_TYPES.length;
const NK = RISK_CLASSES.length;
const NC = CHANNELS.length;

/** Parsed features of one context (reused object; see `extractFeatures`). */
export interface Features {
  /** Region index of the issuer (REGIONS order), OTHER_REGION when unknown. */
  region: number;
  network: number;
  cardType: number;
  risk: number;
  channel: number;
  threeDS: boolean;
  /** EU issuer, e-commerce, not authenticated: subject to SCA soft declines. */
  scaCase: boolean;
  /** Issuer country differs from the merchant's country. */
  crossBorderMerchant: boolean;
  /** Amount in EUR (reporting currency). */
  amountEur: number;
  /** ln(amountEur / 50), clamped to [-4, 4]. */
  lnAmount: number;
  /** Issuer country effect (logit). */
  countryEffect: number;
  /** Conversion of this context's currency: EUR per minor unit. */
  eurPerMinor: number;
}

export function emptyFeatures(): Features {
  return {
    region: OTHER_REGION, network: NN - 1, cardType: 0, risk: 1, channel: 0, threeDS: false, scaCase: false,
    crossBorderMerchant: false, amountEur: 0, lnAmount: 0, countryEffect: 0, eurPerMinor: 0.01,
  };
}

const countryIndex = new Map(COUNTRIES.map((c) => [c.code, c] as const));
const currencyIndex = new Map(CURRENCIES.map((c) => [c.code, c] as const));
const merchantCountry = new Map(MERCHANTS.map((m) => [m.id, m.country] as const));
const indexOf = <T extends string>(list: readonly T[], v: unknown, fallback: number): number => {
  const i = list.indexOf(v as T);
  return i < 0 ? fallback : i;
};

/** EUR per minor unit of `currency` (unknown currencies: exponent 2, parity with EUR). */
export function eurPerMinor(currency: string): number {
  const c = currencyIndex.get(currency);
  return c ? c.eurPerUnit / 10 ** c.exponent : 0.01;
}

/**
 * Parse a context into `out`. Works for any context (fields outside the world's catalog fall back to
 * neutral values: unknown country = no domestic bonus, unknown MCC = medium risk, unknown network = other).
 */
export function extractFeatures(ctx: Context, out: Features): Features {
  const country = countryIndex.get(String(ctx['issuerCountry']));
  out.region = country ? REGIONS.indexOf(country.region) : OTHER_REGION;
  out.countryEffect = country ? country.issuerEffect : 0;
  out.network = indexOf(CARD_NETWORKS, ctx['cardNetwork'], NN - 1);
  out.cardType = indexOf(CARD_TYPES, ctx['cardType'], 0);
  out.channel = indexOf(CHANNELS, ctx['channel'], 0);
  out.risk = RISK_CLASSES.indexOf(MCC_RISK.get(String(ctx['mcc'])) ?? 'medium');
  out.threeDS = ctx['threeDS'] === true;
  out.scaCase = out.region === 0 && out.channel === 0 && !out.threeDS;
  const mc = merchantCountry.get(String(ctx['merchantId']));
  out.crossBorderMerchant = mc !== undefined && country !== undefined && mc !== country.code;
  out.eurPerMinor = eurPerMinor(String(ctx['currency']));
  const amountMinor = typeof ctx['amountMinor'] === 'number' && ctx['amountMinor'] > 0 ? ctx['amountMinor'] : 0;
  out.amountEur = amountMinor * out.eurPerMinor;
  out.lnAmount = Math.max(-4, Math.min(4, Math.log(Math.max(out.amountEur, 0.01) / 50)));
  return out;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Issuer-side (route-independent) approval probability. */
export function issuerApproval(f: Features): number {
  const x =
    ISSUER.base +
    f.countryEffect +
    ISSUER.cardType[CARD_TYPES[f.cardType]!] +
    (f.lnAmount > 0 ? ISSUER.amountSlope * f.lnAmount : 0) +
    ISSUER.risk[RISK_CLASSES[f.risk]!] +
    ISSUER.channel[CHANNELS[f.channel]!] +
    (f.crossBorderMerchant ? ISSUER.crossBorderMerchant : 0);
  return sigmoid(x);
}

/** Acquirer effects compiled into flat tables (row per acquirer). */
export class RouteTables {
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  readonly specs: readonly AcquirerSpec[];
  private readonly base: Float64Array;
  private readonly regionTerm: Float64Array;
  private readonly networkTerm: Float64Array;
  private readonly typeTerm: Float64Array;
  private readonly slope: Float64Array;
  private readonly riskTerm: Float64Array;
  private readonly channelTerm: Float64Array;
  private readonly tdsTerm: Float64Array;
  private readonly scaTerm: Float64Array;

  constructor(specs: readonly AcquirerSpec[] = ACQUIRERS) {
    const na = specs.length;
    this.specs = specs;
    this.ids = specs.map((s) => s.id);
    this.index = new Map(this.ids.map((id, i) => [id, i] as const));
    this.base = new Float64Array(na);
    this.regionTerm = new Float64Array(na * NR);
    this.networkTerm = new Float64Array(na * NN);
    this.typeTerm = new Float64Array(na * NT);
    this.slope = new Float64Array(na);
    this.riskTerm = new Float64Array(na * NK);
    this.channelTerm = new Float64Array(na * NC);
    this.tdsTerm = new Float64Array(na);
    this.scaTerm = new Float64Array(na);
    specs.forEach((s, a) => {
      this.base[a] = s.base;
      for (let r = 0; r < NR; r++) {
        const home = s.region === null ? -1 : REGIONS.indexOf(s.region);
        this.regionTerm[a * NR + r] = home < 0 ? 0 : r === home ? s.domestic : s.crossBorder;
      }
      CARD_NETWORKS.forEach((n, j) => (this.networkTerm[a * NN + j] = s.network[n] ?? 0));
      CARD_TYPES.forEach((n, j) => (this.typeTerm[a * NT + j] = s.cardType[n] ?? 0));
      this.slope[a] = s.amountSlope;
      RISK_CLASSES.forEach((n, j) => (this.riskTerm[a * NK + j] = s.risk[n]));
      CHANNELS.forEach((n, j) => (this.channelTerm[a * NC + j] = s.channel[n] ?? 0));
      this.tdsTerm[a] = s.threeDS;
      this.scaTerm[a] = s.sca;
    });
  }

  /** Logit of the route pass-through probability of acquirer `a` (before scenario adjustments). */
  logit(a: number, f: Features): number {
    return (
      this.base[a]! +
      this.regionTerm[a * NR + f.region]! +
      this.networkTerm[a * NN + f.network]! +
      this.typeTerm[a * NT + f.cardType]! +
      this.slope[a]! * f.lnAmount +
      this.riskTerm[a * NK + f.risk]! +
      this.channelTerm[a * NC + f.channel]! +
      (f.threeDS ? this.tdsTerm[a]! : f.scaCase ? this.scaTerm[a]! : 0)
    );
  }

  /** Whether acquirer `a` crosses a region border for this issuer (cross-border fee applies). */
  isCrossBorder(a: number, f: Features): boolean {
    const region = this.specs[a]!.region;
    return region !== null && REGIONS.indexOf(region) !== f.region;
  }
}
