/**
 * The fastify app factory: the contract's endpoints, schemas compiled by fastify's ajv (no type
 * coercion: `"12"` is not an integer), response schemas compiled into serializers, the OpenAPI document
 * at `/openapi.json`. Tests build it with fake-free in-process deps and call `app.inject()`.
 */
import { timingSafeEqual } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyTypeProvider } from 'fastify';
import { ERROR_CODES, HttpError } from '../../policies/errors.ts';
import type { DecisionKind, RouteAnswer } from '../decisions/decision-record.ts';
import type { RouteReply } from '../decisions/decision-service.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { retryRoutes, type RetryDecider } from '../retry/http.ts';
import { installErrorHandlers } from './errors.ts';
import { ErrorsOnlyLogController, lazyChildLogger } from './request-logging.ts';
import { TurnReplies } from './turn-replies.ts';
import {
  DeadLetters,
  ErrorBody,
  type Outcome,
  OutcomesAccepted,
  OutcomesRequest,
  PoliciesResponse,
  PolicyInfo,
  PolicyName,
  PolicyPatch,
  PolicyState,
  Readiness,
  RouteRequest,
  RouteResponse,
  type PolicyInfo as PolicyInfoT,
  type Readiness as ReadinessT,
} from './schemas.ts';

export interface AppDeps {
  /** `POST /v1/route`: the answer, or its JSON exactly as the response schema's serializer writes it. */
  readonly route: (body: RouteRequest) => RouteReply | Promise<RouteReply>;
  /** `POST /v1/retry`. */
  readonly retry: RetryDecider;
  readonly acceptOutcomes: (outcomes: readonly Outcome[]) => Promise<number>;
  readonly readiness: () => ReadinessT;
  readonly metrics: Metrics;
  readonly admin: {
    list(): PolicyInfoT[];
    patch(name: string, patch: { readonly [key: string]: unknown }, kind?: DecisionKind): Promise<PolicyInfoT>;
    stateOf(name: string, kind?: DecisionKind): { name: string; seq: number; snapshot: unknown };
    deadLetters(limit: number): Promise<unknown[]>;
  };
  readonly adminToken: string | undefined;
  readonly logger?: FastifyBaseLogger;
  readonly version?: string;
}

/** Handler types derived from the route schemas (TypeBox `Static`). */
interface SchemaTypes extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/** The content type fastify gives a serialised JSON answer. */
const JSON_UTF8 = 'application/json; charset=utf-8';

/** Send a route answer given as JSON as is (the serializer's bytes); an object goes back to fastify to serialise. */
function sentOrAnswer(reply: FastifyReply, answer: RouteReply): RouteAnswer | undefined {
  if (typeof answer !== 'string') return answer;
  reply.header('content-type', JSON_UTF8).send(answer);
  return undefined;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 500: ErrorBody, 503: ErrorBody };

