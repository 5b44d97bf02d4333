import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../policies/errors.ts';

// Pins the public error codes: clients match on them, so a change here is a breaking change.
it('error codes are stable', () => {
  expect(Object.values(ERROR_CODES).sort()).toMatchInlineSnapshot(`
    [
      "DEPENDENCY_UNAVAILABLE",
      "FORBIDDEN",
      "INTERNAL_ERROR",
      "INVALID_ARGUMENT",
      "INVALID_CANDIDATES",
      "INVALID_CONFIG",
      "INVALID_LOG",
      "INVALID_REWARD_EXPRESSION",
      "INVALID_STATE",
      "NOT_FOUND",
      "NUMERICAL_ERROR",
      "PAYLOAD_TOO_LARGE",
      "UNAUTHORIZED",
      "UNKNOWN_POLICY",
      "UNSUPPORTED_MEDIA_TYPE",
      "VALIDATION_FAILED",
    ]
  `);
});
