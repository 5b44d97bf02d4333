/**
 * Request logging off the hot path: fastify's default logs two info lines per request ("incoming request",
 * "request completed"), which at thousands of decisions per second cost more than the decisions. This
 * controller drops those two lines and keeps every error: a request that errored, handler errors (the
 * default error log), stream, serializer and writeHead errors, as fastify logs them.
 */
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bindings } from 'pino';
import { LOG_LEVELS } from '../config.ts';

export class ErrorsOnlyLogController extends LogController {
  override incomingRequest(): void {
    // not logged: one line per request on the hot path
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
  }
}

type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];
type LogMethod = (...args: LogArgs) => void;
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/**
 * A request's logger, made when it is first used: fastify gives every request a child logger (pino's
 * `child`, which serialises the `reqId` binding, about 9 us of CPU per request), and a request that logs
 * nothing (every request that succeeds, with `ErrorsOnlyLogController`) never needs it. The child made
 * on first use is the one fastify's default factory makes (`logger.child(bindings, opts)`), so every line
 * a request logs is unchanged.
 */
class RequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  declare readonly fatal: LogMethod;
  declare readonly error: LogMethod;
  declare readonly warn: LogMethod;
  declare readonly info: LogMethod;
  declare readonly debug: LogMethod;
  declare readonly trace: LogMethod;
  declare readonly silent: LogMethod;

  static {
    // each level writes through the child, made by the first call
    for (const level of LOG_LEVELS) {
      Object.defineProperty(RequestLogger.prototype, level, {
        value(this: RequestLogger, ...args: LogArgs): void {
          (this.logger[level] as LogMethod)(...args);
        },
      });
    }
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/** fastify's `childLoggerFactory`: the request's logger is made only if the request logs. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