function checkAdmin(token: string | undefined, request: FastifyRequest): void {
  if (token === undefined) throw new HttpError(403, ERROR_CODES.FORBIDDEN, 'authorization: admin endpoints are disabled (ADMIN_TOKEN is unset)');
  const header = request.headers.authorization;
  if (header === undefined || header === '') throw new HttpError(401, ERROR_CODES.UNAUTHORIZED, 'authorization: missing; send "Authorization: Bearer <ADMIN_TOKEN>"');
  const m = /^Bearer\s+(.+)$/i.exec(header);
  const given = Buffer.from(m?.[1]?.trim() ?? '');
  const want = Buffer.from(token);
  if (!m || given.length !== want.length || !timingSafeEqual(given, want)) throw new HttpError(403, ERROR_CODES.FORBIDDEN, 'authorization: wrong admin token');
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const base: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    logController: new ErrorsOnlyLogController(), // no info line per request on the hot path; errors still logged
    childLoggerFactory: lazyChildLogger, // a request's child logger is made only when the request logs
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: false,
  });
  installErrorHandlers(base);
  base.removeContentTypeParser('text/plain'); // JSON only: anything else is a 415
  const app = base.withTypeProvider<SchemaTypes>();
  // synchronous: an async hook costs a promise and a microtask turn per request
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('cache-control', 'no-store');
    done();
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Adaptive payment router', version: deps.version ?? '0.1.0', description: 'Route decisions, outcomes, health, metrics and admin, as in the public contract.' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // not async: with the in-memory store the answer is there at once (no promise, no microtask turn), and
  // is sent with the others of the turn at its end (`TurnReplies`). A throw goes to the error handler as
  // an async handler's rejection does; a promise is left to fastify
  const turn = new TurnReplies(JSON_UTF8, (err) => app.log.error({ err }, 'sending a route answer failed'));
  app.post('/v1/route', { schema: { summary: 'Choose a route for a payment', body: RouteRequest, response: { 200: RouteResponse, ...errors } } }, (request, reply) => {
    const answer = deps.route(request.body);
    if (answer instanceof Promise) return answer.then((a) => sentOrAnswer(reply, a));
    if (typeof answer !== 'string') return answer;
    const raw: FastifyReply = reply; // the JSON is the response schema's already (as in `sentOrAnswer`)
    turn.hold(raw, answer);
    return undefined;
  });

  await app.register(retryRoutes, { service: deps.retry });

  app.post(
    '/v1/outcomes',
    { schema: { summary: 'Report authorization outcomes (published to the outcome stream)', body: OutcomesRequest, response: { 202: OutcomesAccepted, ...errors } } },
    async (request, reply) => {
      const accepted = await deps.acceptOutcomes(request.body.outcomes);
      return reply.code(202).send({ accepted });
    },
  );

  app.get('/healthz', { schema: { summary: 'Liveness: 200 once the process serves', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { summary: 'Readiness: 200 only when bus and store are connected and the policy state is loaded', response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    const r = deps.readiness();
    return reply.code(r.status === 'ready' ? 200 : 503).send(r);
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text format)', hide: false } }, async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  const admin = { security: [{ admin: [] }] };
  /** Which served policy a name means when the route and retry policies share it (default: route first). */
  const KindQuery = Type.Object({ kind: Type.Optional(Type.Union([Type.Literal('route'), Type.Literal('retry')])) });
  app.get('/v1/policies', { schema: { summary: 'Served policies, their params and observations (admin)', ...admin, response: { 200: PoliciesResponse, ...errors } } }, async (request) => {
    checkAdmin(deps.adminToken, request);
    return { policies: deps.admin.list() };
  });

  app.patch(
    '/v1/policies/:name',
    { schema: { summary: 'Change tunables of a policy on every replica (admin)', ...admin, params: PolicyName, querystring: KindQuery, body: PolicyPatch, response: { 200: PolicyInfo, ...errors } } },
    async (request) => {
      checkAdmin(deps.adminToken, request);
      const body = request.body as { params?: unknown; [key: string]: unknown };
      const keys = Object.keys(body);
      const patch = keys.length === 1 && keys[0] === 'params' && typeof body.params === 'object' && body.params !== null && !Array.isArray(body.params) ? (body.params as Record<string, unknown>) : body;
      return deps.admin.patch(request.params.name, patch, request.query.kind);
    },
  );

  app.get('/v1/policies/:name/state', { schema: { summary: 'Learned state of a served policy and the stream sequence it includes (admin)', ...admin, params: PolicyName, querystring: KindQuery, response: { 200: PolicyState, ...errors } } }, async (request) => {
    checkAdmin(deps.adminToken, request);
    return deps.admin.stateOf(request.params.name, request.query.kind);
  });

  app.get(
    '/v1/dead-letters',
    { schema: { summary: 'Most recent dead-lettered outcomes (admin)', ...admin, querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })) }), response: { 200: DeadLetters, ...errors } } },
    async (request) => {
      checkAdmin(deps.adminToken, request);
      const limit = Math.min(Math.max(Number(request.query.limit ?? '100'), 1), 10_000);
      return { deadLetters: await deps.admin.deadLetters(limit) };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return base;
}
