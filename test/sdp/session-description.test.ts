/** SDP parsing and writing (RFC 4566) on sdp-transform: valid bodies, IPv6, hostile input. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  MAX_SDP_LENGTH,
  SDPError,
  mediaConnection,
  mediaDirection,
  parseSDP,
  writeSDP,
} from '../../src/sdp/index.js';

const crlf = (lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

// RFC 3264 §10.1, Alice's offer.
const aliceOffer = crlf([
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 host.anywhere.com',
  's=',
  'c=IN IP4 host.anywhere.com',
  't=0 0',
  'm=audio 49170 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  'm=video 51372 RTP/AVP 31',
  'a=rtpmap:31 H261/90000',
  'm=video 53000 RTP/AVP 32',
  'a=rtpmap:32 MPV/90000',
]);

function outcome(text: string): 'ok' | SDPError {
  try {
    parseSDP(text);
    return 'ok';
  } catch (e) {
    if (e instanceof SDPError) return e;
    throw new Error(`non-SDPError thrown: ${(e as Error)?.stack ?? String(e)}`);
  }
}

function refused(text: string, why: string): SDPError {
  const r = outcome(text);
  assert.ok(r !== 'ok', `${why}: should be refused`);
  return r as SDPError;
}

test('parses the RFC 3264 §10.1 offer into the sdp-transform shape', () => {
  const d = parseSDP(aliceOffer);
  assert.is(d.version, 0);
  assert.is(d.origin.username, 'alice');
  assert.is(d.origin.sessionVersion, 2890844526);
  assert.equal(d.connection, { version: 4, ip: 'host.anywhere.com' });
  assert.equal(d.timing, { start: 0, stop: 0 });
  assert.equal(d.media.map((m) => [m.type, m.port, m.protocol, m.payloads]), [
    ['audio', 49170, 'RTP/AVP', '0'],
    ['video', 51372, 'RTP/AVP', '31'],
    ['video', 53000, 'RTP/AVP', '32'],
  ]);
  assert.equal(d.media[1].rtp, [{ payload: 31, codec: 'H261', rate: 90000 }]);
  assert.is(mediaDirection(d, d.media[0]), 'sendrecv');
});

test('writeSDP round-trips byte for byte with CRLF line ends', () => {
  assert.is(writeSDP(parseSDP(aliceOffer)), aliceOffer);
  const lf = aliceOffer.replace(/\r\n/g, '\n');
  const written = writeSDP(parseSDP(lf));
  assert.is(written, aliceOffer);
  assert.not.ok(/[^\r]\n/.test(written));
});

test('huge session ids survive a round trip as strings', () => {
  const text = aliceOffer.replace('o=alice 2890844526', 'o=alice 123456789012345678901234');
  const d = parseSDP(text);
  assert.is(String(d.origin.sessionId), '123456789012345678901234');
  assert.ok(writeSDP(d).includes('o=alice 123456789012345678901234 2890844526 IN IP4'));
});

test('IPv6 (RFC 4475 / RFC 5118 style IN IP6) at session and media level', () => {
  const text = crlf([
    'v=0',
    'o=assistant 971731711378798081 0 IN IP6 2001:db8::20',
    's=Live video feed',
    'c=IN IP6 2001:db8::20',
    't=0 0',
    'm=audio 6000 RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'm=audio 6002 RTP/AVP 8',
    'c=IN IP6 2001:db8::21',
    'a=rtcp:7003 IN IP6 2001:db8::22',
    'a=sendonly',
  ]);
  const d = parseSDP(text);
  assert.is(d.origin.ipVer, 6);
  assert.equal(mediaConnection(d, d.media[0]), { version: 6, ip: '2001:db8::20' });
  assert.equal(mediaConnection(d, d.media[1]), { version: 6, ip: '2001:db8::21' });
  assert.equal(d.media[1].rtcp, { port: 7003, netType: 'IN', ipVer: 6, address: '2001:db8::22' });
  assert.is(mediaDirection(d, d.media[1]), 'sendonly');
  assert.equal(d.media[0].fmtp, [{ payload: 101, config: '0-16' }]);
  assert.is(writeSDP(d), text);
});

test('c= may be on every m= line instead of the session; port-0 lines need none', () => {
  const text = crlf([
    'v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0',
    'm=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.1',
    'm=video 0 RTP/AVP 31',
  ]);
  assert.is(outcome(text), 'ok');
  const missing = text.replace('c=IN IP4 192.0.2.1\r\n', '');
  assert.match(refused(missing, 'no c=').message, /c= line/);
  const secondMissing = text.replace('m=video 0', 'm=video 5000');
  assert.match(refused(secondMissing, 'c= missing on one m=').message, /c= line/);
});

test('missing and malformed mandatory lines are SDPErrors', () => {
  const lines = aliceOffer.split('\r\n').filter((l) => l !== '');
  const without = (prefix: string): string => crlf(lines.filter((l) => !l.startsWith(prefix)));
  const replaced = (from: string, to: string): string => aliceOffer.replace(from, to);
  const cases: [string, string][] = [
    ['', 'empty'],
    ['\r\n\r\n', 'blank'],
    [without('v='), 'no v='],
    [replaced('v=0', 'v=1'), 'v=1'],
    [without('o='), 'no o='],
    [without('s='), 'no s='],
    [without('t='), 'no t='],
    [without('c='), 'no c='],
    [replaced('o=alice 2890844526 2890844526 IN IP4', 'o=alice 2890844526 IN IP4'), 'short o='],
    [replaced('o=alice 2890844526 2890844526', 'o=alice 2890844526 99999999999999999999'), 'huge version'],
    [replaced('c=IN IP4 host.anywhere.com', 'c=IN IP5 host'), 'IP5'],
    [replaced('c=IN IP4 host.anywhere.com', 'c=IN IP4'), 'c= without address'],
    [replaced('t=0 0', 't=now'), 'bad t='],
    [replaced('m=audio 49170', 'm=audio 70000'), 'port too big'],
    [replaced('m=audio 49170', 'm=audio -1'), 'negative port'],
    [replaced('m=audio 49170', 'm=audio x'), 'non-numeric port'],
    [replaced('m=audio 49170 RTP/AVP 0', 'm=audio 49170 RTP/AVP'), 'no formats'],
    [replaced('m=audio 49170 RTP/AVP 0', 'm=audio 49170 RTP/AVP 200'), 'payload type > 127'],
    [replaced('m=audio 49170 RTP/AVP 0', 'm=audio 49170 RTP/AVP PCMU'), 'payload type not a number'],
    [replaced('m=audio 49170', 'm=audio 49170/0'), 'zero port count'],
    [replaced('a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000\r\na=rtcp:99999'), 'RTCP port too big'],
    [replaced('a=rtpmap:0 PCMU/8000', 'a=rtpmap:300 PCMU/8000'), 'rtpmap payload type'],
    [replaced('s=', 's=a\x00b'), 'NUL'],
    [replaced('s=\r\n', 's=\rx\r\n'), 'bare CR'],
    [replaced('s=', 'hello'), 'not a type=value line'],
    [replaced('t=0 0', 'v=0\r\nt=0 0'), 'repeated v='],
    [aliceOffer + 'o=x 1 1 IN IP4 h\r\n', 'repeated o='],
    [crlf(['v=0', 'o=- 1 1 IN IP4 h', 's=-', 'c=IN IP4 h', 'm=audio 1 RTP/AVP 0', 't=0 0']), 'm= before t='],
  ];
  for (const [text, why] of cases) refused(text, why);
});

test('size limits: huge bodies, too many lines, too many m= lines', () => {
  refused(aliceOffer + 'a=x:' + 'y'.repeat(MAX_SDP_LENGTH) + '\r\n', 'huge');
  refused(aliceOffer + 'a=sendrecv\r\n'.repeat(3000), 'many lines');
  refused(aliceOffer + 'm=audio 1 RTP/AVP 0\r\n'.repeat(100), 'many m=');
  refused(undefined as unknown as string, 'not a string');
  const t0 = Date.now();
  refused('v=0\r\n' + 'o='.repeat(30000), 'long line');
  assert.ok(Date.now() - t0 < 500, 'linear time');
});

test('writeSDP refuses values that would inject lines, and bad ports', () => {
  const d = parseSDP(aliceOffer);
  d.name = 'x\r\na=inject';
  assert.throws(() => writeSDP(d), (e: unknown) => e instanceof SDPError);
  const p = parseSDP(aliceOffer);
  p.media[0].port = 65536;
  assert.throws(() => writeSDP(p), (e: unknown) => e instanceof SDPError);
  const v = parseSDP(aliceOffer);
  v.origin.sessionVersion = Number.NaN;
  assert.throws(() => writeSDP(v), (e: unknown) => e instanceof SDPError);
});

test('fast-check: random text never throws anything but SDPError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      outcome(s);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('v=0', 'o=- 1 1 IN IP4 a', 'o=', 's=-', 't=0 0', 'c=IN IP4 1.2.3.4', 'c=IN IP6 ::1', 'm=audio 1 RTP/AVP 0', 'm=audio 0 TCP/MSRP *', 'm=', 'a=rtcp:', 'a=rtpmap:0', 'a=fmtp:x', 'a=sendonly', 'b=AS:x', 'x'), { maxLength: 20 }), (ls) => {
      const r = outcome(crlf(ls));
      if (r === 'ok') {
        // whatever parses must also write and re-parse
        parseSDP(writeSDP(parseSDP(crlf(ls))));
      }
    }),
    { numRuns: 3000 },
  );
});

test('fast-check: mutations of a valid SDP never throw anything but SDPError', () => {
  fc.assert(
    fc.property(fc.nat(aliceOffer.length), fc.nat(20), fc.string({ maxLength: 20 }), (at, cut, insert) => {
      const mutated = aliceOffer.slice(0, at) + insert + aliceOffer.slice(at + cut);
      const r = outcome(mutated);
      if (r === 'ok') assert.type(writeSDP(parseSDP(mutated)), 'string');
    }),
    { numRuns: 3000 },
  );
});

const TORTURE = fileURLToPath(new URL('../fixtures/torture/', import.meta.url));

/** The SDP body of a torture message: from v=0 to the end or to a multipart boundary. */
function sdpBody(file: string): string | undefined {
  const text = readFileSync(TORTURE + file, 'latin1');
  const start = text.search(/(^|\n)v=0\r?\n/);
  if (start < 0) return undefined;
  const body = text.slice(text.indexOf('v=0', start));
  const end = body.search(/\r?\n--/);
  return end < 0 ? body : body.slice(0, end + 2);
}

