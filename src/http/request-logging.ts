/**
 * Request logging off the hot path: fastify's default logs two info lines per request ("incoming request",
 * "request completed"), which at thousands of decisions per second cost more than the decisions. This
 * controller drops those two lines and keeps every error: a request that errored, handler errors (the
 * default error log), stream, serializer and writeHead errors, as fastify logs them.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class ErrorsOnlyLogController extends LogController {
  override incomingRequest(): void {
    // not logged: one line per request on the hot path
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
  }
}
