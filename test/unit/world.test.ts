import { describe, expect, it } from 'vitest';
import { Rng } from '../../policies/core/rng.ts';
import { CARD_NETWORKS, CARD_TYPES, CHANNELS } from '../../policies/core/context.ts';
import { InvalidCandidatesError, InvalidConfigError } from '../../policies/errors.ts';
import { createWorld, isIssuerSideCode, SCENARIO_NAMES } from '../../simulator/worlds/index.ts';
import type { Transaction, World } from '../../simulator/worlds/index.ts';

function stream(world: World, seed: number, n: number, from = 0): Transaction[] {
  const rng = new Rng(seed);
  const out: Transaction[] = [];
  for (let t = from; t < from + n; t++) {
    rng.reseed(seed, `ctx:${t}`);
    out.push(world.transactionAt(t, rng));
  }
  return out;
}

describe('world: traffic', () => {
  it('produces contexts with every contract field, valid values and non-empty unique candidates', () => {
    const world = createWorld('stable', { horizon: 1000 });
    for (const { t, context: c, candidates } of stream(world, 3, 1000)) {
      expect(c.transactionId).toBe(`tx-${t}`);
      expect(c.merchantId.length).toBeGreaterThan(0);
      expect(Number.isInteger(c.amountMinor) && c.amountMinor >= 1).toBe(true);
      expect(c.currency).toMatch(/^[A-Z]{3}$/);
      expect(CARD_NETWORKS).toContain(c.cardNetwork);
      expect(CARD_TYPES).toContain(c.cardType);
      expect(c.issuerCountry).toMatch(/^[A-Z]{2}$/);
      expect(CHANNELS).toContain(c.channel);
      expect(c.mcc).toMatch(/^\d{4}$/);
      expect(typeof c.threeDS).toBe('boolean');
      expect(c.binPrefix).toMatch(/^\d{6}$/);
      expect(world.timeOf(c)).toBe(t);
      expect(candidates.length).toBeGreaterThan(0);
      expect(new Set(candidates).size).toBe(candidates.length);
      for (const r of candidates) expect(world.routes).toContain(r);
    }
  });

  it('same seed gives the same stream; another seed another one', () => {
    const a = stream(createWorld('outage'), 11, 300);
    const b = stream(createWorld('outage'), 11, 300);
    const c = stream(createWorld('outage'), 12, 300);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('candidate sets vary: amex and jcb are not carried by every acquirer', () => {
    const world = createWorld('stable', { horizon: 5000 });
    const txs = stream(world, 5, 5000);
    const amex = txs.filter((x) => x.context.cardNetwork === 'amex');
    expect(amex.length).toBeGreaterThan(50);
    for (const x of amex) expect(x.candidates).not.toContain('acq-eu');
    expect(new Set(txs.map((x) => x.candidates.join(','))).size).toBeGreaterThan(5);
  });

  it('nextTransaction walks the same stream as transactionAt', () => {
    const world = createWorld('stable');
    const rng = new Rng(1);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(world.nextTransaction(rng).context.transactionId);
    expect(ids).toEqual(['tx-0', 'tx-1', 'tx-2', 'tx-3', 'tx-4']);
    world.reset(10);
    expect(world.nextTransaction(rng).t).toBe(10);
  });
});

describe('world: ground truth', () => {
  it('realistic approval: 80-95% overall, the oracle above the best static rule above random', () => {
    const world = createWorld('stable', { horizon: 5000 });
    let oracle = 0, rand = 0;
    const txs = stream(world, 9, 5000);
    for (const { t, context, candidates } of txs) {
      const ps = candidates.map((r) => world.approvalProbability(context, r, t));
      const best = world.approvalProbability(context, world.oracleRoute(context, candidates, t), t);
      for (const p of ps) expect(best).toBeGreaterThanOrEqual(p);
      oracle += best;
      rand += ps.reduce((s, p) => s + p, 0) / ps.length;
    }
    oracle /= txs.length;
    rand /= txs.length;
    const rule = world.bestStaticRoute({ samples: 3000 });
    expect(oracle).toBeGreaterThan(0.8);
    expect(oracle).toBeLessThan(0.95);
    expect(rule.oracleApproval).toBeGreaterThanOrEqual(rule.expectedApproval);
    // learning matters: the oracle beats the best static rule, which beats random, by more than a point
    expect(rule.oracleApproval - rule.expectedApproval).toBeGreaterThan(0.01);
    expect(rule.expectedApproval - rand).toBeGreaterThan(0.005);
    expect(new Set(rule.priority)).toEqual(new Set(world.routes));
  });

  it('domestic acquiring wins in its region, not elsewhere', () => {
    const world = createWorld('stable');
    const ctx = { merchantId: 'm-saas-us', amountMinor: 3000, currency: 'USD', cardNetwork: 'visa', cardType: 'credit', channel: 'ecom', mcc: '5734', threeDS: false, occurredAtMs: 0 };
    const us = { ...ctx, issuerCountry: 'US' };
    const de = { ...ctx, issuerCountry: 'DE', threeDS: true };
    expect(world.approvalProbability(us, 'acq-na', 0)).toBeGreaterThan(world.approvalProbability(us, 'acq-eu', 0) + 0.02);
    expect(world.approvalProbability(de, 'acq-eu', 0)).toBeGreaterThan(world.approvalProbability(de, 'acq-na', 0) + 0.02);
  });

  it('sampled outcomes match the ground-truth probability, issuer codes are route-independent', () => {
    const world = createWorld('stable', { horizon: 20_000 });
    const rng = new Rng(0);
    let approved = 0, expected = 0, n = 0, issuerDeclines = 0, sameIssuerCode = 0;
    for (const { t, context, candidates } of stream(world, 21, 20_000)) {
      const route = candidates[t % candidates.length]!;
      rng.reseed(21, `out:${t}`);
      const o = world.sampleOutcome(context, route, t, rng);
      expected += world.approvalProbability(context, route, t);
      approved += o.approved ? 1 : 0;
      n++;
      expect(o.approved).toBe(o.responseCode === '00');
      expect(o.feeMinor).toBeGreaterThan(0);
      expect(o.latencyMs).toBeGreaterThan(0);
      expect(o.delay).toBe(0);
      if (isIssuerSideCode(o.responseCode)) {
        issuerDeclines++;
        // same randomness on another route: the issuer declines the same way
        const other = candidates[(t + 1) % candidates.length]!;
        rng.reseed(21, `out:${t}`);
        if (world.sampleOutcome(context, other, t, rng).responseCode === o.responseCode) sameIssuerCode++;
      }
    }
    // binomial sd at n=20k, p~0.86: 0.0025; allow 4 sd
    expect(Math.abs(approved / n - expected / n)).toBeLessThan(0.01);
    expect(issuerDeclines).toBeGreaterThan(200);
    expect(sameIssuerCode).toBe(issuerDeclines);
  });

  it('fees: fixed per attempt, percentage only when approved, cross-border costs more', () => {
    const world = createWorld('stable');
    const ctx = { merchantId: 'm-fashion-de', amountMinor: 10_000, currency: 'EUR', cardNetwork: 'visa', cardType: 'debit', channel: 'ecom', mcc: '5651', threeDS: true, issuerCountry: 'DE', occurredAtMs: Date.UTC(2026, 10, 1) };
    const rng = new Rng(1);
    const fees = { approved: new Set<number>(), declined: new Set<number>() };
    for (let i = 0; i < 400; i++) {
      rng.reseed(1, `f${i}`);
      const o = world.sampleOutcome(ctx, 'acq-eu', 0, rng);
      (o.approved ? fees.approved : fees.declined).add(o.feeMinor);
    }
    expect([...fees.approved]).toEqual([8 + 20]); // 8 cents + 0.20% of 100 EUR
    expect([...fees.declined]).toEqual([8]);
    const usIssuer = { ...ctx, issuerCountry: 'US' };
    expect(world.expectedNetRevenueEur(usIssuer, 'acq-eu', 0)).toBeLessThan(world.expectedNetRevenueEur(ctx, 'acq-eu', 0));
    expect(world.netRevenueEur(ctx, { approved: true, responseCode: '00', feeMinor: 28, latencyMs: 1, delay: 0 })).toBeCloseTo(10 - 0.28, 10);
    expect(world.netRevenueEur(ctx, { approved: false, responseCode: '05', feeMinor: 8, latencyMs: 1, delay: 0 })).toBeCloseTo(-0.08, 10);
  });

  it('rejects unknown scenarios, routes and bad options with errors naming the field', () => {
    expect(() => createWorld('nope')).toThrow(InvalidConfigError);
    expect(() => createWorld('nope')).toThrow(/scenario/);
    expect(() => createWorld('stable', { horizon: 0 })).toThrow(/horizon/);
    expect(() => createWorld('stable', { marginRate: 2 })).toThrow(/marginRate/);
    const world = createWorld('stable');
    const [tx] = stream(world, 1, 1);
    expect(() => world.approvalProbability(tx!.context, 'acq-nova', 0)).toThrow(InvalidCandidatesError);
  });
});

describe('world: scenario timelines', () => {
  const ctxAt = (world: World, t: number) => ({ merchantId: 'm-fashion-de', amountMinor: 5000, currency: 'EUR', cardNetwork: 'visa', cardType: 'debit', channel: 'ecom', mcc: '5651', threeDS: true, issuerCountry: 'DE', occurredAtMs: t * 1000 + Date.UTC(2026, 10, 1), transactionId: `x${world.horizon}` });

  it('outage: the route approves almost nothing (91/96) inside the window, normally outside', () => {
    const world = createWorld('outage', { horizon: 1000 });
    const c = ctxAt(world, 0);
    expect(world.approvalProbability(c, 'acq-eu', 399)).toBeGreaterThan(0.85);
    expect(world.approvalProbability(c, 'acq-eu', 400)).toBeLessThan(0.05);
    expect(world.approvalProbability(c, 'acq-eu', 549)).toBeLessThan(0.05);
    expect(world.approvalProbability(c, 'acq-eu', 550)).toBeGreaterThan(0.85);
    expect(world.approvalProbability(c, 'acq-global', 450)).toBeGreaterThan(0.8);
    expect(world.oracleRoute(c, ['acq-eu', 'acq-global'], 450)).toBe('acq-global');
    expect(world.oracleRoute(c, ['acq-eu', 'acq-global'], 100)).toBe('acq-eu');
    const rng = new Rng(2);
    const codes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      rng.reseed(2, `o${i}`);
      const o = world.sampleOutcome(c, 'acq-eu', 450, rng);
      codes.set(o.responseCode, (codes.get(o.responseCode) ?? 0) + 1);
      if (o.responseCode === '91') expect(o.latencyMs).toBeGreaterThan(1000);
    }
    expect((codes.get('91') ?? 0) + (codes.get('96') ?? 0)).toBeGreaterThan(280);
  });

  it('drift: the drifting route degrades linearly and then stays down', () => {
    const world = createWorld('drift', { horizon: 1000 });
    const c = { ...ctxAt(world, 0), merchantId: 'm-saas-us', currency: 'USD', issuerCountry: 'US', threeDS: false };
    const p = [0, 250, 400, 500, 600, 750, 999].map((t) => world.approvalProbability(c, 'acq-na', t));
    expect(p[0]).toBe(p[1]);
    for (let i = 2; i < p.length - 1; i++) expect(p[i]!).toBeLessThan(p[i - 1]!);
    expect(p[6]).toBe(p[5]);
    expect(p[0]! - p[6]!).toBeGreaterThan(0.08);
    expect(world.approvalProbability(c, 'acq-global', 999)).toBe(world.approvalProbability(c, 'acq-global', 0));
  });

  it('new acquirer: absent before launch, then a candidate and the best route for some segments', () => {
    const world = createWorld('new-acquirer', { horizon: 4000 });
    const before = stream(world, 4, 1200, 0);
    const after = stream(world, 4, 2000, 1200);
    for (const x of before) expect(x.candidates).not.toContain('acq-nova');
    const withNova = after.filter((x) => x.candidates.includes('acq-nova'));
    expect(withNova.length).toBeGreaterThan(200);
    const novaBest = withNova.filter((x) => world.oracleRoute(x.context, x.candidates, x.t) === 'acq-nova');
    expect(novaBest.length).toBeGreaterThan(withNova.length * 0.2);
    expect(novaBest.length).toBeLessThan(withNova.length);
    expect(createWorld('stable').routes).not.toContain('acq-nova');
  });

  it('delayed: outcomes carry a random delay with the configured mean; other scenarios none', () => {
    const world = createWorld('delayed', { horizon: 10_000, meanDelay: 100 });
    const rng = new Rng(3);
    let sum = 0;
    const n = 4000;
    for (const { t, context, candidates } of stream(world, 3, n)) {
      rng.reseed(3, `out:${t}`);
      const d = world.sampleOutcome(context, candidates[0]!, t, rng).delay;
      expect(Number.isInteger(d) && d >= 0).toBe(true);
      sum += d;
    }
    // mean = 100 x (0.9 + 0.1 x 5) = 140
    expect(sum / n).toBeGreaterThan(120);
    expect(sum / n).toBeLessThan(160);
    for (const name of SCENARIO_NAMES.filter((s) => s !== 'delayed')) expect(createWorld(name).scenario.events.some((e) => e.kind === 'delay')).toBe(false);
  });
});
