/**
 * Adapters that put sipstate and three peer SIP stacks behind one interface for the parse and
 * serialise benchmarks.
 *
 * Each adapter calls the library's own parse entry point and, in `touch`, reads what a
 * transaction and dialog layer reads from every message, in that library's own object model:
 *   top Via branch and sent-by (host, port); From and To URI (user, host) and tag; Call-ID;
 *   CSeq number and method; first Contact URI (user, host, port); Max-Forwards; Content-Length;
 *   the route set (host of each Record-Route and Route entry).
 * Libraries that parse lazily (sipstate) do that work inside `touch`; libraries that keep some
 * of it as strings (kirm's `sip` keeps From/To/Contact URIs as text) are made to parse them with
 * their own URI parser, so no parser is credited for skipping work. `touch` returns the values
 * read, normalised into a `Touched` record, so the benchmark can check all parsers agree and can
 * fold the values into a sink (which keeps the work from being optimised away).
 *
 * `serialise` is set only where the library has a real serialiser for a parsed message:
 *   sipstate `msg.toBuffer()`, kirm's `sip.stringify(msg)`. SIP.js and JsSIP have none: their
 *   incoming messages' `toString()` returns the received text (`this.data`) verbatim.
 *
 * sipstate is loaded with a dynamic import so that the benchmark still runs (without sipstate,
 * saying why) while `src/index.ts` does not exist or does not export `parseMessage` yet.
 */
import { createRequire } from 'node:module';
import { Core } from 'sip.js';

const require = createRequire(import.meta.url);

/** What `touch` read from a message, normalised across libraries. */
export interface Touched {
  branch: string | undefined;
  sentByHost: string;
  sentByPort: number | undefined;
  fromUser: string | undefined;
  fromHost: string;
  fromTag: string | undefined;
  toUser: string | undefined;
  toHost: string;
  toTag: string | undefined;
  callId: string;
  cseq: number;
  cseqMethod: string;
  contactUser: string | undefined;
  contactHost: string | undefined;
  contactPort: number | undefined;
  maxForwards: number | undefined;
  contentLength: number | undefined;
  /** Host of every Record-Route entry, then of every Route entry. */
  routeHosts: string[];
}

export interface ParserAdapter {
  /** Label in the report. */
  name: string;
  /** The call, for the report. */
  entry: string;
  /** Parse one message with the library's own entry point; throws if the library rejects it. */
  parse(text: string, buf: Buffer): unknown;
  /** Read what the transaction and dialog layers read (see the file comment). */
  touch(msg: unknown): Touched;
  /** Serialise a parsed message, or undefined when the library has no serialiser. */
  serialise: ((msg: unknown) => string | Buffer) | undefined;
  /** Why there is no serialiser. */
  serialiseNote?: string;
}

/** A library answered without throwing but did not produce a message. */
export class Rejected extends Error {}

function num(v: number | undefined | null): number | undefined {
  return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
}

function str(v: string | undefined | null): string | undefined {
  return v == null ? undefined : v;
}

// ---------------------------------------------------------------------------------------------
// sipstate (../src/index.js), typed structurally for the part the benchmark reads.

interface SipstateURI {
  scheme: string;
  user?: string;
  host?: string;
  port?: number;
}
interface SipstateNameAddr {
  uri: SipstateURI;
  tag?: string;
  displayName?: string;
}
interface SipstateVia {
  branch?: string;
  host: string;
  port?: number;
}
interface SipstateMessage {
  via: SipstateVia[];
  /** The top Via, which the transaction layer and the transports read (the others are parsed on first use of `via`). */
  topVia?: SipstateVia;
  from?: SipstateNameAddr;
  to?: SipstateNameAddr;
  callId?: string;
  cseq?: { seq: number; method: string };
  contact: (SipstateNameAddr | { wildcard: true })[];
  maxForwards?: number;
  contentLength?: number;
  recordRoute: SipstateNameAddr[];
  route: SipstateNameAddr[];
  toBuffer(): Buffer;
}
interface SipstateModule {
  parseMessage(data: Buffer | string): SipstateMessage;
}

