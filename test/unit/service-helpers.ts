/** Shared fixtures of the service tests: a valid route body, a config, polling. */
import { loadConfig, type Config } from '../../src/config.ts';

export function routeBody(transactionId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transactionId,
    merchantId: 'm-1',
    amountMinor: 1250,
    currency: 'EUR',
    cardNetwork: 'visa',
    cardType: 'credit',
    issuerCountry: 'DE',
    channel: 'ecom',
    mcc: '5411',
    threeDS: true,
    candidates: ['acq-a', 'acq-b', 'acq-c'],
    ...extra,
  };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ADMIN_TOKEN: 'secret', ...env });
}

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
