import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { StreamFramer, FramingError, type Frame } from '../../src/sip/framing.js';
import { SIPParseError } from '../../src/sip/errors.js';

const CORPUS = '/work/shared/corpus/torture';

/** A SIP message with a correct Content-Length; `extra` header lines go before it. */
function message(body: Buffer | string = '', extra: string[] = [], method = 'MESSAGE'): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head =
    `${method} sip:bob@example.com SIP/2.0\r\n` +
    'Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK776asdhds\r\n' +
    'Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710\r\nCSeq: 1 ' + method + '\r\n' +
    extra.map((l) => l + '\r\n').join('') +
    `Content-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

function kinds(frames: Frame[]): string[] {
  return frames.map((f) => f.kind);
}

function datas(frames: Frame[]): Buffer[] {
  const out: Buffer[] = [];
  for (const f of frames) if (f.kind === 'message') out.push(f.data);
  return out;
}

function feedBytes(framer: StreamFramer, data: Buffer): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i < data.length; i++) out.push(...framer.push(data.subarray(i, i + 1)));
  return out;
}

function throwsParse(fn: () => unknown, pattern: RegExp): SIPParseError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, SIPParseError);
    assert.match((e as Error).message, pattern);
    return e as SIPParseError;
  }
  assert.unreachable('expected a SIPParseError');
  throw new Error('unreachable');
}

test('back-to-back messages with and without bodies, one chunk', () => {
  const a = message('');
  const b = message('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n\r\n\r\n', ['Content-Type: application/sdp'], 'INVITE');
  const c = message(Buffer.from([0, 13, 10, 13, 10, 255, 0]));
  const f = new StreamFramer();
  const frames = f.push(Buffer.concat([a, b, c]));
  assert.equal(kinds(frames), ['message', 'message', 'message']);
  const [x, y, z] = datas(frames);
  assert.ok(x.equals(a));
  assert.ok(y.equals(b));
  assert.ok(z.equals(c));
  assert.is(f.buffered, 0);
});

test('a message split anywhere completes once, on its last octet', () => {
  const m = message('hello\r\n\r\nworld');
  for (let cut = 1; cut < m.length; cut++) {
    const f = new StreamFramer();
    assert.equal(f.push(m.subarray(0, cut)), []);
    assert.is(f.buffered, cut);
    const frames = f.push(m.subarray(cut));
    assert.is(frames.length, 1);
    assert.ok(datas(frames)[0].equals(m));
    assert.is(f.buffered, 0);
  }
});

test('keep-alives: ping, pong, before and between messages (RFC 5626 §3.5.1, RFC 3261 §7.5)', () => {
  const m = message('x');
  const f = new StreamFramer();
  const frames = f.push(Buffer.concat([Buffer.from('\r\n\r\n'), Buffer.from('\r\n'), m, Buffer.from('\r\n\r\n\r\n'), m, Buffer.from('\r\n'), m]));
  assert.equal(kinds(frames), ['ping', 'pong', 'message', 'ping', 'pong', 'message', 'pong', 'message']);
  assert.is(f.buffered, 0);
});

test('a lone CRLF waits for the next octet before it is called a pong', () => {
  const f = new StreamFramer();
  assert.equal(f.push(Buffer.from('\r\n')), []);
  assert.is(f.buffered, 2);
  // Next octet starts a message: the CRLF was a pong.
  assert.equal(kinds(f.push(Buffer.from('O'))), ['pong']);
  assert.is(f.buffered, 1);

  const g = new StreamFramer();
  assert.equal(g.push(Buffer.from('\r\n')), []);
  assert.equal(g.push(Buffer.from('\r')), []); // CR LF CR: still undecided
  assert.equal(kinds(g.push(Buffer.from('\n'))), ['ping']);
  assert.is(g.buffered, 0);

  // CR LF then CR LF again split over two pushes is one ping, not two pongs.
  const h = new StreamFramer();
  assert.equal(h.push(Buffer.from('\r\n')), []);
  assert.equal(kinds(h.push(Buffer.from('\r\n'))), ['ping']);

  // CR LF CR followed by something other than LF: the CR LF was a pong.
  const k = new StreamFramer();
  assert.equal(kinds(k.push(Buffer.from('\r\n\rX'))), ['pong']);
  assert.is(k.buffered, 2);
});

test('pongsOnly: a client reports each CRLF at once (RFC 5626 §4.4.1)', () => {
  const f = new StreamFramer({ pongsOnly: true });
  assert.equal(kinds(f.push(Buffer.from('\r\n'))), ['pong']);
  assert.is(f.buffered, 0);
  assert.equal(kinds(f.push(Buffer.from('\r'))), []);
  assert.equal(kinds(f.push(Buffer.from('\n\r\n'))), ['pong', 'pong']);
  const m = message('body');
  assert.equal(kinds(f.push(Buffer.concat([m, Buffer.from('\r\n')]))), ['message', 'pong']);
});

test('bare LFs between messages are skipped, not keep-alives', () => {
  const m = message('');
  const f = new StreamFramer();
  assert.equal(kinds(f.push(Buffer.concat([Buffer.from('\n\n'), m, Buffer.from('\n'), m]))), ['message', 'message']);
  assert.is(f.buffered, 0);
});

test('Content-Length spellings: compact, any case, space before colon, leading zeros, folded', () => {
  const body = Buffer.from('0123456789ab');
  const head = (cl: string) => Buffer.from(`OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n${cl}\r\nCSeq: 1 OPTIONS\r\n\r\n`);
  for (const cl of ['Content-Length: 12', 'l: 12', 'CONTENT-length:12', 'Content-Length :  12', 'content-length\t:\t0012', 'L: 000000000000000000000012', 'Content-Length:\r\n  12', 'Content-Length: 12   ']) {
    const m = Buffer.concat([head(cl), body]);
    const frames = new StreamFramer().push(Buffer.concat([m, message('')]));
    assert.is(frames.length, 2, cl);
    assert.ok(datas(frames)[0].equals(m), cl);
  }
});

test('the start-line and other headers cannot fake a Content-Length', () => {
  const m = Buffer.from('INVITE sip:l:5@example.com;Content-Length:99 SIP/2.0\r\nSubject: Content-Length: 50\r\nX-l: 7\r\nl: 3\r\n\r\nabc');
  const frames = new StreamFramer().push(m);
  assert.is(frames.length, 1);
  assert.ok(datas(frames)[0].equals(m));
});

test('bare-LF line ends: the header section ends at LF LF', () => {
  const m = Buffer.from('SIP/2.0 200 OK\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\nContent-Length: 4\n\n\r\n\r\n');
  const frames = new StreamFramer().push(Buffer.concat([m, m]));
  assert.equal(kinds(frames), ['message', 'message']);
  assert.ok(datas(frames)[1].equals(m));
});

test('RFC 4475 and RFC 5118 torture messages with a consistent Content-Length frame exactly', () => {
  const manifest = JSON.parse(readFileSync(`${CORPUS}/manifest.json`, 'utf8')) as {
    entries: { file: string; derived_by_tolerant_parse?: { content_length_header?: unknown; octets_after_header_section?: number } }[];
  };
  const picked: Buffer[] = [];
  for (const e of manifest.entries) {
    const d = e.derived_by_tolerant_parse;
    const cl = d?.content_length_header;
    if (typeof cl !== 'string' || !/^\d+$/.test(cl) || Number(cl) !== d?.octets_after_header_section) continue;
    const data = readFileSync(`${CORPUS}/${e.file}`);
    if (data.indexOf('\r\n\r\n') < 0 && data.indexOf('\n\n') < 0) continue; // no empty line (baddn)
    picked.push(data);
  }
  assert.ok(picked.length >= 40, `picked ${picked.length}`);
  const stream = Buffer.concat(picked.flatMap((p) => [p, Buffer.from('\r\n\r\n')]));
  const framer = new StreamFramer();
  const frames: Frame[] = [];
  for (let i = 0; i < stream.length; i += 7) frames.push(...framer.push(stream.subarray(i, i + 7)));
  const got = datas(frames);
  assert.is(got.length, picked.length);
  got.forEach((g, i) => assert.ok(g.equals(picked[i]), `message ${i}`));
  assert.is(frames.filter((f) => f.kind === 'ping').length, picked.length);
});

test('RFC 4475 mcl01 (conflicting) and ncl (negative) are refused with salvage for the 400', () => {
  const mcl = throwsParse(() => new StreamFramer().push(readFileSync(`${CORPUS}/mcl01.dat`)), /conflicting Content-Length/);
  assert.is(mcl.statusCode, 400);
  assert.is(mcl.header, 'Content-Length');
  assert.is(mcl.salvage?.callId, 'mcl01.fhn2323orihawfdoa3o4r52o3irsdf');
  assert.is(mcl.salvage?.cseq, '15932 OPTIONS');
  const ncl = throwsParse(() => new StreamFramer().push(readFileSync(`${CORPUS}/ncl.dat`)), /negative Content-Length/);
  assert.is(ncl.statusCode, 400);
  assert.equal(ncl.salvage?.via, ['SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw']);
});

test('Content-Length errors: missing, negative, non-numeric, conflicting; identical duplicates pass', () => {
  const base = 'INVITE sip:a@example.com SIP/2.0\r\nCSeq: 1 INVITE\r\n';
  const cases: [string, RegExp][] = [
    ['', /mandatory on stream transports/],
    ['Content-Length: -5\r\n', /negative/],
    ['Content-Length: 5x\r\n', /malformed/],
    ['Content-Length: \r\n', /malformed/],
    ['Content-Length: 0x10\r\n', /malformed/],
    ['Content-Length: 5, 5\r\n', /malformed/],
    ['Content-Length: 5\r\nl: 6\r\n', /conflicting/],
  ];
  for (const [cl, re] of cases) {
    const e = throwsParse(() => new StreamFramer().push(Buffer.from(base + cl + '\r\nhello')), re);
    assert.is(e.statusCode, 400, cl);
    assert.is(e.header, 'Content-Length');
    assert.is(e.salvage, undefined); // no Via/From/To/Call-ID here
  }
  const dup = Buffer.from(base + 'Content-Length: 5\r\nl: 005\r\n\r\nhello');
  assert.equal(kinds(new StreamFramer().push(dup)), ['message']);
  // A response that cannot be framed is not answered (no statusCode).
  const resp = throwsParse(() => new StreamFramer().push(Buffer.from('SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n')), /mandatory/);
  assert.is(resp.statusCode, undefined);
});

test('size limits: header section and body', () => {
  const f = new StreamFramer({ maxHeaderBytes: 100 });
  const long = Buffer.from('OPTIONS sip:a@example.com SIP/2.0\r\nX: ' + 'a'.repeat(200));
  const e = throwsParse(() => f.push(long), /header section longer than 100/);
  assert.is(e.statusCode, 513);
  // Over the limit with its end in the same chunk: refused too (independent of chunking).
  const ended = Buffer.from('OPTIONS sip:a@example.com SIP/2.0\r\nX: ' + 'a'.repeat(80) + '\r\nl: 0\r\n\r\n');
  throwsParse(() => new StreamFramer({ maxHeaderBytes: 100 }).push(ended), /exceeds 100/);
  throwsParse(() => feedBytes(new StreamFramer({ maxHeaderBytes: 100 }), ended), /header section/);
  // Exactly at the limit is fine.
  const exact = Buffer.from('OPTIONS sip:a@example.com SIP/2.0\r\nl: 0\r\n\r\n');
  assert.equal(kinds(new StreamFramer({ maxHeaderBytes: exact.length }).push(exact)), ['message']);
  throwsParse(() => new StreamFramer({ maxHeaderBytes: exact.length - 1 }).push(exact), /exceeds/);

  const big = throwsParse(() => new StreamFramer({ maxBodyBytes: 1000 }).push(message(Buffer.alloc(1001))), /exceeds 1000/);
  assert.is(big.statusCode, 513);
  assert.is(big.salvage?.callId, 'a84b4c76e66710');
  assert.equal(kinds(new StreamFramer({ maxBodyBytes: 1000 }).push(message(Buffer.alloc(1000)))), ['message']);
  throwsParse(() => new StreamFramer().push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nl: 99999999999999999999999999\r\n\r\n')), /exceeds/);
  // Default: 4 MiB.
  throwsParse(() => new StreamFramer().push(Buffer.from(`OPTIONS sip:a SIP/2.0\r\nl: ${4 * 1024 * 1024 + 1}\r\n\r\n`)), /exceeds/);
});

test('after an error the framer refuses input until reset; frames before the error are kept', () => {
  const good = message('ok');
  const f = new StreamFramer();
  let err: unknown;
  try {
    f.push(Buffer.concat([Buffer.from('\r\n\r\n'), good, Buffer.from('OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n')]));
  } catch (e) {
    err = e;
  }
  assert.instance(err, FramingError);
  assert.instance(err, SIPParseError);
  const fe = err as FramingError;
  assert.equal(kinds([...fe.frames]), ['ping', 'message']);
  assert.ok(datas([...fe.frames])[0].equals(good));
  throwsParse(() => f.push(good), /unusable/);
  f.reset();
  assert.is(f.buffered, 0);
  assert.equal(kinds(f.push(good)), ['message']);
});

test('frames do not alias the caller chunk or the internal buffer', () => {
  const m1 = message('first body');
  const m2 = message('second!!!!');
  const stream = Buffer.concat([m1, m2, m1]);
  const f = new StreamFramer();
  const chunk = Buffer.alloc(5);
  const got: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 5) {
    const n = stream.copy(chunk, 0, i, i + 5);
    got.push(...datas(f.push(chunk.subarray(0, n))));
    chunk.fill(0x41); // the caller reuses and scribbles over its buffer
  }
  assert.is(got.length, 3);
  assert.ok(got[0].equals(m1));
  assert.ok(got[1].equals(m2));
  assert.ok(got[2].equals(m1));
  // A whole message in one chunk is copied out too.
  const whole = Buffer.from(m1);
  const [d] = datas(new StreamFramer().push(whole));
  whole.fill(0);
  assert.ok(d.equals(m1));
});

/** Arbitrary messages: binary bodies rich in CR, LF and CRLFCRLF, assorted Content-Length spellings. */
const arbMessage = fc
  .record({
    body: fc.array(fc.oneof(fc.constantFrom(Buffer.from('\r\n\r\n'), Buffer.from('\r\n'), Buffer.from('\n\n'), Buffer.from('\r')), fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u))), { maxLength: 8 }),
    clName: fc.constantFrom('Content-Length', 'l', 'content-length', 'L', 'Content-Length '),
    zeros: fc.nat(3),
    response: fc.boolean(),
    fold: fc.boolean(),
  })
  .map(({ body, clName, zeros, response, fold }) => {
    const b = Buffer.concat(body);
    const start = response ? 'SIP/2.0 200 OK' : 'MESSAGE sip:bob@example.com SIP/2.0';
    const value = '0'.repeat(zeros) + String(b.length);
    const head = `${start}\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK9\r\nSubject: x${fold ? '\r\n y' : ''}\r\n${clName}:${fold ? '\r\n\t' : ' '}${value}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), b]);
  });

