/**
 * Via (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5118 §4.5 IPv6 `received`).
 *
 *   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by       = host [ COLON port ]
 */
import { Params, runAt, Scanner, scanParams, skipWsAt, TOKEN } from '../grammar.js';
import { SIPBuildError } from '../errors.js';
import { commonHostEnd, readHost, readPort } from './host.js';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 transactions start with this magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

export interface ViaInit {
  transport: string;
  host: string;
  port?: number;
  branch?: string;
  /** Ask for rport (RFC 3581 §3): a flag on requests we send. */
  rport?: boolean | number;
  params?: Params;
  protocol?: string;
}

/**
 * Passed by makeVia to the constructor, which then skips its copies (makeVia sets the fields
 * from parsed parts). Parsed and built Vias share one hidden class this way.
 */
const FROM_PARSER: ViaInit = Object.freeze({ transport: '', host: '' });

export class Via {
  /** `SIP/2.0` as received (name and version). */
  protocol: string = 'SIP/2.0';
  /** Upper-case transport token: UDP, TCP, TLS, SCTP, WS, WSS or any other token. */
  transport: string = '';
  /** Host of sent-by: name, IPv4, or IPv6 reference with brackets. */
  host: string = '';
  port: number | undefined = undefined;
  params!: Params;

  constructor(init: ViaInit) {
    // The checks live in initVia so that this body stays small enough for V8 to inline into
    // the parser, which constructs every Via it reads through here (FROM_PARSER).
    if (init !== FROM_PARSER) initVia(this, init);
  }

