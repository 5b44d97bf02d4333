/**
 * The traffic mix: draws one payment context from the catalog's distributions (merchant, issuer country
 * with a home-region bias, network and card type by issuer region, log-normal ticket size per merchant,
 * channel per merchant, 3-D Secure by issuer region for e-commerce, a BIN prefix matching the network).
 */
import { CARD_NETWORKS, CARD_TYPES, CHANNELS } from '../../policies/core/context.ts';
import type { PaymentContext } from '../../policies/core/context.ts';
import type { Rng } from '../../policies/core/rng.ts';
import { CARD_TYPE_MIX, COUNTRIES, CURRENCIES, HOME_REGION_SHARE, MERCHANTS, NETWORK_MIX, REGIONS, THREEDS_SHARE } from './catalog.ts';
import type { CountrySpec, MerchantSpec, Region } from './catalog.ts';

/** Cumulative distribution for sampling by one uniform. */
class Categorical<T> {
  private readonly cdf: Float64Array;
  constructor(readonly items: readonly T[], weights: readonly number[]) {
    this.cdf = new Float64Array(items.length);
    let acc = 0;
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => (this.cdf[i] = acc += w / total));
  }
  sample(u: number): T {
    for (let i = 0; i < this.cdf.length - 1; i++) if (u < this.cdf[i]!) return this.items[i]!;
    return this.items[this.items.length - 1]!;
  }
}

const merchants = new Categorical(MERCHANTS, MERCHANTS.map((m) => m.weight));
const allCountries = new Categorical(COUNTRIES, COUNTRIES.map((c) => c.weight));
const countriesByRegion = new Map<Region, Categorical<CountrySpec>>(
  REGIONS.map((r) => {
    const cs = COUNTRIES.filter((c) => c.region === r);
    return [r, new Categorical(cs, cs.map((c) => c.weight))] as const;
  }),
);
const networksByRegion = new Map(REGIONS.map((r) => [r, new Categorical(CARD_NETWORKS, NETWORK_MIX[r])] as const));
const typesByRegion = new Map(REGIONS.map((r) => [r, new Categorical(CARD_TYPES, CARD_TYPE_MIX[r])] as const));
const channelsByMerchant = new Map(MERCHANTS.map((m) => [m.id, new Categorical(CHANNELS, m.channels)] as const));
const exponentOf = new Map(CURRENCIES.map((c) => [c.code, c.exponent] as const));
const BIN_START: Readonly<Record<string, string>> = {
  visa: '4', mastercard: '5', amex: '37', discover: '6011', jcb: '35', unionpay: '62', other: '9',
};

export interface DrawnPayment {
  readonly merchant: MerchantSpec;
  readonly context: PaymentContext;
}

/** Draw the context of transaction `t` (its id is `tx-<t>`, its time `occurredAtMs`). */
export function drawPayment(t: number, occurredAtMs: number, rng: Rng): DrawnPayment {
  const merchant = merchants.sample(rng.next());
  const country = rng.next() < HOME_REGION_SHARE ? countriesByRegion.get(merchant.region)!.sample(rng.next()) : allCountries.sample(rng.next());
  const cardNetwork = networksByRegion.get(country.region)!.sample(rng.next());
  const cardType = typesByRegion.get(country.region)!.sample(rng.next());
  const channel = channelsByMerchant.get(merchant.id)!.sample(rng.next());
  const threeDS = channel === 'ecom' && rng.next() < THREEDS_SHARE[country.region];
  const exponent = exponentOf.get(merchant.currency) ?? 2;
  const major = merchant.medianAmount * Math.exp(merchant.amountSigma * rng.normal());
  const amountMinor = Math.max(1, Math.round(major * 10 ** exponent));
  const start = BIN_START[cardNetwork] ?? '9';
  const rest = 6 - start.length;
  const binPrefix = start + String(rng.int(10 ** rest)).padStart(rest, '0');
  const context: PaymentContext = {
    transactionId: `tx-${t}`,
    merchantId: merchant.id,
    amountMinor,
    currency: merchant.currency,
    cardNetwork,
    cardType,
    issuerCountry: country.code,
    channel,
    mcc: merchant.mcc,
    threeDS,
    binPrefix,
    occurredAtMs,
  };
  return { merchant, context };
}
