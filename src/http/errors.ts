/**
 * Every error answer is `{"error": {"code", "message"}}`, the message naming the field: schema failures
 * (fastify's ajv), bad JSON, wrong content type, oversized bodies, unknown routes, the router's own
 * errors. Nothing reaches the client as a bare 500 for bad input.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, RouterError, HttpError, type ErrorCode } from '../../policies/errors.ts';

interface AjvLikeError {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: { readonly missingProperty?: string; readonly allowedValues?: readonly unknown[]; readonly additionalProperty?: string };
}

/** `/candidates/2` -> `candidates[2]`; a missing property names itself. */
export function fieldOf(err: AjvLikeError, context: string | undefined): string {
  const parts = (err.instancePath ?? '').split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = '';
  for (const p of parts) field += /^\d+$/.test(p) ? `[${p}]` : field === '' ? p : `.${p}`;
  if (err.keyword === 'required' && err.params?.missingProperty) field = field ? `${field}.${err.params.missingProperty}` : err.params.missingProperty;
  if (field === '') field = context === 'body' || context === undefined ? 'body' : context;
  return field;
}

function describe(err: AjvLikeError): string {
  if (err.keyword === 'required') return 'is required';
  let msg = err.message ?? 'is invalid';
  if (err.keyword === 'enum' && err.params?.allowedValues) msg = `must be one of ${err.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return msg;
}

function send(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  [ERROR_CODES.VALIDATION_FAILED]: 400,
  [ERROR_CODES.INVALID_CONFIG]: 400,
  [ERROR_CODES.INVALID_CANDIDATES]: 400,
  [ERROR_CODES.UNKNOWN_POLICY]: 404,
  [ERROR_CODES.DEPENDENCY_UNAVAILABLE]: 503,
};

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation && error.validation.length > 0) {
      const first = error.validation[0] as AjvLikeError;
      const field = fieldOf(first, error.validationContext);
      return send(reply, 400, ERROR_CODES.VALIDATION_FAILED, `${field}: ${describe(first)}`);
    }
    if (error instanceof HttpError) return send(reply, error.statusCode, error.code, error.message);
    if (error instanceof RouterError) return send(reply, STATUS_OF[error.code] ?? 500, error.code, error.message);
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 415, ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, `content-type: must be application/json, got ${JSON.stringify(request.headers['content-type'] ?? '(none)')}`);
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 413, ERROR_CODES.PAYLOAD_TOO_LARGE, `body: larger than the ${app.initialConfig.bodyLimit} bytes accepted`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, 400, ERROR_CODES.VALIDATION_FAILED, 'body: empty; a JSON object is required');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return send(reply, 400, ERROR_CODES.VALIDATION_FAILED, `body: not valid JSON (${error.message})`);
      default:
        break;
    }
    if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
      return send(reply, 400, ERROR_CODES.VALIDATION_FAILED, `body: not valid JSON (${error.message})`);
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, error.statusCode, ERROR_CODES.VALIDATION_FAILED, `request: ${error.message}`);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 500, ERROR_CODES.INTERNAL_ERROR, 'internal error; the router logged it');
  });
  app.setNotFoundHandler((request, reply) => send(reply, 404, ERROR_CODES.NOT_FOUND, `path: no endpoint ${request.method} ${request.url.split('?')[0]}`));
}
