/** Hostile input: everything ends in a parsed message or a SIPParseError, in linear time. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseMessage, SIPParseError, validateMessage } from '../../src/index.js';

const good = Buffer.from(
  'INVITE sip:bob@127.0.0.1 SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;rport\r\n' +
    'From: "Al" <sip:alice@127.0.0.1>;tag=1\r\n' +
    'To: <sip:bob@127.0.0.1>\r\n' +
    'Call-ID: abc@127.0.0.1\r\n' +
    'CSeq: 1 INVITE\r\n' +
    'Contact: <sip:alice@127.0.0.1:5060>\r\n' +
    'Max-Forwards: 70\r\n' +
    'Content-Type: application/sdp\r\n' +
    'Content-Length: 10\r\n\r\nv=0\r\no=x\r\n',
);

function outcome(data: Buffer | string): 'ok' | SIPParseError {
  try {
    const m = parseMessage(data);
    validateMessage(m);
    return 'ok';
  } catch (e) {
    if (e instanceof SIPParseError) return e;
    throw new Error(`non-SIPParseError thrown: ${(e as Error)?.stack ?? String(e)}`);
  }
}

function refused(data: Buffer | string, status: number | undefined, why: string): SIPParseError {
  const r = outcome(data);
  assert.ok(r !== 'ok', `${why}: should be refused`);
  const err = r as SIPParseError;
  assert.is(err.statusCode, status, `${why}: ${err.message}`);
  return err;
}

const replace = (from: string | RegExp, to: string): string => good.toString('latin1').replace(from, to);

test('every truncation of a valid message parses or is refused cleanly', () => {
  for (let i = 0; i <= good.length; i++) outcome(good.subarray(0, i));
});

test('Content-Length: negative, duplicate, overlong, too large, missing on a stream', () => {
  refused(replace('Content-Length: 10', 'Content-Length: -10'), 400, 'negative');
  refused(replace('Content-Length: 10', 'Content-Length: 10\r\nl: 10'), 400, 'duplicate');
  refused(replace('Content-Length: 10', 'Content-Length: 99999999999999999999'), 400, 'overlong');
  refused(replace('Content-Length: 10', 'Content-Length: 11'), 400, 'past the body');
  assert.is(outcome(replace('Content-Length: 10', 'Content-Length: 4')), 'ok');
  const noLength = replace('Content-Length: 10\r\n', '');
  assert.is(outcome(noLength), 'ok');
  try {
    parseMessage(noLength, { stream: true });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, SIPParseError);
  }
});

test('overlong numbers in CSeq, Max-Forwards, Expires, ports', () => {
  const e = refused(replace('CSeq: 1 INVITE', 'CSeq: 4294967296 INVITE'), 400, 'cseq overflow');
  assert.ok(e.salvage, 'salvage for the 400');
  refused(replace('CSeq: 1 INVITE', `CSeq: ${'9'.repeat(5000)} INVITE`), 400, 'huge cseq');
  refused(replace('Max-Forwards: 70', 'Max-Forwards: 256'), 400, 'max-forwards');
  refused(replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nExpires: 4294967296'), 400, 'expires');
  refused(replace('127.0.0.1:5060;branch', '127.0.0.1:65536;branch'), 400, 'via port');
});

test('broken UTF-8 in a display name gets a clear 400', () => {
  const bytes = Buffer.concat([Buffer.from(good.toString('latin1').split('"Al"')[0], 'latin1'), Buffer.from([0x22, 0xc3, 0x28, 0x22]), Buffer.from(good.toString('latin1').split('"Al"')[1], 'latin1')]);
  const err = refused(bytes, 400, 'bad utf-8');
  assert.match(err.message, /UTF-8/);
  // Valid UTF-8 is fine.
  assert.is(outcome(Buffer.from(good.toString('utf8').replace('"Al"', '"Ålice 大"'), 'utf8')), 'ok');
});

test('stray whitespace and line-end variants', () => {
  assert.is(outcome('\r\n\r\n' + good.toString()), 'ok', 'leading CRLFs (RFC 3261 §7.5)');
  const [head, body] = good.toString().split('\r\n\r\n');
  assert.is(outcome(head.replace(/\r\n/g, '\n') + '\n\n' + body), 'ok', 'bare LF');
  refused(replace('INVITE sip', 'INVITE  sip'), 400, 'double SP');
  refused(replace('SIP/2.0\r\n', 'SIP/2.0 \r\n'), 400, 'trailing SP');
  refused(replace('Via:', ' Via:'), 400, 'continuation first');
  refused(replace('Call-ID:', 'Call ID:'), 400, 'space in a header name');
  refused(replace('Call-ID: abc@127.0.0.1', 'Call-ID: abc def'), 400, 'space in Call-ID');
  refused(replace('To: <sip:bob@127.0.0.1>', 'To: < sip:bob@127.0.0.1>'), 400, 'space in brackets');
});

test('missing and repeated mandatory headers', () => {
  for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const text = good.toString('latin1').split('\r\n').filter((l) => !l.startsWith(h + ':')).join('\r\n');
    refused(text, 400, `missing ${h}`);
  }
  refused(replace('Call-ID: abc@127.0.0.1', 'Call-ID: abc@127.0.0.1\r\ni: other'), 400, 'two Call-IDs');
  const resp = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n';
  refused(resp, undefined, 'a response without To is dropped');
});

test('size limits refuse hostile input cheaply', () => {
  const many = good.toString('latin1').replace('Max-Forwards: 70', Array.from({ length: 1000 }, (_, i) => `X-${i}: y`).join('\r\n') + '\r\nMax-Forwards: 70');
  assert.is(refused(many, 513, 'header count').statusCode, 513);
  const longLine = replace('Max-Forwards: 70', `X-Long: ${'a'.repeat(20000)}\r\nMax-Forwards: 70`);
  refused(longLine, 513, 'line length');
  const huge = Buffer.alloc(2_000_000, 'a');
  const r = outcome(Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\nX: '), huge]));
  assert.ok(r !== 'ok');
});

test('no super-linear behaviour on pathological values', () => {
  const semis = ';'.repeat(50000);
  outcome(replace('To: <sip:bob@127.0.0.1>', `To: <sip:bob@127.0.0.1>${semis}`));
  outcome(replace('Contact: <sip:alice@127.0.0.1:5060>', `Contact: ${'<sip:a@b>,'.repeat(5000)}<sip:a@b>`));
  outcome(replace('Contact: <sip:alice@127.0.0.1:5060>', `Contact: "${'\\"'.repeat(20000)}`));
  outcome(replace('Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;rport', `Via: ${'SIP/2.0/UDP h,'.repeat(3000)}SIP/2.0/UDP h`));
  outcome(replace('To: <sip:bob@127.0.0.1>', `To: ${'a '.repeat(20000)}<sip:b@c>`));
});

test('property: random bytes never throw anything but SIPParseError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      outcome(Buffer.from(bytes));
    }),
    { numRuns: 2000 },
  );
});

test('property: random edits of a valid message never throw anything but SIPParseError', () => {
  const alphabet = fc.constantFrom(...' \t\r\n:;,<>"\\@[]=%/0123456789aZ\u00c3\u00ff'.split(''));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(good.length), fc.nat(3), fc.string({ unit: alphabet, maxLength: 4 })), { maxLength: 6 }), (edits) => {
      let s = good.toString('latin1');
      for (const [at, del, ins] of edits) s = s.slice(0, at) + ins + s.slice(at + del);
      const r = outcome(Buffer.from(s, 'latin1'));
      if (r === 'ok') {
        // Whatever was accepted must serialise and parse back.
        const m = parseMessage(Buffer.from(s, 'latin1'));
        parseMessage(m.toBuffer());
      }
    }),
    { numRuns: 3000 },
  );
});

test.run();
