/**
 * Every error code of the project lives here, one class per failure, each with a stable `code`.
 * `test/unit/errors.test.ts` pins the list so a code never changes silently.
 * policies/, simulator/ and src/ all import from this file (it imports nothing).
 */

export const ERROR_CODES = {
  /** A configuration value (policy params, reward expression, env var) is invalid. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** A reward expression failed to parse, compile, or evaluated to a non-finite number. */
  INVALID_REWARD_EXPRESSION: 'INVALID_REWARD_EXPRESSION',
  /** A policy name is not in the registry. */
  UNKNOWN_POLICY: 'UNKNOWN_POLICY',
  /** A decision was requested with an unusable candidate list (empty, duplicates, too many). */
  INVALID_CANDIDATES: 'INVALID_CANDIDATES',
  /** A serialised policy state cannot be restored (wrong policy, wrong version, corrupt). */
  INVALID_STATE: 'INVALID_STATE',
  /** A request body failed validation at the edge (HTTP 400). */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** Numerical failure: matrix not positive definite, NaN in an estimate. */
  NUMERICAL_ERROR: 'NUMERICAL_ERROR',
  /** A log file (decision log, CSV, Open Bandit Dataset) cannot be read: missing columns, mostly bad rows. */
  INVALID_LOG: 'INVALID_LOG',
  /** A command-line argument of the simulator is missing, unknown or malformed. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** HTTP: no route for this method and path (404). */
  NOT_FOUND: 'NOT_FOUND',
  /** HTTP: an admin endpoint was called without a bearer token (401). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** HTTP: wrong admin token, or admin endpoints disabled because ADMIN_TOKEN is unset (403). */
  FORBIDDEN: 'FORBIDDEN',
  /** HTTP: the body is not `application/json` (415). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** HTTP: the body is larger than the router accepts (413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** HTTP: an unexpected failure inside the router (500; a bug, never bad input). */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** The event bus or the store is unreachable or did not answer within its budget. */
  DEPENDENCY_UNAVAILABLE: 'DEPENDENCY_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class RouterError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class InvalidConfigError extends RouterError {
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.INVALID_CONFIG, `${field}: ${message}`, { field }, options);
  }
}

export class InvalidRewardExpressionError extends RouterError {
  constructor(readonly expression: string, message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.INVALID_REWARD_EXPRESSION, `reward expression "${expression}": ${message}`, { expression }, options);
  }
}

export class UnknownPolicyError extends RouterError {
  constructor(readonly policy: string, known: readonly string[]) {
    super(ERROR_CODES.UNKNOWN_POLICY, `unknown policy "${policy}"; known: ${known.join(', ')}`, { policy, known });
  }
}

export class InvalidCandidatesError extends RouterError {
  constructor(message: string) {
    super(ERROR_CODES.INVALID_CANDIDATES, `candidates: ${message}`, { field: 'candidates' });
  }
}

export class InvalidStateError extends RouterError {
  constructor(readonly policy: string, message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.INVALID_STATE, `state of policy "${policy}": ${message}`, { policy }, options);
  }
}

export class ValidationError extends RouterError {
  constructor(readonly field: string, message: string) {
    super(ERROR_CODES.VALIDATION_FAILED, `${field}: ${message}`, { field });
  }
}

export class NumericalError extends RouterError {
  constructor(message: string) {
    super(ERROR_CODES.NUMERICAL_ERROR, message);
  }
}

/** A log cannot be used: `file` names it, `line` (1-based, 0 when not about one line) the first offending line. */
export class LogFormatError extends RouterError {
  constructor(readonly file: string, readonly line: number, message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.INVALID_LOG, line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`, { file, line }, options);
  }
}

/** A command-line option is wrong; `option` names it (e.g. "--log"). */
export class InvalidArgumentError extends RouterError {
  constructor(readonly option: string, message: string) {
    super(ERROR_CODES.INVALID_ARGUMENT, `${option}: ${message}`, { option });
  }
}

/** An HTTP-level failure with its status (404, 401, 403, 413, 415, 500); the body is `{"error": {code, message}}`. */
export class HttpError extends RouterError {
  constructor(readonly statusCode: number, code: ErrorCode, message: string) {
    super(code, message, { statusCode });
  }
}

/** NATS or Redis did not answer (down, slow beyond its budget); the router fails open around it. */
export class DependencyUnavailableError extends RouterError {
  constructor(readonly dependency: string, message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.DEPENDENCY_UNAVAILABLE, `${dependency}: ${message}`, { dependency }, options);
  }
}
