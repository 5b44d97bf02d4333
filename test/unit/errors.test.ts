import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../policies/errors.ts';

// Pins the public error codes: clients match on them, so a change here is a breaking change.
it('error codes are stable', () => {
  expect(Object.values(ERROR_CODES).sort()).toMatchInlineSnapshot(`
    [
      "INVALID_ARGUMENT",
      "INVALID_CANDIDATES",
      "INVALID_CONFIG",
      "INVALID_LOG",
      "INVALID_REWARD_EXPRESSION",
      "INVALID_STATE",
      "NUMERICAL_ERROR",
      "UNKNOWN_POLICY",
      "VALIDATION_FAILED",
    ]
  `);
});
