/**
 * Linear policies: cost per call of the feature encoder, LinUCB and LinTS decide / update (and both) at 4
 * and 16 candidates and 32, 64 and 128 features, with heap bytes allocated per call, and the cost of one
 * re-factorisation (Cholesky inverse) per dimension.
 * Run: npm run bench -- linear   (or npx tsx --expose-gc test/bench/linear.bench.ts)
 */
import { pathToFileURL } from 'node:url';
import { createLinUcbPolicy } from '../../policies/linear/linucb.ts';
import { createLinTsPolicy } from '../../policies/linear/lints.ts';
import type { LinearPolicy } from '../../policies/linear/linear-policy.ts';
import { FeatureEncoder, paymentEncoderSpec } from '../../policies/features/index.ts';
import { RidgeStore } from '../../policies/linear/ridge-store.ts';
import { matMul, maxAbsDiff, spdInverse } from '../../policies/linalg/index.ts';
import { DecisionBuffer } from '../../policies/core/decision-buffer.ts';
import { Rng } from '../../policies/core/rng.ts';
import { formatTable, measure, type BenchRow } from './harness.ts';

const NETWORKS = ['visa', 'mastercard', 'amex', 'discover'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'JP', 'BR', 'NL', 'IT'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];
const K = 256;

function contexts(): Record<string, string | number | boolean>[] {
  const rng = new Rng(7);
  return Array.from({ length: K }, (_, i) => ({
    transactionId: `tx-${i}`,
    merchantId: `merchant-${rng.int(40)}`,
    amountMinor: 100 + rng.int(100_000),
    currency: CURRENCIES[rng.int(CURRENCIES.length)]!,
    cardNetwork: NETWORKS[rng.int(NETWORKS.length)]!,
    cardType: rng.next() < 0.6 ? 'credit' : 'debit',
    issuerCountry: COUNTRIES[rng.int(COUNTRIES.length)]!,
    channel: rng.next() < 0.8 ? 'ecom' : 'recurring',
    mcc: rng.next() < 0.5 ? '5411' : '5812',
    threeDS: rng.next() < 0.5,
    binPrefix: String(400_000 + rng.int(1000)),
    occurredAtMs: 1.76e12 + i * 37_000,
  }));
}