function sipstateAdapter(mod: SipstateModule): ParserAdapter {
  const parseMessage = mod.parseMessage;
  return {
    name: 'sipstate',
    entry: "parseMessage(buf) from '../src/index.js'",
    parse: (_text, buf) => parseMessage(buf),
    touch(msg) {
      const m = msg as SipstateMessage;
      const via = m.topVia!;
      const from = m.from!;
      const to = m.to!;
      const cseq = m.cseq!;
      const fromUri = from.uri;
      const toUri = to.uri;
      const c = m.contact[0];
      const contactUri = c !== undefined && 'uri' in c ? c.uri : undefined;
      const routeHosts: string[] = [];
      for (const r of m.recordRoute) routeHosts.push(r.uri.host!);
      for (const r of m.route) routeHosts.push(r.uri.host!);
      return {
        branch: via.branch,
        sentByHost: via.host,
        sentByPort: via.port,
        fromUser: fromUri.user,
        fromHost: fromUri.host!,
        fromTag: from.tag,
        toUser: toUri.user,
        toHost: toUri.host!,
        toTag: to.tag,
        callId: m.callId!,
        cseq: cseq.seq,
        cseqMethod: cseq.method,
        contactUser: contactUri?.user,
        contactHost: contactUri?.host,
        contactPort: contactUri?.port,
        maxForwards: m.maxForwards,
        contentLength: m.contentLength,
        routeHosts,
      };
    },
    serialise: (msg) => (msg as SipstateMessage).toBuffer(),
  };
}

/** The sipstate adapter, or the reason it cannot be loaded yet. */
export async function loadSipstate(): Promise<ParserAdapter | string> {
  // A specifier in a variable: the type checker does not follow it, so bench/ type-checks
  // while src/ is being written; tsx resolves '.js' to the '.ts' source at run time.
  const specifier: string = '../src/index.js';
  let mod: Partial<SipstateModule>;
  try {
    mod = (await import(specifier)) as Partial<SipstateModule>;
  } catch (e) {
    return `cannot import src/index.ts: ${(e as Error).message.split('\n')[0]}`;
  }
  if (typeof mod.parseMessage !== 'function') return 'src/index.ts does not export parseMessage';
  return sipstateAdapter(mod as SipstateModule);
}

// ---------------------------------------------------------------------------------------------
// SIP.js 0.21.2: Core.Parser.parseMessage(data: string, logger: Core.Logger) — the parser its
// transport-facing UserAgentCore uses (lib/core/messages/parser.js). The logger must be a real
// Core.Logger (a class with private fields); it is only called when a message is refused, and the
// connector below keeps the last complaint for the report instead of printing it.

type SipJsMessage = Core.IncomingRequestMessage | Core.IncomingResponseMessage;
interface SipJsVia {
  host: string;
  port?: number;
  branch?: string;
}
interface SipJsCSeq {
  value: number;
  method: string;
}

const sipJsLoggerFactory = new Core.LoggerFactory();
sipJsLoggerFactory.builtinEnabled = false;
let sipJsLastComplaint = '';
sipJsLoggerFactory.connector = (_level: string, _category: string, _label: string | undefined, content: unknown): void => {
  sipJsLastComplaint = String(content);
};
const sipJsLogger = sipJsLoggerFactory.getLogger('sip.parser');

export const sipJs: ParserAdapter = {
  name: 'SIP.js 0.21.2',
  entry: "Core.Parser.parseMessage(text, logger) from 'sip.js' (logger = new Core.LoggerFactory().getLogger(...))",
  parse(text) {
    const m = Core.Parser.parseMessage(text, sipJsLogger);
    if (m === undefined) throw new Rejected(sipJsLastComplaint || 'parseMessage returned undefined');
    return m;
  },
  touch(msg) {
    const m = msg as SipJsMessage;
    const via = m.via as SipJsVia;
    const cseq = m.parseHeader('cseq') as SipJsCSeq;
    const contact = m.parseHeader('contact') as Core.NameAddrHeader | undefined;
    const contactUri = contact?.uri;
    const routeHosts: string[] = [];
    // Record-Route: parsed by parseMessage into headers['Record-Route'][i].parsed; the dialog
    // layer takes getHeaders('record-route') (the element strings) as the route set.
    const rr = m.getHeaders('record-route');
    const rrParsed = m.headers['Record-Route'];
    for (let i = 0; i < rr.length; i++) routeHosts.push((rrParsed[i].parsed as Core.NameAddrHeader).uri.host);
    // Route: SIP.js has no Route rule in its grammar and leaves it unparsed; parse each value
    // with its own name-addr rule so it does comparable work.
    for (const r of m.getHeaders('route')) routeHosts.push(Core.Grammar.nameAddrHeaderParse(r)!.uri.host);
    return {
      branch: str(via.branch),
      sentByHost: via.host,
      sentByPort: num(via.port),
      fromUser: str(m.from.uri.user),
      fromHost: m.from.uri.host,
      fromTag: str(m.fromTag),
      toUser: str(m.to.uri.user),
      toHost: m.to.uri.host,
      toTag: str(m.toTag),
      callId: m.callId,
      cseq: cseq.value,
      cseqMethod: cseq.method,
      contactUser: str(contactUri?.user),
      contactHost: contactUri?.host,
      contactPort: num(contactUri?.port),
      maxForwards: num(m.parseHeader('max-forwards') as number | undefined),
      contentLength: num(m.parseHeader('content-length') as number | undefined),
      routeHosts,
    };
  },
  serialise: undefined,
  serialiseNote: 'no serialiser for parsed messages (IncomingMessage.toString() returns the received text)',
};

