import { describe, expect, it } from 'vitest';
import { blameWeight, classifyResponseCode, DEFAULT_BLAME, ISSUER_BLAME, NO_BLAME, parseBlameOptions, RESPONSE_CODES } from '../../policies/reward/index.ts';
import { InvalidConfigError } from '../../policies/errors.ts';

describe('blame', () => {
  it('classifies the documented codes', () => {
    for (const c of ['51', '54', '14', '41', '43', '61', '55']) expect(classifyResponseCode(c)).toBe('issuer');
    // issuer codes that also depend on where the payment was acquired (cross-border blocks, region-restricted
    // cards, SCA soft declines) count as ambiguous, not as the card's own state
    for (const c of ['57', '62', '65', '1A', '1a']) expect(classifyResponseCode(c)).toBe('ambiguous');
    for (const c of ['91', '96', '92', '68']) expect(classifyResponseCode(c)).toBe('route');
    expect(classifyResponseCode('05')).toBe('ambiguous');
    expect(classifyResponseCode('00')).toBe('approved');
    expect(classifyResponseCode('n7')).toBe('issuer');
    expect(classifyResponseCode('ZZ')).toBe('unknown');
    expect(classifyResponseCode(undefined)).toBe('unknown');
    for (const [code, info] of Object.entries(RESPONSE_CODES)) {
      expect(code).toMatch(/^[0-9A-Z]{2}$/);
      expect(info.meaning.length).toBeGreaterThan(3);
    }
  });

  it('weights declines by who caused them; approvals always count fully', () => {
    const o = { issuerWeight: 0.2, ambiguousWeight: 0.7, unknownWeight: 0.9 };
    expect(blameWeight('51', false, o)).toBe(0.2);
    expect(blameWeight('91', false, o)).toBe(1);
    expect(blameWeight('05', false, o)).toBe(0.7);
    expect(blameWeight(undefined, false, o)).toBe(0.9);
    expect(blameWeight('00', false, o)).toBe(0.9);
    expect(blameWeight('51', true, o)).toBe(1);
    expect(blameWeight('51', false, NO_BLAME)).toBe(1);
    // default is off (see the blame experiment): every outcome counts fully unless the operator opts in
    expect(DEFAULT_BLAME).toEqual(NO_BLAME);
    expect(blameWeight('51', false)).toBe(1);
    expect(blameWeight('51', false, ISSUER_BLAME)).toBe(0.5);
  });

  it('validates options, naming the field', () => {
    expect(parseBlameOptions({ issuerWeight: 0.5 })).toEqual({ ...DEFAULT_BLAME, issuerWeight: 0.5 });
    expect(() => parseBlameOptions({ issuerWeight: 2 })).toThrow(InvalidConfigError);
    expect(() => parseBlameOptions({ issuerWieght: 0.5 })).toThrow(/blame.issuerWieght/);
  });
});