test('property: any chunking of a stream gives the same frames as one piece', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(5), arbMessage), { minLength: 1, maxLength: 8 }),
      fc.nat(5),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }),
      (items, trailing, sizes) => {
        const pieces: Buffer[] = [];
        const expected: string[] = [];
        for (const [crlfs, m] of items) {
          // k CRLFs between messages: floor(k/2) pings, then a pong if k is odd.
          pieces.push(Buffer.from('\r\n'.repeat(crlfs)));
          for (let i = 0; i < crlfs >> 1; i++) expected.push('ping');
          if (crlfs & 1) expected.push('pong');
          pieces.push(m);
          expected.push('message');
        }
        pieces.push(Buffer.from('\r\n'.repeat(trailing)));
        for (let i = 0; i < trailing >> 1; i++) expected.push('ping');
        const stream = Buffer.concat(pieces);

        const whole = new StreamFramer();
        const one = whole.push(stream);
        const chunked = new StreamFramer();
        const many: Frame[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = sizes[i % sizes.length];
          many.push(...chunked.push(stream.subarray(pos, pos + n)));
          pos += n;
        }
        assert.equal(kinds(one), expected);
        assert.equal(kinds(many), expected);
        const a = datas(one);
        const b = datas(many);
        assert.is(b.length, items.length);
        items.forEach(([, m], i) => {
          assert.ok(a[i].equals(m));
          assert.ok(b[i].equals(m));
        });
        // A trailing odd CRLF stays pending in both.
        assert.is(whole.buffered, (trailing & 1) * 2);
        assert.is(chunked.buffered, whole.buffered);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: errors do not depend on chunking either', () => {
  const bad = fc.constantFrom('l: -3', 'l: 3\r\nContent-Length: 4', 'X: y', 'l: abc');
  fc.assert(
    fc.property(arbMessage, bad, fc.integer({ min: 1, max: 9 }), (good, cl, size) => {
      const stream = Buffer.concat([good, Buffer.from(`OPTIONS sip:a SIP/2.0\r\n${cl}\r\n\r\nabcd`)]);
      const outcome = (step: number): { frames: string[]; message: string } => {
        const f = new StreamFramer();
        const frames: Frame[] = [];
        try {
          for (let i = 0; i < stream.length; i += step) frames.push(...f.push(stream.subarray(i, i + step)));
        } catch (e) {
          if (!(e instanceof FramingError)) throw e;
          return { frames: kinds([...frames, ...e.frames]), message: e.message };
        }
        return { frames: kinds(frames), message: '' };
      };
      const whole = outcome(stream.length);
      assert.equal(outcome(size), whole);
      assert.equal(whole.frames, ['message']);
      assert.ok(whole.message.length > 0);
    }),
    { numRuns: 200 },
  );
});