test('RFC 4475 / RFC 5118 torture messages: SDP bodies parse or fail with SDPError only', () => {
  const files = [...readdirSync(TORTURE).filter((f) => f.endsWith('.dat')), ...readdirSync(TORTURE + 'ipv6').map((f) => `ipv6/${f}`)];
  let parsed = 0;
  for (const f of files) {
    const body = sdpBody(f);
    if (body === undefined) continue;
    if (outcome(body) === 'ok') parsed++;
  }
  assert.ok(parsed >= 15, `parsed ${parsed}`);
  for (const f of ['sdp01.dat', 'inv2543.dat', 'ipv6/ipv6-in-sdp.dat', 'ipv6/mult-ip-in-sdp.dat', 'ipv6/ipv4-mapped-ipv6.dat']) {
    assert.is(outcome(sdpBody(f) as string), 'ok', f);
  }
  // RFC 5118 §4.6: IPv6 addresses in the SDP body.
  const v6 = parseSDP(sdpBody('ipv6/ipv6-in-sdp.dat') as string);
  assert.equal([v6.origin.ipVer, v6.origin.address, String(v6.origin.sessionId)], [6, '2001:db8::20', '971731711378798081']);
  assert.equal(v6.connection, { version: 6, ip: '2001:db8::20' });
  assert.equal(v6.timing, { start: 3338481189, stop: 3370017201 });
  // RFC 5118 §4.8: one IPv4 and one IPv6 stream, c= per m= line.
  const mixed = parseSDP(sdpBody('ipv6/mult-ip-in-sdp.dat') as string);
  assert.equal(mixed.media.map((m) => mediaConnection(mixed, m)), [{ version: 4, ip: '192.0.2.1' }, { version: 6, ip: '2001:db8::1' }]);
  // RFC 5118 §4.9: IPv4-mapped IPv6 address.
  assert.is(parseSDP(sdpBody('ipv6/ipv4-mapped-ipv6.dat') as string).connection?.ip, '::ffff:192.0.2.2');
});

test.run();
