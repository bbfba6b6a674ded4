/** Setting datatypes: what each accepts, how it normalises, and the exact problem it reports. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { datatypes as t, SettingValueError, type SettingType } from '../../src/config/index.js';

function bad<T>(type: SettingType<T>, value: unknown, problem: string | RegExp): void {
  try {
    type.check(value);
  } catch (e) {
    assert.instance(e, SettingValueError);
    if (typeof problem === 'string') assert.is((e as Error).message, problem);
    else assert.match((e as Error).message, problem);
    return;
  }
  assert.unreachable(`${type.name} accepted ${JSON.stringify(value)}`);
}

test('boolean', () => {
  assert.is(t.boolean.check(true), true);
  assert.is(t.boolean.check(false), false);
  bad(t.boolean, 'true', '"true" is not a boolean');
  bad(t.boolean, 1, '1 is not a boolean');
  bad(t.boolean, null, 'null is not a boolean');
});

test('integer with a range', () => {
  const i = t.integer({ min: 30, max: 3600 });
  assert.is(i.check(30), 30);
  assert.is(i.check(3600), 3600);
  bad(i, 29, '29 is below the minimum 30');
  bad(i, 3601, '3601 is above the maximum 3600');
  bad(i, 1.5, '1.5 is not an integer');
  bad(i, '60', '"60" is not an integer');
  bad(i, NaN, 'NaN is not an integer');
  bad(t.integer(), 2 ** 60, /is not an integer/);
  assert.is(t.integer().check(-5), -5);
});

test('string: control characters and emptiness', () => {
  assert.is(t.string().check(''), '');
  assert.is(t.string().check('Alice Tab\there'), 'Alice Tab\there');
  bad(t.string(), 5, '5 is not a string');
  bad(t.string(), 'a\r\nVia: x', /contains control characters/);
  bad(t.string({ nonEmpty: true }), '  ', 'must not be empty');
  bad(t.string({ maxLength: 3 }), 'abcd', 'is longer than 3 characters');
});

test('enum', () => {
  const e = t.enumOf(['tls', 'tcp']);
  assert.is(e.check('tcp'), 'tcp');
  bad(e, 'udp', '"udp" is not one of tls, tcp');
  bad(e, 'TLS', '"TLS" is not one of tls, tcp');
  const n = t.enumOf([8000, 48000]);
  assert.is(n.check(8000), 8000);
  bad(n, '8000', '"8000" is not one of 8000, 48000');
});

test('SIP URI (parsed by the SIP parser)', () => {
  assert.is(t.sipURI.check('sip:proxy.example.com:5061;transport=tls;lr'), 'sip:proxy.example.com:5061;transport=tls;lr');
  assert.is(t.sipURI.check('sips:[2001:db8::1]'), 'sips:[2001:db8::1]');
  bad(t.sipURI, 'tel:+123', '"tel:+123" is not a sip: or sips: URI');
  bad(t.sipURI, 'http://x', '"http://x" is not a sip: or sips: URI');
  bad(t.sipURI, 'proxy.example.com', /is not a SIP URI/);
  bad(t.sipURI, 'sip:bad host', /is not a SIP URI \(/);
  bad(t.sipURI, 42, '42 is not a SIP URI');
});

test('SIP address (account id)', () => {
  assert.is(t.sipAddress.check('alice@example.com'), 'alice@example.com');
  assert.equal(t.parseSIPAddress('alice@example.com'), { username: 'alice', domain: 'example.com' });
  assert.equal(t.parseSIPAddress('bob@[::1]'), { username: 'bob', domain: '[::1]' });
  bad(t.sipAddress, 'example.com', '"example.com" is not a SIP address (user@domain)');
  bad(t.sipAddress, 'sip:alice@example.com', /write the address without "sip:"/);
  bad(t.sipAddress, 'alice@example.com:5060', /nothing else/);
  bad(t.sipAddress, 'alice@example.com;transport=tcp', /nothing else/);
  bad(t.sipAddress, 'alice:pw@example.com', /nothing else/);
  bad(t.sipAddress, '@example.com', /is not a SIP address/);
  bad(t.sipAddress, 'a b@example.com', /is not a SIP address/);
});

test('port (0 = any) and port range', () => {
  assert.is(t.port.check(0), 0);
  assert.is(t.port.check(65535), 65535);
  bad(t.port, 70000, '70000 is not a port');
  bad(t.port, -1, '-1 is not a port');
  bad(t.port, '5060', '"5060" is not a port');
  const r = t.portRange({ evenStart: true });
  assert.equal(r.check({ start: 50000, end: 50500 }), { start: 50000, end: 50500 });
  assert.ok(Object.isFrozen(r.check({ start: 50000, end: 50500 })));
  bad(r, { start: 50000, end: 70000 }, '70000 is not a port');
  bad(r, { start: 0, end: 10 }, '0 is not a port');
  bad(r, { start: 6000, end: 5000 }, 'start 6000 must be below end 5000');
  bad(r, { start: 5000, end: 5000 }, 'start 5000 must be below end 5000');
  bad(r, { start: 50001, end: 50500 }, 'start 50001 must be even (RTP uses even ports, RTCP the next odd one)');
  assert.equal(t.portRange().check({ start: 5001, end: 5002 }), { start: 5001, end: 5002 });
  bad(r, '50000-50500', /is not a port range \{ start, end \}/);
  bad(r, { start: 50000 }, /is not a port range/);
  bad(r, { start: 50000, end: 50500, step: 2 }, 'unexpected step in a port range');
});

test('transport list: known transports, each once, lower-cased', () => {
  const l = t.transportList({ nonEmpty: true });
  assert.equal(l.check(['tls', 'TCP', 'udp', 'ws', 'wss']), ['tls', 'tcp', 'udp', 'ws', 'wss']);
  assert.ok(Object.isFrozen(l.check(['udp'])));
  bad(l, ['udp', 'sctp'], 'item 1: "sctp" is not a transport (udp, tcp, tls, ws, wss)');
  bad(l, ['udp', 'UDP'], '"udp" is listed twice');
  bad(l, [], 'must not be empty');
  bad(l, 'udp', '"udp" is not a list');
  assert.equal(t.transportList().check([]), []);
});

test('path, nullable, list of strings', () => {
  assert.is(t.path.check('/etc/ssl/ca.pem'), '/etc/ssl/ca.pem');
  bad(t.path, '', '"" is not a path');
  bad(t.path, 'a\0b', 'a path may not contain NUL');
  const n = t.nullable(t.path);
  assert.is(n.check(null), null);
  assert.is(n.check('x'), 'x');
  bad(n, undefined, 'undefined is not a path');
  assert.is(n.name, 'path or null');
  const l = t.listOf(t.string({ nonEmpty: true }));
  assert.equal(l.check(['a', 'b', 'a']), ['a', 'b', 'a']);
  bad(l, ['a', ''], 'item 1: must not be empty');
  bad(l, ['a', 3], 'item 1: 3 is not a string');
  bad(t.listOf(t.string(), { unique: true }), ['a', 'a'], '"a" is listed twice');
});

test('nameserver list (127.0.0.1:5353 and IPv6), normalised', () => {
  assert.equal(t.nameserverList.check(['127.0.0.1:5353', '::1', '[::1]:53', ' 10.0.0.1 ']), ['127.0.0.1:5353', '::1', '[::1]:53', '10.0.0.1']);
  bad(t.nameserverList, ['ns.example.com'], /item 0: .*not an IP address/);
  bad(t.nameserverList, ['127.0.0.1:70000'], /item 0: .*port must be 1..65535/);
  bad(t.nameserverList, ['127.0.0.1', '127.0.0.1'], '"127.0.0.1" is listed twice');
});

test('IP address, http(s) URL, host:port, MSRP relay', () => {
  assert.is(t.ipAddress.check('0.0.0.0'), '0.0.0.0');
  assert.is(t.ipAddress.check('::'), '::');
  bad(t.ipAddress, 'localhost', '"localhost" is not an IP address');
  assert.is(t.httpURL.check('https://xcap.example.com/xcap-root'), 'https://xcap.example.com/xcap-root');
  bad(t.httpURL, 'ftp://x', '"ftp://x" is not an http: or https: URL');
  bad(t.httpURL, 'not a url', '"not a url" is not a URL');
  assert.is(t.hostPort.check('stun.example.com:3478'), 'stun.example.com:3478');
  assert.is(t.hostPort.check('[::1]:3478'), '[::1]:3478');
  assert.is(t.hostPort.check('192.0.2.1'), '192.0.2.1');
  bad(t.hostPort, 'stun.example.com:0', /is not host\[:port\]: "0" is not a port/);
  bad(t.hostPort, 'bad_host!', /is not a host name or address/);
  assert.is(t.msrpRelay.check('relay.example.com:2855;transport=tls'), 'relay.example.com:2855;transport=tls');
  assert.is(t.msrpRelay.check('relay.example.com'), 'relay.example.com');
  bad(t.msrpRelay, 'relay.example.com;transport=udp', /only ;transport=tls or ;transport=tcp/);
});

test.run();
