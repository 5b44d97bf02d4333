import fc from 'fast-check';
import { expect, it } from 'vitest';

it('fast-check explores lengths up to a given maxLength (test/support/fast-check-setup.ts)', () => {
  const lengths = fc.sample(fc.array(fc.nat(), { maxLength: 1000 }), { numRuns: 100, seed: 1 }).map((a) => a.length);
  expect(Math.max(...lengths)).toBeGreaterThan(500); // the default "small" size stops at 10
});