// ---------------------------------------------------------------------------------------------
// JsSIP 3.13.8: Parser.parseMessage(data: string, ua) from jssip/lib/Parser.js (CommonJS, no
// typings; the part used is declared here). The `ua` argument is only stored on IncomingRequest
// (`this.ua = ua`, used later by reply()); parsing touches nothing on it, so a bare object is
// enough. Refusals are logged through the `debug` module (silent unless DEBUG=JsSIP:*).
//
// Authorization: parseMessage keeps it as a raw string (its switch has no case for it), so the
// REGISTER is accepted; but JsSIP's grammar has no Authorization rule, and
// parseHeader('authorization') throws `Invalid rule name: "Authorization"`. touch() does not read
// Authorization (no transaction or dialog layer does; only a registrar would). Should a message
// ever be refused, parse.bench.ts times JsSIP without it and reports the common subset.

interface JsSipURI {
  user: string | undefined;
  host: string;
  port: number | undefined;
}
interface JsSipNameAddr {
  uri: JsSipURI;
  display_name: string | undefined;
}
interface JsSipHeaderEntry {
  raw: string;
  parsed?: unknown;
}
interface JsSipMessage {
  via: { host: string; port?: number; branch?: string };
  via_branch: string;
  from: JsSipNameAddr;
  from_tag: string | undefined;
  to: JsSipNameAddr;
  to_tag: string | undefined;
  call_id: string;
  cseq: number;
  method: string;
  headers: Record<string, JsSipHeaderEntry[]>;
  getHeaders(name: string): string[];
  parseHeader(name: string, idx?: number): unknown;
}
interface JsSipParserModule {
  parseMessage(data: string, ua: object): JsSipMessage | undefined;
}

const jssipParser = require('jssip/lib/Parser.js') as JsSipParserModule;
/** Stand-in for the JsSIP UA: parseMessage only stores it on incoming requests. */
const jssipUa: object = Object.freeze({});

export const jssip: ParserAdapter = {
  name: 'JsSIP 3.13.8',
  entry: "Parser.parseMessage(text, ua) from 'jssip/lib/Parser.js' (ua = {}: only stored on requests)",
  parse(text) {
    const m = jssipParser.parseMessage(text, jssipUa);
    if (m === undefined) throw new Rejected('parseMessage returned undefined');
    return m;
  },
  touch(msg) {
    const m = msg as JsSipMessage;
    const cseq = m.parseHeader('cseq') as { value: number; method: string };
    const contact = m.parseHeader('contact') as JsSipNameAddr | undefined;
    const contactUri = contact?.uri;
    const routeHosts: string[] = [];
    const rr = m.getHeaders('record-route');
    const rrParsed = m.headers['Record-Route'];
    for (let i = 0; i < rr.length; i++) routeHosts.push((rrParsed[i].parsed as JsSipNameAddr).uri.host);
    // Route is not parsed by parseMessage; JsSIP's grammar has a Route rule, used here.
    const nRoute = m.getHeaders('route').length;
    for (let i = 0; i < nRoute; i++) {
      const route = m.parseHeader('route', i) as JsSipNameAddr | JsSipNameAddr[];
      for (const r of Array.isArray(route) ? route : [route]) routeHosts.push(r.uri.host);
    }
    return {
      branch: str(m.via_branch),
      sentByHost: m.via.host,
      sentByPort: num(m.via.port),
      fromUser: str(m.from.uri.user),
      fromHost: m.from.uri.host,
      fromTag: str(m.from_tag),
      toUser: str(m.to.uri.user),
      toHost: m.to.uri.host,
      toTag: str(m.to_tag),
      callId: m.call_id,
      cseq: cseq.value,
      cseqMethod: cseq.method,
      contactUser: str(contactUri?.user),
      contactHost: contactUri?.host,
      contactPort: num(contactUri?.port),
      maxForwards: num(m.parseHeader('max-forwards') as number | undefined),
      contentLength: num(m.parseHeader('content-length') as number | undefined),
      routeHosts,
    };
  },
  serialise: undefined,
  serialiseNote: 'no serialiser for parsed messages (IncomingMessage.toString() returns the received text)',
};

