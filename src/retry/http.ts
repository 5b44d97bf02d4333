/**
 * Fastify plugin for `POST /v1/retry`. Dependencies by injection: the retry service (rules, counters, policy,
 * decision callback, metrics). Register it on the app that installed the error handlers
 * (`src/http/errors.ts`), so validation failures answer 400 `{"error":{"code","message"}}` naming the field:
 *
 * ```ts
 * await app.register(retryRoutes, { service: new RetryService({ ... }) });
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../http/schemas.ts';
import type { RetryService } from './retry-service.ts';
import { RetryRequest, RetryResponse } from './schemas.ts';

/** What the route needs of the retry service. */
export type RetryDecider = Pick<RetryService, 'decide'>;

export interface RetryRoutesOptions {
  readonly service: RetryDecider;
}

const errors = { 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 500: ErrorBody, 503: ErrorBody };

export async function retryRoutes(instance: FastifyInstance, options: RetryRoutesOptions): Promise<void> {
  instance.post(
    '/v1/retry',
    { schema: { summary: 'After a decline: retry now on another route, retry later on which route, or stop', body: RetryRequest, response: { 200: RetryResponse, ...errors } } },
    // validated against RetryRequest by fastify's ajv before the handler runs
    async (request) => options.service.decide(request.body as RetryRequest),
  );
}
