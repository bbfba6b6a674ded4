/**
 * Parse one SIP message from a datagram or a framed stream message (RFC 3261 §7, §18.3, §25).
 *
 * The header section is read as a one-byte string (latin1, which maps every octet to one code
 * unit) for speed; if it holds non-ASCII octets it must be valid UTF-8 (§25.1 TEXT-UTF8) and
 * is decoded as such. The body stays a Buffer. The headers the transaction and dialog layers
 * depend on (the top Via field, From, To, Call-ID, CSeq, Max-Forwards, Content-Length) are
 * parsed and checked here, so a message that comes out of this function is one a UA can
 * process; everything else (the other Via fields too) is parsed on first access. Every loop moves forward through the input: linear time.
 *
 * An ordinary message (an ASCII header section, at most ASCII_WHOLE_LIMIT octets, usual forms)
 * is parsed in one pass by wire-parser.ts, which declines anything else; the general parser
 * below then decides, so both accept and refuse exactly the same messages, with the same values.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { SIPParseError, type SalvagedHeaders } from './errors.js';
import { coreSlot } from './core-slots.js';
import { HEADER_DEFS, lookupHeader, NOT_A_TOKEN } from './header-names.js';
import { TOKEN } from './grammar.js';
import { SIPRequest, SIPResponse, type SIPMessage } from './message.js';
import { isSipURI, parseURI, type URI } from './uri.js';
import { parseWire, type WireLimits } from './wire-parser.js';
import { latin1 } from './latin1.js';

export interface ParseOptions {
  /** Largest header section accepted, in octets (default 65,536). */
  maxHeaderBytes?: number;
  /** Most header field lines accepted (default 256). */
  maxHeaders?: number;
  /** Longest header line accepted, in octets (default 16,384). */
  maxLineLength?: number;
  /** Largest body accepted, in octets (default 16 MiB). */
  maxBodyBytes?: number;
  /**
   * The message came from a stream transport: Content-Length is mandatory (RFC 3261 §18.3).
   * Otherwise it is a datagram: a missing Content-Length means the body runs to the end.
   */
  stream?: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const VERSION = /^SIP\/(\d{1,3})\.(\d{1,3})$/i;

/** Messages up to this size are checked for non-ASCII octets in one call over the whole buffer. */
const ASCII_WHOLE_LIMIT = 4096;

const DEFAULTS = { maxHeaderBytes: 65536, maxHeaders: 256, maxLineLength: 16384, maxBodyBytes: 16 * 1024 * 1024 };

/** Refusal of the whole message: requests get a status code (and salvage), responses are dropped. */
function refuse(message: string, request: boolean | undefined, options: { offset?: number; header?: string; statusCode?: 400 | 505 | 513; salvage?: SalvagedHeaders } = {}): SIPParseError {
  return new SIPParseError(message, {
    offset: options.offset,
    header: options.header,
    statusCode: request ? (options.statusCode ?? 400) : undefined,
    salvage: request ? options.salvage : undefined,
  });
}

