// application/simple-message-summary (RFC 3842 §5): parser and builder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  MAX_MESSAGE_SUMMARY_LENGTH,
  MESSAGE_CONTEXT_CLASSES,
  type MessageSummary,
  formatMessageSummary,
  parseMessageSummary,
} from '../../src/sip/message-summary.js';
import { SIPBuildError, SIPParseError } from '../../src/sip/errors.js';

const crlf = (...lines: string[]) => lines.map((l) => `${l}\r\n`).join('');

function throwsParse(body: string | Buffer, pattern: RegExp, header?: string): SIPParseError {
  try {
    parseMessageSummary(body);
  } catch (e) {
    assert.instance(e, SIPParseError);
    assert.match((e as Error).message, pattern);
    assert.is((e as SIPParseError).statusCode, 400);
    if (header) assert.is((e as SIPParseError).header, header);
    return e as SIPParseError;
  }
  assert.unreachable(`expected a SIPParseError matching ${pattern}`);
  throw new Error('unreachable');
}

function throwsBuild(summary: MessageSummary, pattern: RegExp): void {
  try {
    formatMessageSummary(summary);
  } catch (e) {
    assert.instance(e, SIPBuildError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a SIPBuildError matching ${pattern}`);
}

// RFC 3842 §5.2's example body: the summary, then RFC 2822 style headers of the new messages
// (the summary lines and the first message's To/From/Subject as in the RFC; the other header
// values here are our own).
const RFC3842_5_2 = crlf(
  'Messages-Waiting: yes',
  'Message-Account: sip:alice@vmail.example.com',
  'Voice-Message: 4/8 (1/2)',
  '',
  'To: <alice@atlanta.example.com>',
  'From: <bob@biloxi.example.com>',
  'Subject: carpool tomorrow?',
  'Date: Sun, 09 May 2004 16:38:12 -0700',
  'Priority: normal',
  'Message-ID: 13784434989@vmail.example.com',
  '',
  'To: <alice@atlanta.example.com>',
  'From: <bob@biloxi.example.com>',
  'Subject: HELP! at home ill, need help getting ride',
  'Priority: urgent',
  'Message-ID: 13784434990@vmail.example.com',
);

test('RFC 3842 §5.2 example: summary, account, urgent counts and the optional message headers', () => {
  assert.equal(parseMessageSummary(RFC3842_5_2), {
    messagesWaiting: true,
    messageAccount: 'sip:alice@vmail.example.com',
    summaries: { 'voice-message': { new: 4, old: 8, newUrgent: 1, oldUrgent: 2 } },
    optionalHeaders: [
      ['To', '<alice@atlanta.example.com>'],
      ['From', '<bob@biloxi.example.com>'],
      ['Subject', 'carpool tomorrow?'],
      ['Date', 'Sun, 09 May 2004 16:38:12 -0700'],
      ['Priority', 'normal'],
      ['Message-ID', '13784434989@vmail.example.com'],
      ['To', '<alice@atlanta.example.com>'],
      ['From', '<bob@biloxi.example.com>'],
      ['Subject', 'HELP! at home ill, need help getting ride'],
      ['Priority', 'urgent'],
      ['Message-ID', '13784434990@vmail.example.com'],
    ],
  });
});

test('RFC 3842 §4 example NOTIFY body, and the boolean-only body of §3.5', () => {
  const body = Buffer.from(crlf('Messages-Waiting: yes', 'Message-Account: sip:alice@vmail.example.com', 'Voice-Message: 2/8 (0/2)'));
  assert.equal(parseMessageSummary(body), {
    messagesWaiting: true,
    messageAccount: 'sip:alice@vmail.example.com',
    summaries: { 'voice-message': { new: 2, old: 8, newUrgent: 0, oldUrgent: 2 } },
    optionalHeaders: [],
  });
  assert.equal(parseMessageSummary('Messages-Waiting: no\r\n'), { messagesWaiting: false, summaries: {}, optionalHeaders: [] });
});

test('names and yes/no are case-insensitive; every class; whitespace, LF-only lines and folding accepted', () => {
  const s = parseMessageSummary(
    [
      'messages-waiting:YES',
      'MESSAGE-ACCOUNT:   sips:vm@example.com;transport=tls',
      'voice-message: 3 / 5 ( 1 / 0 )',
      'Fax-Message: 0/1',
      'PAGER-MESSAGE: 2/0',
      'Multimedia-Message: 0/0',
      'Text-Message: 10/20',
      'None: 1/1',
      '',
      'Subject: a subject',
      '  folded on two lines',
      '',
    ].join('\n'),
  );
  assert.is(s.messagesWaiting, true);
  assert.is(s.messageAccount, 'sips:vm@example.com;transport=tls');
  assert.equal(Object.keys(s.summaries).sort(), [...MESSAGE_CONTEXT_CLASSES].sort());
  assert.equal(s.summaries['voice-message'], { new: 3, old: 5, newUrgent: 1, oldUrgent: 0 });
  assert.equal(s.summaries['text-message'], { new: 10, old: 20 });
  assert.equal(s.optionalHeaders, [['Subject', 'a subject folded on two lines']]);
  // the status line after the account; an unknown field before the blank line is kept, not lost
  const lax = parseMessageSummary('Message-Account: sip:vm@example.com\r\nMessages-Waiting: no\r\nX-Vendor: 7\r\n');
  assert.equal(lax, { messagesWaiting: false, messageAccount: 'sip:vm@example.com', summaries: {}, optionalHeaders: [['X-Vendor', '7']] });
  // the largest count RFC 3842 allows
  assert.equal(parseMessageSummary('Messages-Waiting: yes\r\nVoice-Message: 4294967295/0\r\n').summaries['voice-message'], { new: 4294967295, old: 0 });
});

test('malformed bodies: SIPParseError (400) naming the field', () => {
  throwsParse('', /no Messages-Waiting line/, 'Messages-Waiting');
  throwsParse('Voice-Message: 1/0\r\n', /no Messages-Waiting line/);
  throwsParse('Messages-Waiting: maybe\r\n', /"yes" or "no"/, 'Messages-Waiting');
  throwsParse('Messages-Waiting: yes\r\nMessages-Waiting: no\r\n', /given twice/, 'Messages-Waiting');
  throwsParse('Messages-Waiting: yes\r\nMessage-Account: not a uri\r\n', /bad account URI/, 'Message-Account');
  throwsParse('Messages-Waiting: yes\r\nMessage-Account:\r\n', /empty account URI/, 'Message-Account');
  throwsParse('Messages-Waiting: yes\r\nMessage-Account: sip:a@b\r\nMessage-Account: sip:c@d\r\n', /given twice/);
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: a/b\r\n', /number of messages/, 'Voice-Message');
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: 1/2/3\r\n', /"new\/old"/, 'Voice-Message');
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: 1\r\n', /"new\/old"/);
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: 1/-2\r\n', /number of messages/);
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: 4294967296/0\r\n', /2\^32-1/);
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: 1/0 (1/0\r\n', /must end with '\)'/);
  throwsParse('Messages-Waiting: yes\r\nVoice-Message: 1/0 (1)\r\n', /urgent messages/);
  throwsParse('Messages-Waiting: yes\r\nFax-Message: 1/0\r\nfax-message: 2/0\r\n', /Fax-Message given twice/, 'Fax-Message');
  throwsParse('Messages-Waiting: yes\r\nthis line has no colon\r\n', /not a "name: value" line/);
  throwsParse('Messages-Waiting: yes\r\nBad Name: x\r\n', /bad field name/);
  throwsParse('Messages-Waiting: yes\r\n\r\nSubject: \u0000\r\n', /control character 0x00/);
  throwsParse('  folded: first\r\nMessages-Waiting: yes\r\n', /continuation line/);
  throwsParse('Messages-Waiting: yes\r\n'.padEnd(MAX_MESSAGE_SUMMARY_LENGTH + 1, 'x'), /longer than/);
  const offset = throwsParse('Messages-Waiting: yes\r\nVoice-Message: x/1\r\n', /number/);
  assert.is(offset.offset, 23, 'the offset of the offending line');
  throwsParse(42 as unknown as string, /string or a Buffer/);
});

test('hostile input: nothing but SIPParseError, whatever the bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        parseMessageSummary(Buffer.from(bytes));
      } catch (e) {
        if (!(e instanceof SIPParseError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
  const lines = fc.array(
    fc.oneof(
      fc.constantFrom('Messages-Waiting: yes', 'Voice-Message: 1/2 (0/0)', 'Message-Account: sip:a@b', '', ' ', 'x', ':', 'Fax-Message: (/)'),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 12 },
  );
  fc.assert(
    fc.property(lines, fc.constantFrom('\r\n', '\n'), (ls, eol) => {
      try {
        parseMessageSummary(ls.join(eol));
      } catch (e) {
        if (!(e instanceof SIPParseError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
  // a long run of folds or blank lines stays linear
  const t0 = Date.now();
  assert.is(parseMessageSummary('Messages-Waiting: yes\r\nSubject: a\r\n' + ' b\r\n'.repeat(16000)).optionalHeaders[0]![1].length, 1 + 2 * 16000);
  parseMessageSummary('Messages-Waiting: yes\r\n' + '\r\n'.repeat(30000));
  assert.ok(Date.now() - t0 < 1000);
});

test('formatMessageSummary: canonical names, RFC 3458 order, urgent counts when given, optional headers after a blank line', () => {
  const text = formatMessageSummary({
    messagesWaiting: true,
    messageAccount: 'sip:alice@vmail.example.com',
    summaries: { 'text-message': { new: 1, old: 0 }, 'voice-message': { new: 4, old: 8, newUrgent: 1, oldUrgent: 2 }, none: { new: 0, old: 3, newUrgent: 1 } },
    optionalHeaders: [['Subject', 'carpool tomorrow?']],
  });
  assert.is(
    text,
    crlf(
      'Messages-Waiting: yes',
      'Message-Account: sip:alice@vmail.example.com',
      'Voice-Message: 4/8 (1/2)',
      'Text-Message: 1/0',
      'None: 0/3 (1/0)',
      '',
      'Subject: carpool tomorrow?',
    ),
  );
  assert.is(formatMessageSummary({ messagesWaiting: false, summaries: {}, optionalHeaders: [] }), 'Messages-Waiting: no\r\n');
  assert.equal(parseMessageSummary(formatMessageSummary(parseMessageSummary(RFC3842_5_2))), parseMessageSummary(RFC3842_5_2));
});

test('formatMessageSummary refuses what would not parse back (SIPBuildError)', () => {
  const base: MessageSummary = { messagesWaiting: true, summaries: {}, optionalHeaders: [] };
  throwsBuild({ ...base, summaries: { 'voice-message': { new: -1, old: 0 } } }, /new must be an integer/);
  throwsBuild({ ...base, summaries: { 'voice-message': { new: 1.5, old: 0 } } }, /new must be an integer/);
  throwsBuild({ ...base, summaries: { 'fax-message': { new: 0, old: 2 ** 32 } } }, /old must be an integer/);
  throwsBuild({ ...base, messageAccount: 'no uri' }, /not a URI/);
  throwsBuild({ ...base, optionalHeaders: [['Bad Name', 'x']] }, /bad header name/);
  throwsBuild({ ...base, optionalHeaders: [['Subject', 'a\r\nMessages-Waiting: no']] }, /control character/);
});

test('round trip: format then parse gives the summary back', () => {
  const count = fc.integer({ min: 0, max: 0xffffffff });
  const counts = fc.record({ new: count, old: count, newUrgent: count, oldUrgent: count }, { requiredKeys: ['new', 'old'] });
  const summaries = fc.dictionary(fc.constantFrom(...MESSAGE_CONTEXT_CLASSES), counts);
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
  const value = fc.stringMatching(/^[!-~]([ -~]{0,20}[!-~])?$/);
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.option(fc.constantFrom('sip:alice@vmail.example.com', 'sips:vm@[2001:db8::1]:5061', 'tel:+15551234567'), { nil: undefined }),
      summaries,
      fc.array(fc.tuple(token, value), { maxLength: 4 }),
      (messagesWaiting, messageAccount, sums, optionalHeaders) => {
        const summary: MessageSummary = { messagesWaiting, summaries: sums, optionalHeaders };
        if (messageAccount !== undefined) summary.messageAccount = messageAccount;
        const back = parseMessageSummary(formatMessageSummary(summary));
        const expected = { ...summary, summaries: Object.fromEntries(Object.entries(sums).map(([k, c]) => [k, c.newUrgent === undefined && c.oldUrgent === undefined ? { ...c } : { ...c, newUrgent: c.newUrgent ?? 0, oldUrgent: c.oldUrgent ?? 0 }])) };
        assert.equal(back, expected);
      },
    ),
    { numRuns: 500 },
  );
});

test.run();