test('10 MB fed one byte at a time completes (linear time)', () => {
  const bodies = [Buffer.alloc(0), Buffer.alloc(300, 0x61), Buffer.from('v=0\r\n\r\n'.repeat(40)), Buffer.alloc(2000, 0x0d)];
  const msgs = bodies.map((b) => message(b));
  const pieces: Buffer[] = [];
  let size = 0;
  let count = 0;
  while (size < 10 * 1024 * 1024) {
    const m = msgs[count % msgs.length];
    pieces.push(m);
    size += m.length;
    count++;
    if (count % 50 === 0) {
      pieces.push(Buffer.from('\r\n\r\n'));
      size += 4;
    }
  }
  const stream = Buffer.concat(pieces);
  const f = new StreamFramer();
  const one = Buffer.alloc(1);
  let messages = 0;
  let pings = 0;
  let bytes = 0;
  for (let i = 0; i < stream.length; i++) {
    one[0] = stream[i]; // one reused buffer: also checks that nothing keeps a reference to it
    const frames = f.push(one);
    for (let j = 0; j < frames.length; j++) {
      const fr = frames[j];
      if (fr.kind === 'message') {
        if (!fr.data.equals(msgs[messages % msgs.length])) assert.unreachable(`message ${messages} differs`);
        messages++;
        bytes += fr.data.length;
      } else if (fr.kind === 'ping') pings++;
    }
  }
  assert.is(messages, count);
  assert.is(pings, Math.floor(count / 50));
  assert.is(bytes + pings * 4, stream.length);
  assert.is(f.buffered, 0);
});

test.run();
