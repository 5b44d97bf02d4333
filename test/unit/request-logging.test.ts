/**
 * Request logging on the hot path: no line for a request that succeeds, and the lines a request does log
 * (its own, errors) are those fastify's default child logger writes, with the request id.
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorsOnlyLogController, lazyChildLogger } from '../../src/http/request-logging.ts';

async function linesOf(lazy: boolean): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const logger = pino({ level: 'info', base: { replica: 'r1' }, timestamp: false }, { write: (s: string) => lines.push(s) });
  const app = Fastify({ loggerInstance: logger, logController: new ErrorsOnlyLogController(), ...(lazy ? { childLoggerFactory: lazyChildLogger } : {}) });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/logs', async (request) => {
    request.log.info({ n: 1 }, 'own line');
    request.log.debug('below the level');
    return { ok: true };
  });
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  for (const url of ['/ok', '/logs', '/fails']) await app.inject({ method: 'GET', url });
  await app.close();
  return lines.map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    delete o['responseTime'];
    delete o['pid'];
    delete o['hostname'];
    if (typeof o['err'] === 'object' && o['err'] !== null) delete (o['err'] as Record<string, unknown>)['stack'];
    return o;
  });
}

describe('request logging', () => {
  it('the lazily made request logger writes what the default child logger writes', async () => {
    const lazy = await linesOf(true);
    const eager = await linesOf(false);
    expect(lazy).toEqual(eager);
    expect(lazy.some((l) => l['msg'] === 'own line' && l['reqId'] === 'req-2' && l['replica'] === 'r1')).toBe(true);
    expect(lazy.some((l) => l['reqId'] === 'req-3' && l['level'] === 50)).toBe(true);
    expect(lazy.some((l) => l['reqId'] === 'req-1')).toBe(false); // a request that succeeds logs nothing
  });
});
