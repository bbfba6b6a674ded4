/** Assertions shared by the header tests: a parse error naming its header, a build error. */
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SIPBuildError, SIPParseError } from '../../../src/sip/errors.js';

/** `fn` throws a SIPParseError for `header` (status 400, message prefixed by the header name). */
export function parseError(fn: () => unknown, header: string, re?: RegExp): SIPParseError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, SIPParseError);
    const err = e as SIPParseError;
    assert.is(err.header, header);
    assert.is(err.statusCode, 400);
    assert.ok(err.message.startsWith(`${header}: `), err.message);
    if (re) assert.match(err.message, re);
    return err;
  }
  assert.unreachable(`expected a SIPParseError for ${header}`);
  throw new Error('unreachable');
}

/** `fn` throws a SIPBuildError (whose message matches `re`, if given). */
export function buildError(fn: () => unknown, re?: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, SIPBuildError);
    if (re) assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected a SIPBuildError');
}

/**
 * Hostile inputs for a header parser: binary strings, arbitrary UTF-16 (lone surrogates too),
 * broken UTF-8, and runs of the grammar's own pieces.
 */
export function hostileValues(pieces: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 }).map((a) => String.fromCharCode(...a)),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('utf8')),
    fc.string({ unit: fc.constantFrom(...pieces), maxLength: 40 }),
  );
}

/** Run `fn`; anything thrown must be a SIPParseError (400) naming `header`. */
export function onlyParseErrors(fn: () => unknown, header: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SIPParseError) || e.statusCode !== 400 || e.header !== header) throw e;
  }
}
