/**
 * Event and Subscription-State (RFC 6665 §8.2.1, §8.2.3; ABNF in §8.4).
 *
 *   Event              = ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )
 *   event-type         = event-package *( "." event-template )
 *   event-package      = token-nodot ; event-template = token-nodot
 *   event-param        = generic-param / ( "id" EQUAL token )
 *   Subscription-State = "Subscription-State" HCOLON substate-value *( SEMI subexp-params )
 *   substate-value     = "active" / "pending" / "terminated" / extension-substate
 *   subexp-params      = ("reason" EQUAL event-reason-value) / ("expires" EQUAL delta-seconds)
 *                        / ("retry-after" EQUAL delta-seconds) / generic-param
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Params, Scanner, isToken } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** What `Params.from` accepts: a record of values, or another `Params` to copy. */
export type EventParamsInit = Parameters<typeof Params.from>[0];

const HT = 9;
const MAX_DELTA = 0xffffffff;

function guard<T>(header: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SIPParseError) throw e;
    throw new SIPParseError(`${header}: unparsable value (${e instanceof Error ? e.message : String(e)})`, {
      header,
      statusCode: 400,
    });
  }
}

function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 && c !== HT) return true;
  }
  return false;
}

/** Generic-param checks shared by both headers: no repeated name (RFC 3261 §7.3.1), no control characters. */
function checkParsedParams(s: Scanner, params: Params, at: number): void {
  const seen = new Set<string>();
  for (const [name, v] of params.entries()) {
    const key = name.toLowerCase();
    if (seen.has(key)) s.fail(`duplicate parameter '${show(name)}'`, at);
    seen.add(key);
    if (v !== null && hasControl(v)) s.fail(`control character in parameter '${show(name)}'`, at);
  }
}

function checkBuildParams(params: Params): void {
  for (const [name, v] of params.entries()) {
    if (!isToken(name)) throw new SIPBuildError(`parameter name '${show(name)}' is not a token`);
    if (v !== null && hasControl(v)) {
      throw new SIPBuildError(`parameter '${show(name)}' holds a control character`);
    }
  }
}

/** event-type: token-nodot segments joined by single dots (`presence`, `presence.winfo`). */
export function isEventType(s: string): boolean {
  if (!isToken(s)) return false;
  if (s.charCodeAt(0) === 46 || s.charCodeAt(s.length - 1) === 46) return false;
  return !s.includes('..');
}

/** delta-seconds value of a parameter, or a parse error. */
function deltaParam(s: Scanner, name: string, v: string | null, at: number): number {
  if (v === null || !/^[0-9]+$/.test(v)) s.fail(`${name} must be delta-seconds`, at);
  const n = Number(v);
  if (n > MAX_DELTA) s.fail(`${name} out of range (at most ${MAX_DELTA})`, at);
  return n;
}

function checkDelta(name: string, n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > MAX_DELTA)) {
    throw new SIPBuildError(`${name} ${n} is not delta-seconds (0..${MAX_DELTA})`);
  }
}

export interface EventHeaderJSON {
  event: string;
  params: Record<string, string | null>;
}

/** An Event value: the event-type and its parameters (including `id`). */
export class EventHeader {
  /** The whole event-type as given, e.g. `presence` or `presence.winfo`. */
  readonly event: string;
  /** event-params in order, including `id`. */
  readonly params: Params;

  constructor(event: string, params?: EventParamsInit) {
    if (!isEventType(event)) throw new SIPBuildError(`'${show(event)}' is not an event-type`);
    this.event = event;
    this.params = Params.from(params);
    checkBuildParams(this.params);
    const id = this.params.get('id');
    if (id !== undefined && (id === null || !isToken(id))) throw new SIPBuildError('Event id must be a token');
  }

  /** `EventHeader.create('dialog', '1234')`. */
  static create(event: string, id?: string, params?: EventParamsInit): EventHeader {
    const p = Params.from(params);
    if (id !== undefined) p.set('id', id);
    return new EventHeader(event, p);
  }

  /** The event-package: the event-type up to the first dot. */
  get package(): string {
    const dot = this.event.indexOf('.');
    return dot < 0 ? this.event : this.event.slice(0, dot);
  }

  /** The event-template(s) after the package (`winfo` in `presence.winfo`), if any. */
  get template(): string | undefined {
    const dot = this.event.indexOf('.');
    return dot < 0 ? undefined : this.event.slice(dot + 1);
  }

  get id(): string | undefined {
    return this.params.get('id') ?? undefined;
  }

  /**
   * RFC 6665 §8.2.1: two Event values match when the event-types are equal byte by byte and
   * the `id` parameters are too (both absent, or equal); other parameters do not count.
   */
  matches(other: EventHeader): boolean {
    return this.event === other.event && this.id === other.id;
  }

  toString(): string {
    return this.event + this.params.toString();
  }