function isToken(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

function trimWs(s: string, from: number, to: number): string {
  while (from < to) {
    const c = s.charCodeAt(from);
    if (c !== 32 && c !== 9) break;
    from++;
  }
  while (to > from) {
    const c = s.charCodeAt(to - 1);
    if (c !== 32 && c !== 9) break;
    to--;
  }
  return s.slice(from, to);
}

/** No options given: the defaults (shared, so that a call without options allocates none). */
const NO_OPTIONS: ParseOptions = Object.freeze({});

/** Resolved limits for the fast path, reused by every call without options. */
const DEFAULT_LIMITS: WireLimits = Object.freeze({ ...DEFAULTS, stream: false });

/** Parse a request or response. Throws SIPParseError for anything that must be refused. */
export function parseMessage(data: Buffer | string, options: ParseOptions = NO_OPTIONS): SIPRequest | SIPResponse {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

  // RFC 3261 §7.5: CRLFs before the start-line are ignored.
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  if (start >= buf.length) throw refuse('empty message', undefined);

  // The ordinary message, small with an ASCII header section, in one pass (wire-parser.ts); it
  // declines anything else, which the general parser below then accepts or refuses. The body
  // may hold anything (a MESSAGE or a PIDF note in UTF-8): the fast path reads it from `buf`.
  if (buf.length <= ASCII_WHOLE_LIMIT && (isAscii(buf) || asciiHeaderSection(buf, start))) {
    const limits = options === NO_OPTIONS ? DEFAULT_LIMITS : resolveLimits(options);
    const msg = parseWire(buf, latin1(buf, 0, buf.length), start, limits);
    if (msg !== undefined) return msg;
  }
  return parseGeneral(buf, start, options);
}

/** Whether the message has a CRLF CRLF-terminated header section and it is all ASCII. */
function asciiHeaderSection(buf: Buffer, start: number): boolean {
  const end = buf.indexOf(CRLFCRLF, start);
  return end >= 0 && isAscii(buf.subarray(start, end));
}

function resolveLimits(options: ParseOptions): WireLimits {
  return {
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
    maxHeaders: options.maxHeaders ?? DEFAULTS.maxHeaders,
    maxLineLength: options.maxLineLength ?? DEFAULTS.maxLineLength,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    stream: options.stream === true,
  };
}

/**
 * The general parser: every form RFC 3261 allows (folding, bare LF, UTF-8, compact and odd
 * spellings, rarer value forms), and the exact refusal for everything else.
 * @internal exported for the test that holds the fast path to it (test/sip/fast-path.test.ts).
 */
export function parseGeneral(buf: Buffer, start: number, options: ParseOptions): SIPRequest | SIPResponse {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes;
  const maxHeaders = options.maxHeaders ?? DEFAULTS.maxHeaders;
  const maxLineLength = options.maxLineLength ?? DEFAULTS.maxLineLength;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;

  let headerEnd = buf.indexOf(CRLFCRLF, start);
  let bodyStart: number;
  if (headerEnd < 0) {
    // A datagram whose header section is not closed by an empty line (RFC 4475 baddn.dat and
    // RFC 5118 §4.10 archive files): the header section runs to the end and there is no body.
    headerEnd = buf.length;
    bodyStart = buf.length;
    if (options.stream) throw refuse('header section not terminated by an empty line', undefined);
  } else bodyStart = headerEnd + 4;
  if (headerEnd - start > maxHeaderBytes) {
    const request = !buf.subarray(start, start + 8).toString('latin1').startsWith('SIP/');
    throw refuse(`header section larger than ${maxHeaderBytes} octets`, request, { statusCode: 513 });
  }

  let head = buf.toString('latin1', start, headerEnd);
  // isAscii is one SIMD pass over the octets; the header section is nearly always ASCII. A small
  // message is checked whole (no subarray view to create), and then a bare-LF empty line is
  // found by the header loop below; otherwise it is looked for first, and the header section
  // alone (up to it) must be ASCII or valid UTF-8.
  const wholeAscii = buf.length <= ASCII_WHOLE_LIMIT && isAscii(buf);
  if (!wholeAscii) {
    // Bare-LF line ends (tolerated on input): the first empty line may be "\n\n".
    const lf = head.indexOf('\n\n');
    if (lf >= 0) {
      headerEnd = start + lf + 1;
      bodyStart = start + lf + 2;
      head = head.slice(0, lf + 1);
    }
    const bytes = buf.subarray(start, headerEnd);
    if (!isAscii(bytes)) {
      if (!isUtf8(bytes)) throw refuse('header section is not valid UTF-8 (RFC 3261 §25.1)', !head.startsWith('SIP/'));
      head = bytes.toString('utf8');
    }
  }

  // ---- start line -------------------------------------------------------------------------
  const n = head.length;
  let eol = head.indexOf('\n');
  if (eol < 0) eol = n;
  let pos = eol + 1;
  const lineEnd = eol > 0 && head.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
  if (lineEnd > maxLineLength) throw refuse(`start line longer than ${maxLineLength} octets`, !head.startsWith('SIP/'), { statusCode: 513 });
  const msg: SIPRequest | SIPResponse = parseStartLine(head, lineEnd);
  const request = msg.isRequest;

  // ---- header fields ----------------------------------------------------------------------
  let lines = 0;
  let last = -1;
  const m = msg.rawFields();
  const slots: number[] = [];
  const counts = CORE_COUNTS.fill(0);
  while (pos < n) {
    eol = head.indexOf('\n', pos);
    if (eol === pos) {
      // "\n\n": the empty line of a message with bare-LF line ends (only reached when the
      // whole message is ASCII, so string indexes are octet offsets; otherwise the header
      // section was cut there already).
      bodyStart = start + pos + 1;
      break;
    }
    if (eol < 0) eol = n;
    let end = eol > pos && head.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (end - pos > maxLineLength) throw refuse(`header line longer than ${maxLineLength} octets`, request, { offset: pos, statusCode: 513 });
    const first = head.charCodeAt(pos);
    if (first === 32 || first === 9) {
      // Folded continuation line (RFC 3261 §7.3.1): replaced, with the line break, by one SP.
      if (last < 0) throw refuse('continuation line before the first header', request, { offset: pos });
      const more = trimWs(head, pos, end);
      if (more.length) m.values[last] = m.values[last].length ? m.values[last] + ' ' + more : more;
      pos = eol + 1;
      continue;
    }
    if (++lines > maxHeaders) throw refuse(`more than ${maxHeaders} header fields`, request, { offset: pos, statusCode: 513 });
    const colon = head.indexOf(':', pos);
    if (colon < 0 || colon >= end) throw refuse(`header line without ':' at offset ${pos}`, request, { offset: pos });
    let nameEnd = colon;
    while (nameEnd > pos && (head.charCodeAt(nameEnd - 1) === 32 || head.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    // Known names are recognised in place (no slice, no Map hashing) and written canonically.
    const id = lookupHeader(head, pos, nameEnd);
    if (id === NOT_A_TOKEN) throw refuse(`malformed header name at offset ${pos}`, request, { offset: pos });
    if (id >= 0) {
      const def = HEADER_DEFS[id];
      m.names.push(def.name);
      m.keys.push(def.key);
      slots.push(SLOT_OF[id]);
      const core = CORE_OF[id];
      if (core >= 0) counts[core]++;
    } else {
      const spelling = head.slice(pos, nameEnd);
      m.names.push(spelling);
      m.keys.push(spelling.toLowerCase());
      slots.push(-1);
    }
    m.values.push(trimWs(head, colon + 1, end));
    last = m.values.length - 1;
    pos = eol + 1;
  }

  msg.setSlots(slots);
  checkCoreHeaders(msg, counts);

  // ---- body (RFC 3261 §18.3) --------------------------------------------------------------
  const available = buf.length - bodyStart;
  const declared = msg.contentLength;
  if (declared === undefined) {
    if (options.stream) throw refuse('Content-Length is mandatory on stream transports (RFC 3261 §18.3)', request, { header: 'Content-Length', salvage: salvage(msg) });
    if (available > maxBodyBytes) throw refuse(`body larger than ${maxBodyBytes} octets`, request, { statusCode: 513, salvage: salvage(msg) });
    if (available > 0) msg.body = buf.subarray(bodyStart);
  } else {
    if (declared > maxBodyBytes) throw refuse(`body larger than ${maxBodyBytes} octets`, request, { statusCode: 513, salvage: salvage(msg) });
    if (declared > available) {
      throw refuse(`Content-Length ${declared} exceeds the ${available} body octets received (RFC 3261 §18.3)`, request, { header: 'Content-Length', salvage: salvage(msg) });
    }
    // Octets past Content-Length are discarded (RFC 3261 §18.3; RFC 4475 §3.1.1.8 dblreq).
    if (declared > 0) msg.body = buf.subarray(bodyStart, bodyStart + declared);
  }
  return msg;
}

function parseStartLine(head: string, lineEnd: number): SIPRequest | SIPResponse {
  const sp1 = head.indexOf(' ');
  if (sp1 <= 0 || sp1 >= lineEnd) throw refuse('malformed start line', undefined, { offset: 0 });
  if (head.startsWith('SIP/') || head.startsWith('sip/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    // Fast path for the one spelling everybody sends; the regex handles the rest.
    if (sp1 !== 7 || !head.startsWith('SIP/2.0')) {
      const version = head.slice(0, sp1);
      if (!VERSION.test(version) || version.toUpperCase() !== 'SIP/2.0') throw refuse(`unsupported version '${version}'`, false);
    }
    let p = sp1 + 1;
    let status = 0;
    const codeStart = p;
    while (p < lineEnd) {
      const c = head.charCodeAt(p);
      if (c < 48 || c > 57) break;
      status = status * 10 + (c - 48);
      p++;
      if (p - codeStart > 3) break;
    }
    if (p - codeStart !== 3 || status < 100 || status > 699) throw refuse('malformed status code', false, { offset: codeStart });
    if (p < lineEnd && head.charCodeAt(p) !== 32) throw refuse('malformed status code', false, { offset: codeStart });
    const reason = p < lineEnd ? head.slice(p + 1, lineEnd) : '';
    return SIPResponse.fromWire(status, reason, 'SIP/2.0');
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1), single SPs.
  if (!isToken(head, 0, sp1)) throw refuse('malformed method', true, { offset: 0 });
  const sp2 = head.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= lineEnd) throw refuse('malformed Request-Line: expected Method SP Request-URI SP SIP-Version', true, { offset: sp1 });
  if (sp2 === sp1 + 1) throw refuse('malformed Request-Line: more than one SP before the Request-URI (RFC 4475 §3.1.2.9)', true, { offset: sp1 });
  if (lineEnd - sp2 !== 8 || !head.startsWith('SIP/2.0', sp2 + 1)) checkRequestVersion(head.slice(sp2 + 1, lineEnd), sp2);
  const method = head.slice(0, sp1);
  const uriText = head.slice(sp1 + 1, sp2);
  let uri: URI;
  try {
    uri = parseURI(uriText, 'Request-URI');
  } catch (e) {
    throw refuse(`Request-URI: ${(e as Error).message}`, true, { offset: sp1 + 1, header: 'Request-URI' });
  }
  // RFC 3261 §19.1.1 (table): headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (isSipURI(uri) && uri.headers.size > 0) {
    throw refuse('Request-URI must not contain headers (RFC 3261 §19.1.1)', true, { offset: sp1 + 1, header: 'Request-URI' });
  }
  return SIPRequest.fromWire(method, uriText, uri, 'SIP/2.0');
}

/** SIP-Version of a Request-Line other than the literal `SIP/2.0`: refused unless it means 2.0. */
function checkRequestVersion(version: string, sp2: number): void {
  if (version.includes(' ') || version.includes('\t')) {
    throw refuse('malformed Request-Line: whitespace inside the Request-URI or after the version (RFC 4475 §3.1.2.8, §3.1.2.10)', true, { offset: sp2 });
  }
  const vm = VERSION.exec(version);
  if (!vm) throw refuse(`malformed SIP-Version '${version.slice(0, 20)}'`, true, { offset: sp2 + 1 });
  if (vm[1] !== '2' || vm[2] !== '0') throw refuse(`SIP version ${version} is not supported`, true, { offset: sp2 + 1, statusCode: 505 });
}

/** The raw values a 400 needs, when all of them are present (RFC 3261 §8.2.6.2). */
export function salvage(msg: SIPMessage): SalvagedHeaders | undefined {
  const via = msg.getAll('via');
  const from = msg.get('from');
  const to = msg.get('to');
  const callId = msg.get('call-id');
  const cseq = msg.get('cseq');
  if (!via.length || from === undefined || to === undefined || callId === undefined || cseq === undefined) return undefined;
  return { via, from, to, callId, cseq };
}

/** Headers the parser counts (RFC 3261 §8.1.1 mandatory ones, and those that must be single). */
const enum Core {
  Via,
  From,
  To,
  CallId,
  CSeq,
  MaxForwards,
  ContentLength,
  ContentType,
}
const CORE_COUNT = 8;
/** Canonical names by Core index; after Via, in the order duplicates are reported. */
const CORE_NAMES = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length', 'Content-Type'];
/** Fields of each Core header in the message being parsed (reset by every parse; never re-entered). */
const CORE_COUNTS = new Int32Array(CORE_COUNT);
/** SIPMessage's typed-value slot of each HEADER_DEFS id (core-slots.ts), -1 for the others. */
const SLOT_OF = Int8Array.from(HEADER_DEFS, (d) => coreSlot(d.key));
/** Core index of each HEADER_DEFS id, -1 for the others. */
const CORE_OF = new Int8Array(HEADER_DEFS.length).fill(-1);
for (let c = 0; c < CORE_COUNT; c++) CORE_OF[HEADER_DEFS.findIndex((d) => d.name === CORE_NAMES[c])] = c;

/**
 * The checks that make a message processable (RFC 3261 §8.1.1, §8.2.2, §20): mandatory headers
 * present once, and parseable. Refusals of requests carry salvage for the 400.
 */
function checkCoreHeaders(msg: SIPRequest | SIPResponse, counts: Int32Array): void {
  const request = msg.isRequest;
  if (counts[Core.Via] === 0 || counts[Core.From] === 0 || counts[Core.To] === 0 || counts[Core.CallId] === 0 || counts[Core.CSeq] === 0) {
    const missing = [counts[Core.Via] ? '' : 'Via', counts[Core.From] ? '' : 'From', counts[Core.To] ? '' : 'To', counts[Core.CallId] ? '' : 'Call-ID', counts[Core.CSeq] ? '' : 'CSeq'].filter(Boolean);
    throw refuse(`missing mandatory header${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (RFC 3261 §8.1.1)`, request, { header: missing[0], salvage: salvage(msg) });
  }
  for (let c = Core.From; c < CORE_COUNT; c++) {
    if (counts[c] > 1) {
      const dup = CORE_NAMES[c];
      throw refuse(`more than one ${dup} header (RFC 3261 §7.3.1)`, request, { header: dup, salvage: salvage(msg) });
    }
  }
  try {
    // Each getter parses and caches; a malformed value throws SIPParseError naming its header.
    // Of the Vias, the first field (the top Via, which the transaction layer and the transports
    // read, RFC 3261 §17.2.3, §18.2.2): the others a UA only copies into its responses
    // (§8.2.6.2), so they are parsed on first use of `via`, which reports a malformed one.
    msg.parseViaHead();
    msg.from!.uri;
    msg.to!.uri;
    msg.callId;
    const cs = msg.cseq!;
    msg.maxForwards;
    msg.contentLength;
    if (request && cs.method !== (msg as SIPRequest).method) {
      throw new SIPParseError(`CSeq method ${cs.method} does not match the request method ${(msg as SIPRequest).method} (RFC 3261 §8.1.1.5)`, { header: 'CSeq' });
    }
  } catch (e) {
    if (!(e instanceof SIPParseError)) throw e;
    throw refuse(e.message, request, { header: e.header, salvage: salvage(msg) });
  }
}