function trained(make: (p: Record<string, unknown>) => LinearPolicy, dimension: number, routes: readonly string[], ctxs: readonly Record<string, string | number | boolean>[]): LinearPolicy {
  const policy = make({ dimension });
  const rng = new Rng(3);
  for (let i = 0; i < 400; i++) {
    for (const r of routes) policy.update(ctxs[i % K]!, r, rng.next() < 0.8 ? 1 : 0, 1);
  }
  return policy;
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const ctxs = contexts();
  const keys = ctxs.map((c) => String(c.transactionId));
  const push = (group: string, name: string, m: { nsPerOp: number; bytesPerOp: number }, target?: { us: number }) => {
    const us = m.nsPerOp / 1000;
    rows.push({
      group,
      name: `${name} time`,
      value: us,
      unit: 'us/op',
      ...(target ? { target: `< ${target.us} us`, pass: us < target.us } : {}),
    });
    rows.push({ group, name: `${name} alloc`, value: m.bytesPerOp, unit: 'B/op', target: '0 B/op (< 1)', pass: m.bytesPerOp < 1 });
  };

  for (const d of [32, 64, 128]) {
    const enc = new FeatureEncoder(paymentEncoderSpec(d));
    const x = enc.createSparse();
    push('features', `encode payment context d=${d} (nnz<=${enc.maxNnz})`, await measure(`encode ${d}`, (i) => enc.encode(ctxs[i % K]!, x), { iterations: 50_000 }));
  }

  // allocation depends on how the caller's context object stores its numbers. The encoder reads each numeric
  // field through its own compiled named-property reader, which loads a double-valued field (occurredAtMs ~
  // 1.76e12) unboxed from objects built as literals, by JSON.parse plus assignment, or by the service's
  // paymentContextOf; an object made by spreading a whole other object ({ ...body, occurredAtMs }) still gets
  // its double copied into a new heap number on that read (V8's behaviour for such objects: 16 B)
  {
    const enc = new FeatureEncoder(paymentEncoderSpec(64));
    const x = enc.createSparse();
    const edge = ctxs.map((c) => {
      const { occurredAtMs, ...body } = c;
      return { ...(JSON.parse(JSON.stringify(body)) as Record<string, string | number | boolean>), occurredAtMs: occurredAtMs as number };
    });
    const smallInts = ctxs.map((c, i) => ({ ...(JSON.parse(JSON.stringify(c)) as Record<string, string | number | boolean>), occurredAtMs: (i * 3_600_000) % 86_400_000 }));
    const m1 = await measure('encode edge', (i) => enc.encode(edge[i % K]!, x), { iterations: 20_000 });
    rows.push({ group: 'features', name: 'encode alloc, { ...JSON.parse(body), occurredAtMs } (spread)', value: m1.bytesPerOp, unit: 'B/op', note: 'V8 copies a double read from an object built by spreading another' });
    // the service's own context: built as src/decisions/decision-service.ts paymentContextOf builds it, from a
    // JSON.parse'd route body (not imported: the bench stays free of the service's modules and their timers)
    const served = ctxs.map((c) => {
      const b = JSON.parse(JSON.stringify(c)) as Record<string, string | number | boolean>;
      return {
        transactionId: b['transactionId'],
        merchantId: b['merchantId'],
        amountMinor: b['amountMinor'],
        currency: b['currency'],
        cardNetwork: b['cardNetwork'],
        cardType: b['cardType'],
        issuerCountry: b['issuerCountry'],
        channel: b['channel'],
        mcc: b['mcc'],
        threeDS: b['threeDS'],
        ...(b['binPrefix'] !== undefined ? { binPrefix: b['binPrefix'] } : {}),
        occurredAtMs: Date.parse(new Date(c.occurredAtMs as number).toISOString()),
      };
    });
    // its own encoder, as in the service (one context shape): the readers' inline caches see only this shape
    const servedEncoder = new FeatureEncoder(paymentEncoderSpec(64));
    const m0 = await measure('encode served', (i) => servedEncoder.encode(served[i % K]!, x), { iterations: 20_000 });
    rows.push({ group: 'features', name: 'encode alloc, service context (paymentContextOf of a JSON body)', value: m0.bytesPerOp, unit: 'B/op', target: '0 B/op (< 1)', pass: m0.bytesPerOp < 1 });
    const m2 = await measure('encode small ints', (i) => enc.encode(smallInts[i % K]!, x), { iterations: 20_000 });
    rows.push({ group: 'features', name: 'encode alloc, context with small-integer numbers', value: m2.bytesPerOp, unit: 'B/op', target: '0 B/op (< 1)', pass: m2.bytesPerOp < 1 });
    const routes = ['acq-0', 'acq-1', 'acq-2', 'acq-3'];
    const policy = trained(createLinUcbPolicy, 64, routes, smallInts);
    const out = new DecisionBuffer();
    const rng = new Rng(1);
    const m3 = await measure('decide small ints', (i) => policy.decide(smallInts[i % K]!, routes, rng, out), { iterations: 20_000 });
    rows.push({ group: 'linucb', name: 'decide alloc, 4 cand, d=64, small-integer context, no reseed', value: m3.bytesPerOp, unit: 'B/op', target: '0 B/op (< 1)', pass: m3.bytesPerOp < 1 });
    const m4 = await measure('update small ints', (i) => policy.update(smallInts[i % K]!, routes[i & 3]!, i & 1, 1), { iterations: 20_000 });
    rows.push({ group: 'linucb', name: 'update alloc, d=64, small-integer context', value: m4.bytesPerOp, unit: 'B/op', target: '0 B/op (< 1)', pass: m4.bytesPerOp < 1 });
  }

  const makers: [string, (p: Record<string, unknown>) => LinearPolicy, Record<string, unknown>, number][] = [
    ['linucb', createLinUcbPolicy, {}, 8_000],
    ['linucb discount=0.99', createLinUcbPolicy, { discount: 0.99 }, 4_000],
    ['lints', createLinTsPolicy, {}, 2_000],
  ];
  for (const [name, make, params, iterations] of makers) {
    for (const n of [4, 16]) {
      const routes = Array.from({ length: n }, (_, i) => `acq-${i}`);
      for (const d of [32, 64, 128]) {
        if (name.includes('discount') && n === 16) continue; // forgetting only changes the update cost
        const scale = (d === 128 ? 2 : 1) * (n === 16 && name === 'lints' ? 4 : 1);
        const opts = { iterations: Math.floor(iterations / scale), rounds: 5 };
        const policy = trained((p) => make({ ...params, ...p }), d, routes, ctxs);
        const out = new DecisionBuffer();
        const rng = new Rng(1);
        const label = `${n} cand, d=${d}`;
        push(name, `decide ${label}`, await measure(`${name} decide`, (i) => {
          rng.reseed(42, keys[i % K]);
          policy.decide(ctxs[i % K]!, routes, rng, out);
        }, opts));
        push(name, `update ${label}`, await measure(`${name} update`, (i) => policy.update(ctxs[i % K]!, routes[i % n]!, i & 1, 1), opts));
        const isTarget = name === 'linucb' && n === 4 && d === 64;
        push(name, `decide+update ${label}`, await measure(`${name} decide+update`, (i) => {
          rng.reseed(42, keys[i % K]);
          policy.decide(ctxs[i % K]!, routes, rng, out);
          policy.update(ctxs[i % K]!, routes[out.chosen]!, i & 1, 1);
        }, opts), isTarget ? { us: 20 } : undefined);
      }
    }
  }

  // one re-factorisation (A-hat -> Cholesky inverse -> theta), amortised over refactorEvery updates
  for (const d of [32, 64, 128]) {
    const policy = trained(createLinUcbPolicy, d, ['acq-0'], ctxs);
    const model = policy.store.models.get('acq-0')!;
    const m = await measure(`refactor ${d}`, () => policy.store.refactor(model), { iterations: d === 128 ? 100 : 500, rounds: 5 });
    rows.push({ group: 'linear', name: `refactor one route d=${d}`, value: m.nsPerOp / 1000, unit: 'us/op', note: `every ${policy.params().refactorEvery} updates of a route (sooner with forgetting)` });
  }

  // numerical drift of the Sherman–Morrison inverse without re-factorisation
  {
    const d = 64;
    const store = new RidgeStore(d, { lambda: 1, discount: 1, refactorEvery: 1e9 });
    const enc = new FeatureEncoder(paymentEncoderSpec(d));
    const x = enc.createSparse();
    const rng = new Rng(5);
    for (let t = 0; t < 20_000; t++) {
      enc.encode(ctxs[rng.int(K)]!, x);
      store.update('r', x, rng.next() < 0.7 ? 1 : 0, 1);
    }
    const used = store.usedInverse('r', new Float64Array(d * d));
    const fresh = new Float64Array(d * d);
    spdInverse(store.exactA('r', new Float64Array(d * d)), d, fresh, new Float64Array(d * d));
    rows.push({ group: 'linear', name: 'Sherman–Morrison drift after 20,000 updates, d=64', value: maxAbsDiff(used, fresh, d * d), unit: 'max abs err', note: 'vs fresh Cholesky inverse; entries of A^-1 are <= 1' });
  }

  // machine speed reference: a plain 64 x 64 matrix product, per multiply-add (to compare runs across machines)
  {
    const d = 64;
    const a = new Float64Array(d * d).map((_, i) => (i % 7) * 0.1);
    const o = new Float64Array(d * d);
    const m = await measure('matmul', () => matMul(a, a, d, o), { iterations: 200, rounds: 5 });
    rows.push({ group: 'machine', name: 'plain JS matmul 64x64, per multiply-add', value: m.nsPerOp / (d * d * d), unit: 'ns', note: 'machine-speed reference: compare runs across machines and load' });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${formatTable(await bench())}\n`);
}
