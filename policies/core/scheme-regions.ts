/**
 * Card-scheme regions of issuer countries: ISO 3166-1 alpha-2 code -> the region the card schemes use for
 * their interregional rules and fees (the six regions of Visa: Asia Pacific, Canada, Central and Eastern
 * Europe / Middle East / Africa, Europe, Latin America and the Caribbean, United States; Mastercard's differ
 * mainly in where a few countries sit). Whether the acquirer is in the issuer's region (domestic or
 * intra-regional acquiring) is the largest single driver of an acquirer's approval rate, and a region pools
 * the evidence of many countries, so the route policies can learn it from a region's traffic instead of each
 * country's (docs/policies-linear.md, "Issuer region").
 *
 * Data, not logic, and an approximation kept simple on purpose: every ISO 3166-1 alpha-2 code but Antarctica
 * (AQ), plus XK (Kosovo); overseas territories sit with the region around them, the EU's outermost regions
 * with Europe. Unknown codes map to `OTHER_REGION`; a context that carries its own `issuerRegion` field keeps
 * it (derived-fields.ts).
 */

export const SCHEME_REGIONS = ['AP', 'CA', 'CEMEA', 'EUROPE', 'LAC', 'US'] as const;
export type SchemeRegion = (typeof SCHEME_REGIONS)[number];
export const OTHER_REGION = 'OTHER';

const MEMBERS: Readonly<Record<SchemeRegion, string>> = {
  // Asia Pacific
  AP:
    'AS AU BD BN BT CC CK CN CX FJ FM HK HM ID IN IO JP KH KI KP KR LA LK MH MM MN MO MV MY NC NF NP NR NU NZ PF ' +
    'PG PH PN PW SB SG TH TK TL TO TV TW VN VU WF WS',
  CA: 'CA',
  // Central and Eastern Europe (outside the EEA), Middle East, Africa, Central and South Asia
  CEMEA:
    'AE AF AL AM AO AZ BA BF BH BI BJ BW BY CD CF CG CI CM CV DJ DZ EG EH ER ET GA GE GH GM GN GQ GW IQ IR JO ' +
    'KE KG KM KW KZ LB LR LS LY MA MD ME MG MK ML MR MU MW MZ NA NE NG OM PK PS QA RS RU RW SA SC SD SH SL SN SO ' +
    'SS ST SY SZ TD TG TJ TM TN TZ UA UG UZ XK YE YT ZA ZM ZW',
  // the EEA, the United Kingdom and the other countries of Visa's Europe region, with the EU's outermost regions
  EUROPE:
    'AD AT AX BE BG BV CH CY CZ DE DK EE ES FI FO FR GB GF GG GI GL GP GR HR HU IE IL IM IS IT JE LI LT LU LV MC ' +
    'MF MQ MT NL NO PL PT RE RO SE SI SJ SK SM TF TR VA',
  // Latin America and the Caribbean
  LAC:
    'AG AI AR AW BB BL BM BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GS GT GY HN HT JM KN KY LC MS MX NI PA PE ' +
    'PM PR PY SR SV SX TC TT UY VC VE VG VI',
  US: 'GU MP UM US',
};

const REGION_OF: ReadonlyMap<string, SchemeRegion> = (() => {
  const m = new Map<string, SchemeRegion>();
  for (const region of SCHEME_REGIONS) {
    for (const code of MEMBERS[region].split(' ')) {
      if (m.has(code)) throw new Error(`scheme-regions: ${code} is listed in ${m.get(code)} and ${region}`);
      m.set(code, region);
    }
  }
  return m;
})();

/** The scheme region of an issuer country (ISO 3166-1 alpha-2, upper case), or OTHER_REGION. */
export function schemeRegionOf(country: unknown): string {
  return typeof country === 'string' ? (REGION_OF.get(country) ?? OTHER_REGION) : OTHER_REGION;
}

/** Every country code the table knows (for tests and documentation). */
export function knownCountries(): readonly string[] {
  return [...REGION_OF.keys()];
}
