/**
 * The benchmark corpus: ten realistic SIP messages, one basic call (INVITE, 180, 200, ACK, BYE),
 * a digest-authenticated registration (REGISTER, 401), presence (SUBSCRIBE, NOTIFY) and a page-mode
 * instant message (MESSAGE), as they would arrive at a UA behind a record-routing proxy.
 *
 * Every message is a string with CRLF line ends. Content-Length is computed from the body (all
 * bodies are ASCII, so octets and UTF-16 code units agree for every library). Addresses are
 * documentation addresses only (RFC 5737 192.0.2.0/24, 127.0.0.1, example.com).
 *
 * Call flow: alice (192.0.2.20) calls bob (192.0.2.30) through proxy 192.0.2.10, which
 * record-routes. Most messages are as the receiving UA sees them (the proxy's Via on top); the BYE
 * and the registration are as the proxy/registrar receives them (one Via; the BYE carries the
 * route set as Route).
 */

export interface CorpusMessage {
  /** Short label used in the report. */
  name: string;
  /** The message on the wire, CRLF line ends. */
  text: string;
}

const CRLF = '\r\n';

/** Header lines + body; Content-Length (last header) is the body's byte length. */
function message(lines: string[], body: string[] = []): string {
  const text = body.length ? body.join(CRLF) + CRLF : '';
  return [...lines, `Content-Length: ${Buffer.byteLength(text, 'utf8')}`, '', text].join(CRLF);
}

const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER, NOTIFY, SUBSCRIBE, MESSAGE';

const SDP_OFFER = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.20',
  's=-',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
];

const SDP_ANSWER = [
  'v=0',
  'o=bob 2808844564 2808844564 IN IP4 192.0.2.30',
  's=-',
  'c=IN IP4 192.0.2.30',
  't=0 0',
  'm=audio 3456 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
];

const PIDF = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<presence xmlns="urn:ietf:params:xml:ns:pidf"',
  '    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"',
  '    entity="sip:bob@example.com">',
  '  <tuple id="t8a9b2c4">',
  '    <status>',
  '      <basic>open</basic>',
  '    </status>',
  '    <contact priority="0.8">sip:bob@192.0.2.30:5060</contact>',
  '    <timestamp>2024-05-14T09:30:00Z</timestamp>',
  '  </tuple>',
  '  <dm:person id="p1">',
  '    <dm:note>Available</dm:note>',
  '  </dm:person>',
  '</presence>',
];

const CALL_ID = 'a84b4c76e66710@192.0.2.20';

