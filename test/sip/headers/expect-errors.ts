/** Assertions shared by the header tests: a parse error naming its header, a build error. */
import * as assert from 'uvu/assert';
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
