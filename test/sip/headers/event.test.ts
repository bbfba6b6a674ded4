import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildError, hostileValues, onlyParseErrors, parseError } from './expect-errors.js';
import {
  EventHeader,
  SubscriptionState,
  isEventType,
  parseEvent,
  parseSubscriptionState,
} from '../../../src/sip/headers/event.js';

test('Event: packages, templates and id (RFC 6665 §8.2.1)', () => {
  const p = parseEvent('presence');
  assert.is(p.event, 'presence');
  assert.is(p.package, 'presence');
  assert.is(p.template, undefined);
  assert.is(p.id, undefined);
  const w = parseEvent('presence.winfo');
  assert.is(w.event, 'presence.winfo');
  assert.is(w.package, 'presence');
  assert.is(w.template, 'winfo');
  const d = parseEvent('dialog;id=1234;sla');
  assert.is(d.id, '1234');
  assert.is(d.params.get('sla'), null);
  assert.is(d.toString(), 'dialog;id=1234;sla');
  assert.is(parseEvent('foo; id=1234', 'Event').id, '1234');
  assert.is(parseEvent('refer;ID=93809824').id, '93809824');
  assert.is(parseEvent(' \tmessage-summary ; x="a b" ').params.get('x'), 'a b');
  assert.is(parseEvent('reg', 'o').event, 'reg');
});

test('Event: matching uses event-type and id only', () => {
  assert.ok(parseEvent('refer;id=1').matches(parseEvent('refer;id=1;x=y')));
  assert.not.ok(parseEvent('refer;id=1').matches(parseEvent('refer;id=2')));
  assert.not.ok(parseEvent('refer;id=1').matches(parseEvent('refer')));
  assert.not.ok(parseEvent('Refer').matches(parseEvent('refer')));
  assert.ok(parseEvent('presence').matches(EventHeader.create('presence')));
});

test('Event: round trips and builders', () => {
  for (const v of ['presence', 'presence.winfo;id=7', 'dialog;x="q \\"r\\"";flag', 'conference;host=[2001:db8::1]']) {
    const a = parseEvent(v);
    const b = parseEvent(a.toString());
    assert.equal(b.toJSON(), a.toJSON());
  }
  assert.is(EventHeader.create('dialog', 'abc').toString(), 'dialog;id=abc');
  assert.is(new EventHeader('presence.winfo', { foo: true, bar: 'a b' }).toString(), 'presence.winfo;foo;bar="a b"');
  assert.ok(isEventType('a.b.c'));
  assert.not.ok(isEventType('a..b'));
  assert.not.ok(isEventType(''));
  buildError(() => new EventHeader('pres ence'), /event-type/);
  buildError(() => EventHeader.create('presence', 'a b'), /id must be a token/);
  buildError(() => new EventHeader('presence', { x: 'a\r\n' }), /control/);
});

test('Event: invalid values', () => {
  const E = 'Event';
  parseError(() => parseEvent(''), E, /expected event-type/);
  parseError(() => parseEvent('presence..winfo'), E, /not an event-type/);
  parseError(() => parseEvent('.winfo'), E, /not an event-type/);
  parseError(() => parseEvent('presence;'), E, /expected parameter name/);
  parseError(() => parseEvent('presence;id'), E, /id must be a token/);
  parseError(() => parseEvent('presence;id=[::1]'), E, /id must be a token/);
  parseError(() => parseEvent('presence;id=1;ID=2'), E, /duplicate parameter 'ID'/);
  parseError(() => parseEvent('presence, dialog'), E, /unexpected ','/);
  parseError(() => parseEvent('presence winfo'), E, /unexpected 'w'/);
  parseError(() => parseEvent('presence;x="\\\u0007"'), E, /control character/);
});

test('Subscription-State: RFC 6665 §8.2.3 values', () => {
  const a = parseSubscriptionState('active;expires=60');
  assert.is(a.state, 'active');
  assert.ok(a.isActive);
  assert.is(a.expires, 60);
  assert.is(a.toString(), 'active;expires=60');
  const p = parseSubscriptionState('pending; expires=600');
  assert.ok(p.isPending);
  assert.is(p.expires, 600);
  const t = parseSubscriptionState('terminated;reason=timeout');
  assert.ok(t.isTerminated);
  assert.is(t.reason, 'timeout');
  const r = parseSubscriptionState('TERMINATED ; Reason=Probation ; Retry-After=3600 ; x="y"');
  assert.is(r.state, 'terminated');
  assert.is(r.reason, 'probation');
  assert.is(r.retryAfter, 3600);
  assert.is(r.params.get('x'), 'y');
  assert.is(r.params.has('reason'), false);
  assert.is(r.toString(), 'terminated;reason=probation;retry-after=3600;x="y"');
  const ext = parseSubscriptionState('waiting;foo');
  assert.is(ext.state, 'waiting');
  assert.is(ext.params.get('foo'), null);
  assert.is(parseSubscriptionState('active;expires=0004294967295').expires, 4294967295);
});