  toJSON(): EventHeaderJSON {
    return { event: this.event, params: this.params.toJSON() };
  }
}

/** Event (RFC 6665 §8.2.1, ABNF §8.4; compact form `o`). */
export function parseEvent(value: string, header = 'Event'): EventHeader {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    const start = s.pos;
    const event = s.token('event-type');
    if (!isEventType(event)) s.fail(`'${show(event)}' is not an event-type (empty package or template)`, start);
    const at = s.pos;
    const params = s.params();
    s.expectEnd(`';' or end of value`);
    checkParsedParams(s, params, at);
    const id = params.get('id');
    if (id !== undefined && (id === null || !isToken(id))) s.fail('id must be a token', at);
    return new EventHeader(event, params);
  });
}

export type SubstateValue = 'active' | 'pending' | 'terminated' | (string & {});

/** event-reason-value (RFC 6665 §8.2.3 / §4.1.3; extensions are any token). */
export type EventReason =
  | 'deactivated'
  | 'probation'
  | 'rejected'
  | 'timeout'
  | 'giveup'
  | 'noresource'
  | 'invariant'
  | (string & {});

export interface SubscriptionStateInit {
  reason?: EventReason;
  expires?: number;
  retryAfter?: number;
  /** Further generic parameters (not reason/expires/retry-after). */
  params?: EventParamsInit;
}

export interface SubscriptionStateJSON {
  state: string;
  reason?: string;
  expires?: number;
  retryAfter?: number;
  params: Record<string, string | null>;
}

/**
 * A Subscription-State value. `state` and `reason` are lower-cased (tokens compare
 * case-insensitively); `params` holds only the parameters other than reason/expires/retry-after.
 */
export class SubscriptionState {
  readonly state: SubstateValue;
  readonly reason: EventReason | undefined;
  readonly expires: number | undefined;
  readonly retryAfter: number | undefined;
  readonly params: Params;

  constructor(state: SubstateValue, init: SubscriptionStateInit = {}) {
    if (!isToken(state)) throw new SIPBuildError(`substate-value '${state}' is not a token`);
    if (init.reason !== undefined && !isToken(init.reason)) {
      throw new SIPBuildError(`reason '${init.reason}' is not a token`);
    }
    checkDelta('expires', init.expires);
    checkDelta('retry-after', init.retryAfter);
    this.state = state.toLowerCase();
    this.reason = init.reason?.toLowerCase();
    this.expires = init.expires;
    this.retryAfter = init.retryAfter;
    this.params = Params.from(init.params);
    checkBuildParams(this.params);
    for (const n of ['reason', 'expires', 'retry-after']) {
      if (this.params.has(n)) throw new SIPBuildError(`give '${n}' as a field, not in params`);
    }
  }

  static active(expires: number): SubscriptionState {
    return new SubscriptionState('active', { expires });
  }

  static pending(expires: number): SubscriptionState {
    return new SubscriptionState('pending', { expires });
  }

  static terminated(reason?: EventReason, retryAfter?: number): SubscriptionState {
    return new SubscriptionState('terminated', { reason, retryAfter });
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  get isPending(): boolean {
    return this.state === 'pending';
  }

  get isTerminated(): boolean {
    return this.state === 'terminated';
  }

  toString(): string {
    let out: string = this.state;
    if (this.reason !== undefined) out += `;reason=${this.reason}`;
    if (this.expires !== undefined) out += `;expires=${this.expires}`;
    if (this.retryAfter !== undefined) out += `;retry-after=${this.retryAfter}`;
    return out + this.params.toString();
  }

  toJSON(): SubscriptionStateJSON {
    const json: SubscriptionStateJSON = { state: this.state, params: this.params.toJSON() };
    if (this.reason !== undefined) json.reason = this.reason;
    if (this.expires !== undefined) json.expires = this.expires;
    if (this.retryAfter !== undefined) json.retryAfter = this.retryAfter;
    return json;
  }
}

/** Subscription-State (RFC 6665 §8.2.3, ABNF §8.4). */
export function parseSubscriptionState(value: string, header = 'Subscription-State'): SubscriptionState {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    const state = s.token('substate-value');
    const at = s.pos;
    const all = s.params();
    s.expectEnd(`';' or end of value`);
    checkParsedParams(s, all, at);
    const init: SubscriptionStateInit = {};
    for (const [name, v] of all.entries()) {
      switch (name.toLowerCase()) {
        case 'reason':
          if (v === null || !isToken(v)) s.fail('reason must be a token', at);
          init.reason = v;
          break;
        case 'expires':
          init.expires = deltaParam(s, 'expires', v, at);
          break;
        case 'retry-after':
          init.retryAfter = deltaParam(s, 'retry-after', v, at);
          break;
      }
    }
    const rest = all.clone();
    rest.delete('reason');
    rest.delete('expires');
    rest.delete('retry-after');
    init.params = rest;
    return new SubscriptionState(state, init);
  });
}