// ---------------------------------------------------------------------------------------------
// kirm's sip 0.0.6: sip.parse(string) and sip.stringify(msg) (CommonJS, no typings; declared
// here). It keeps From/To/Contact URIs as strings, so touch() parses them with sip.parseUri, as
// its own proxy and transaction code do before using them. Route and Record-Route are parsed to
// URI objects by sip.parse itself. Header parse errors are swallowed (the header is dropped),
// so a missing value shows up in the agreement check rather than as an exception.

interface KirmURI {
  schema: string;
  user: string | undefined;
  host: string;
  port: number;
}
interface KirmAOR<U> {
  name: string | undefined;
  uri: U;
  params: Record<string, string | null>;
}
interface KirmVia {
  version: string;
  protocol: string;
  host: string;
  port: number | undefined;
  params: Record<string, string | null>;
}
interface KirmMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  version: string;
  headers: {
    via?: KirmVia[];
    from?: KirmAOR<string>;
    to?: KirmAOR<string>;
    'call-id'?: string;
    cseq?: { seq: number; method: string };
    contact?: KirmAOR<string>[] | '*';
    'max-forwards'?: string;
    'content-length'?: number;
    route?: KirmAOR<KirmURI>[];
    'record-route'?: KirmAOR<KirmURI>[];
    [name: string]: unknown;
  };
  content: string;
}
interface KirmSipModule {
  parse(data: string | Buffer): KirmMessage | undefined;
  stringify(msg: KirmMessage): string;
  parseUri(uri: string): KirmURI | undefined;
}

const kirm = require('sip') as KirmSipModule;

/**
 * kirm's parser is given the Buffer, like sipstate's: its UDP and WebSocket transports hand
 * sip.parse the socket's Buffer as it comes (sip.js makeUdpTransport and makeWsTransport call
 * parseMessage(data)), and sip.parse turns it into a string itself (`s.toString('binary')`), so
 * that conversion is part of its parse as the decoding is part of sipstate's.
 */
export const kirmSip: ParserAdapter = {
  name: 'sip (kirm) 0.0.6',
  entry: "sip.parse(buf) from 'sip' (its transports' input); sip.parseUri(uri) in touch(); sip.stringify(msg)",
  parse(_text, buf) {
    const m = kirm.parse(buf);
    if (m === undefined) throw new Rejected('sip.parse returned undefined');
    return m;
  },
  touch(msg) {
    const h = (msg as KirmMessage).headers;
    const via = h.via![0];
    const from = h.from!;
    const to = h.to!;
    const fromUri = kirm.parseUri(from.uri)!;
    const toUri = kirm.parseUri(to.uri)!;
    const c = h.contact;
    const contactUri = c !== undefined && c !== '*' && c.length > 0 ? kirm.parseUri(c[0].uri) : undefined;
    const routeHosts: string[] = [];
    for (const r of h['record-route'] ?? []) routeHosts.push(r.uri.host);
    for (const r of h.route ?? []) routeHosts.push(r.uri.host);
    const mf = h['max-forwards'];
    return {
      branch: str(via.params.branch),
      sentByHost: via.host,
      sentByPort: num(via.port),
      fromUser: str(fromUri.user),
      fromHost: fromUri.host,
      fromTag: str(from.params.tag),
      toUser: str(toUri.user),
      toHost: toUri.host,
      toTag: str(to.params.tag),
      callId: h['call-id']!,
      cseq: h.cseq!.seq,
      cseqMethod: h.cseq!.method,
      contactUser: str(contactUri?.user),
      contactHost: contactUri?.host,
      contactPort: num(contactUri?.port),
      maxForwards: mf === undefined ? undefined : num(+mf),
      contentLength: num(h['content-length']),
      routeHosts,
    };
  },
  serialise: (msg) => kirm.stringify(msg as KirmMessage),
};

/** The three peers, in report order. */
export const peers: ParserAdapter[] = [kirmSip, jssip, sipJs];