export const corpus: CorpusMessage[] = [
  {
    name: 'INVITE+SDP',
    text: message(
      [
        'INVITE sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK2d4790.1',
        'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bK74bf9',
        'Record-Route: <sip:192.0.2.10;lr>',
        'Max-Forwards: 69',
        'From: "Alice" <sip:alice@example.com>;tag=9fxced76sl',
        'To: "Bob" <sip:bob@example.com>',
        `Call-ID: ${CALL_ID}`,
        'CSeq: 314159 INVITE',
        'Contact: <sip:alice@192.0.2.20:5060;transport=udp>',
        ALLOW,
        'Supported: replaces, timer, norefersub',
        'Content-Type: application/sdp',
        'User-Agent: ExamplePhone/2.4.1',
      ],
      SDP_OFFER,
    ),
  },
  {
    name: '180 Ringing',
    text: message([
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK2d4790.1',
      'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bK74bf9',
      'Record-Route: <sip:192.0.2.10;lr>',
      'From: "Alice" <sip:alice@example.com>;tag=9fxced76sl',
      'To: "Bob" <sip:bob@example.com>;tag=8321234356',
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314159 INVITE',
      'Contact: <sip:bob@192.0.2.30:5060;transport=udp>',
    ]),
  },
  {
    name: '200 OK+SDP',
    text: message(
      [
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK2d4790.1',
        'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bK74bf9',
        'Record-Route: <sip:192.0.2.10;lr>',
        'From: "Alice" <sip:alice@example.com>;tag=9fxced76sl',
        'To: "Bob" <sip:bob@example.com>;tag=8321234356',
        `Call-ID: ${CALL_ID}`,
        'CSeq: 314159 INVITE',
        'Contact: <sip:bob@192.0.2.30:5060;transport=udp>',
        ALLOW,
        'Supported: replaces, timer',
        'Content-Type: application/sdp',
        'Server: ExamplePhone/3.0.2',
      ],
      SDP_ANSWER,
    ),
  },
  {
    name: 'ACK',
    text: message([
      'ACK sip:bob@192.0.2.30:5060;transport=udp SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK2d4790.2',
      'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bK74bfa',
      'Max-Forwards: 69',
      'From: "Alice" <sip:alice@example.com>;tag=9fxced76sl',
      'To: "Bob" <sip:bob@example.com>;tag=8321234356',
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314159 ACK',
    ]),
  },
  {
    name: 'BYE',
    text: message([
      'BYE sip:alice@192.0.2.20:5060;transport=udp SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.30:5060;rport;branch=z9hG4bK-bye-5b7e1',
      'Route: <sip:192.0.2.10;lr>',
      'Max-Forwards: 70',
      'From: "Bob" <sip:bob@example.com>;tag=8321234356',
      'To: "Alice" <sip:alice@example.com>;tag=9fxced76sl',
      `Call-ID: ${CALL_ID}`,
      'CSeq: 231 BYE',
      'User-Agent: ExamplePhone/3.0.2',
    ]),
  },
  {
    name: 'REGISTER+Auth',
    text: message([
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.20:5060;rport;branch=z9hG4bKnashds8',
      'Max-Forwards: 70',
      'From: <sip:alice@example.com>;tag=a73kszlfl',
      'To: <sip:alice@example.com>',
      'Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.20',
      'CSeq: 2 REGISTER',
      'Contact: <sip:alice@192.0.2.20:5060;transport=udp>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1',
      'Authorization: Digest username="alice", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
      'Expires: 3600',
      ALLOW,
      'Supported: path, gruu, outbound',
      'User-Agent: ExamplePhone/2.4.1',
    ]),
  },
  {
    name: '401 Unauthorized',
    text: message([
      'SIP/2.0 401 Unauthorized',
      'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bKnashds7',
      'From: <sip:alice@example.com>;tag=a73kszlfl',
      'To: <sip:alice@example.com>;tag=1410948204',
      'Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.20',
      'CSeq: 1 REGISTER',
      'WWW-Authenticate: Digest realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop="auth", algorithm=MD5',
      'Server: ExampleRegistrar/1.0',
    ]),
  },
  {
    name: 'SUBSCRIBE',
    text: message([
      'SUBSCRIBE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK4b43c2ff8.1',
      'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bKnashd92',
      'Record-Route: <sip:192.0.2.10;lr>',
      'Max-Forwards: 69',
      'From: "Alice" <sip:alice@example.com>;tag=ffd2',
      'To: <sip:bob@example.com>',
      'Call-ID: 12345601@192.0.2.20',
      'CSeq: 1 SUBSCRIBE',
      'Contact: <sip:alice@192.0.2.20:5060;transport=udp>',
      'Event: presence',
      'Accept: application/pidf+xml',
      'Expires: 3600',
      'Allow-Events: presence, message-summary',
      'User-Agent: ExamplePhone/2.4.1',
    ]),
  },
  {
    name: 'NOTIFY+PIDF',
    text: message(
      [
        'NOTIFY sip:alice@192.0.2.20:5060;transport=udp SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK4b43c2ff8.2',
        'Via: SIP/2.0/UDP 192.0.2.30:5060;received=192.0.2.30;rport=5060;branch=z9hG4bKnasaij4',
        'Max-Forwards: 69',
        'From: <sip:bob@example.com>;tag=xfg9',
        'To: "Alice" <sip:alice@example.com>;tag=ffd2',
        'Call-ID: 12345601@192.0.2.20',
        'CSeq: 1 NOTIFY',
        'Contact: <sip:bob@192.0.2.30:5060;transport=udp>',
        'Event: presence',
        'Subscription-State: active;expires=3599',
        'Content-Type: application/pidf+xml',
      ],
      PIDF,
    ),
  },
  {
    name: 'MESSAGE',
    text: message(
      [
        'MESSAGE sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776sgdkse.1',
        'Via: SIP/2.0/UDP 192.0.2.20:5060;received=192.0.2.20;rport=5060;branch=z9hG4bK776sgdkse',
        'Max-Forwards: 69',
        'From: "Alice" <sip:alice@example.com>;tag=49583',
        'To: <sip:bob@example.com>',
        'Call-ID: asd88asd77a@192.0.2.20',
        'CSeq: 1 MESSAGE',
        'Content-Type: text/plain;charset=UTF-8',
        'User-Agent: ExamplePhone/2.4.1',
      ],
      ['Hello Bob, are you free for a call at 3pm? The conference bridge is sip:conf-42@example.com.'],
    ),
  },
];
