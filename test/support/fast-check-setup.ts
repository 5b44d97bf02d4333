/**
 * fast-check for every test file (vitest `setupFiles`): an arbitrary given a `maxLength` explores lengths
 * up to it. By default fast-check's size is "small" whatever the bound, so `fc.array(op, { maxLength:
 * 3000 })` generated at most 10 items and a property claiming long histories never saw one.
 */
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), defaultSizeToMaxWhenMaxSpecified: true });