test('Subscription-State: round trips and builders', () => {
  for (const v of ['active;expires=3600', 'terminated;reason=rejected', 'terminated;reason=giveup;retry-after=30;a;b=c', 'pending']) {
    const a = parseSubscriptionState(v);
    assert.equal(parseSubscriptionState(a.toString()).toJSON(), a.toJSON());
  }
  assert.is(SubscriptionState.active(3600).toString(), 'active;expires=3600');
  assert.is(SubscriptionState.pending(10).toString(), 'pending;expires=10');
  assert.is(SubscriptionState.terminated('noresource').toString(), 'terminated;reason=noresource');
  assert.is(SubscriptionState.terminated('timeout', 60).toString(), 'terminated;reason=timeout;retry-after=60');
  assert.is(SubscriptionState.terminated().toString(), 'terminated');
  assert.is(new SubscriptionState('active', { expires: 5, params: { x: '1' } }).toString(), 'active;expires=5;x=1');
  buildError(() => SubscriptionState.active(-1), /delta-seconds/);
  buildError(() => SubscriptionState.active(1.5), /delta-seconds/);
  buildError(() => SubscriptionState.active(2 ** 32), /delta-seconds/);
  buildError(() => new SubscriptionState('act ive'), /token/);
  buildError(() => SubscriptionState.terminated('bad reason'), /token/);
  buildError(() => new SubscriptionState('active', { params: { expires: '5' } }), /as a field/);
});

test('Subscription-State: invalid values', () => {
  const S = 'Subscription-State';
  parseError(() => parseSubscriptionState(''), S, /expected substate-value/);
  parseError(() => parseSubscriptionState('active;expires'), S, /expires must be delta-seconds/);
  parseError(() => parseSubscriptionState('active;expires=-1'), S, /expires must be delta-seconds/);
  parseError(() => parseSubscriptionState('active;expires=4294967296'), S, /out of range/);
  parseError(() => parseSubscriptionState('active;expires=1' + '0'.repeat(100)), S, /out of range/);
  parseError(() => parseSubscriptionState('terminated;retry-after=soon'), S, /retry-after must be delta-seconds/);
  parseError(() => parseSubscriptionState('terminated;reason'), S, /reason must be a token/);
  parseError(() => parseSubscriptionState('terminated;reason="a b"'), S, /reason must be a token/);
  parseError(() => parseSubscriptionState('active;expires=1;EXPIRES=2'), S, /duplicate/);
  parseError(() => parseSubscriptionState('active expires=1'), S, /unexpected 'e'/);
  parseError(() => parseSubscriptionState('"active"'), S, /expected substate-value/);
});

const PIECES = ['presence', 'active', 'terminated', '.', ';', '=', ',', ' ', '"', '\\', 'id', 'expires', 'reason', 'retry-after', '60', 'x', '\u0001', '\udbff'];
const hostile = hostileValues(PIECES);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      onlyParseErrors(() => {
        const e = parseEvent(v);
        assert.equal(parseEvent(e.toString()).toJSON(), e.toJSON());
      }, 'Event');
      onlyParseErrors(() => {
        const s = parseSubscriptionState(v);
        assert.equal(parseSubscriptionState(s.toString()).toJSON(), s.toJSON());
      }, 'Subscription-State');
    }),
    { numRuns: 3000 },
  );
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  assert.is(parseEvent('presence' + Array.from({ length: 50_000 }, (_, i) => `;p${i}`).join('')).params.size, 50_000);
  parseError(() => parseEvent('presence' + ';a'.repeat(500_000)), 'Event', /duplicate/);
  parseError(() => parseSubscriptionState('active;expires=' + '0'.repeat(2_000_000) + 'x'), 'Subscription-State');
  parseError(() => parseEvent('a.'.repeat(1_000_000)), 'Event', /event-type/);
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