  /**
   * @internal a Via from parts a parser validated, via-params included (viaParamsProblem),
   * taking `params` (protocol SIP/2.0).
   */
  static fromParts(transport: string, host: string, port: number | undefined, params: Params): Via {
    return makeVia('SIP/2.0', transport, host, port, params);
  }

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }

  set branch(value: string | undefined) {
    if (value === undefined) this.params.delete('branch');
    else this.params.set('branch', value);
  }

  /** True when the branch carries the RFC 3261 magic cookie (§17.1.3/§17.2.3 matching). */
  get rfc3261Branch(): boolean {
    return this.branch?.startsWith(MAGIC_COOKIE) ?? false;
  }

  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }

  /** RFC 3581: `null` when requested (flag), a number once filled in, undefined when absent. */
  get rport(): number | null | undefined {
    const v = this.params.get('rport');
    if (v === undefined || v === null) return v;
    return Number(v);
  }

  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }

  get ttl(): number | undefined {
    const v = this.params.get('ttl');
    return v == null ? undefined : Number(v);
  }

  /** `host[:port]` as written. */
  get sentBy(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  clone(): Via {
    return new Via({ protocol: this.protocol, transport: this.transport, host: this.host, port: this.port, params: this.params });
  }

  toString(): string {
    return `${this.protocol}/${this.transport} ${this.sentBy}${this.params.toString()}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The public constructor's work: checks and copies of a ViaInit. */
function initVia(v: Via, init: ViaInit): void {
  v.protocol = init.protocol ?? 'SIP/2.0';
  v.transport = init.transport.toUpperCase();
  if (!init.host) throw new SIPBuildError('Via needs a host');
  v.host = init.host;
  v.port = init.port;
  v.params = init.params ? init.params.clone() : new Params();
  if (init.branch !== undefined) v.params.set('branch', init.branch);
  if (init.rport === true) v.params.set('rport', null);
  else if (typeof init.rport === 'number') v.params.set('rport', String(init.rport));
}

/** A Via from parsed parts, taking ownership of `params` (no copy). */
function makeVia(protocol: string, transport: string, host: string, port: number | undefined, params: Params): Via {
  const v = new Via(FROM_PARSER);
  v.protocol = protocol;
  v.transport = transport;
  v.host = host;
  v.port = port;
  v.params = params;
  return v;
}

/** The transport token upper-cased; the usual ones without allocating. */
function upperTransport(t: string, start: number, end: number): string {
  const n = end - start;
  if (n === 3) {
    if (t.startsWith('UDP', start)) return 'UDP';
    if (t.startsWith('TCP', start)) return 'TCP';
    if (t.startsWith('TLS', start)) return 'TLS';
    if (t.startsWith('WSS', start)) return 'WSS';
  } else if (n === 2 && t.startsWith('WS', start)) return 'WS';
  return t.slice(start, end).toUpperCase();
}

/** A decimal of 1..`digits` digits (leading zeros allowed) no larger than `max`. */
function isSmallUint(v: string, digits: number, max: number): boolean {
  if (v.length === 0 || v.length > digits) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    n = n * 10 + (c - 48);
  }
  return n <= max;
}

/** via-params of RFC 3261 §20.42 and RFC 3581 §3 have typed values: the first problem, or null. */
function viaParamsProblem(params: Params): string | null {
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !isSmallUint(ttl, 3, 255))) return 'bad ttl parameter';
  const rport = params.get('rport');
  if (rport != null && !isSmallUint(rport, 5, 65535)) return 'bad rport parameter';
  if (params.get('branch') === null) return 'branch parameter without a value';
  if (params.get('received') === null) return 'received parameter without a value';
  return null;
}

function parseViaParm(s: Scanner): Via {
  s.skipWs();
  const name = s.token('protocol-name');
  s.expect(47 /* / */, "'/' in sent-protocol");
  const version = s.token('protocol-version');
  s.expect(47, "'/' in sent-protocol");
  const transport = s.token('transport');
  const afterTransport = s.pos;
  s.skipWs();
  if (s.pos === afterTransport) s.fail('expected whitespace before sent-by');
  const host = readHost(s, 'sent-by host');
  let port: number | undefined;
  if (s.eat(58 /* : */)) port = readPort(s);
  const params = s.params();
  const problem = viaParamsProblem(params);
  if (problem !== null) s.fail(problem);
  return makeVia(`${name}/${version}`, transport.toUpperCase(), host, port, params);
}

/**
 * The usual shape of a Via value, `SIP/2.0/<transport> SP host[:port] *(;param)` with commas
 * between via-parms, read in one forward pass. Returns undefined at the first thing it does
 * not expect (whitespace around '/' or ':', an IPv6 host, a bad parameter, an error of any kind):
 * the value is then parsed again by the general scanner, which accepts the rarer forms and
 * words the errors. What it returns is what the general parser returns.
 */
function parseViaFast(t: string): Via[] | undefined {
  const end = t.length;
  const out: Via[] = [];
  let p = skipWsAt(t, 0, end);
  for (;;) {
    if (!t.startsWith('SIP/2.0/', p)) return undefined;
    const ts = p + 8;
    const te = runAt(t, ts, end, TOKEN);
    if (te === ts) return undefined;
    const hs = skipWsAt(t, te, end);
    if (hs === te) return undefined; // RFC 3261 §20.42: LWS between sent-protocol and sent-by
    const he = commonHostEnd(t, hs, end);
    if (he < 0) return undefined;
    p = he;
    let port: number | undefined;
    if (p < end && t.charCodeAt(p) === 58 /* : */) {
      // port = 1*DIGIT, 1..65535 (leading zeros allowed)
      let n = 0;
      const ds = ++p;
      for (; p < end; p++) {
        const c = t.charCodeAt(p);
        if (c < 48 || c > 57) break;
        n = n * 10 + (c - 48);
        if (n > 65535) return undefined;
      }
      if (p === ds || n === 0) return undefined;
      port = n;
    }
    const params = new Params();
    p = scanParams(t, p, end, params);
    if (p < 0 || viaParamsProblem(params) !== null) return undefined;
    out.push(makeVia('SIP/2.0', upperTransport(t, ts, te), t.slice(hs, he), port, params));
    // Another via-parm after a COMMA, or the end (RFC 3261 §7.3.1).
    p = skipWsAt(t, p, end);
    if (p === end) return out;
    if (t.charCodeAt(p) !== 44 /* , */) return undefined;
    p = skipWsAt(t, p + 1, end);
    if (p === end || t.charCodeAt(p) === 44) return undefined;
  }
}

/** Parse one Via field value, which may hold several comma-separated via-parms. */
export function parseViaList(value: string, header = 'Via'): Via[] {
  const fast = parseViaFast(value);
  if (fast !== undefined) return fast;
  const s = new Scanner(value, header);
  const out: Via[] = [];
  do out.push(parseViaParm(s));
  while (s.listNext('Via'));
  return out;
}
