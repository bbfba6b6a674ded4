/**
 * The fast path of parseMessage: one forward pass over an ordinary message (RFC 3261 §7).
 *
 * It takes a message whose header section is ASCII (the body may hold any octets: it is only
 * cut from `b`) as its octets `b` and the same octets as a latin1 string `s` (so offsets
 * agree): the octets are scanned (a Uint8Array reads about twice as fast as charCodeAt),
 * strings are cut from `s` only for the parts a typed value returns. A header name
 * is recognised by one comparison with the canonical spellings that start with its first two
 * octets (other spellings: a running hash while the token is scanned), and every field is
 * recorded as two numbers (SIPMessage's wire list) without cutting a string for it. The
 * headers every transaction and dialog layer reads are parsed in the same pass, straight from
 * the octets, up to the CRLF ending their line (wire-values.ts): the first Via field (the top
 * Via; the others are parsed on first use of `via`), From, To, Call-ID, CSeq, Max-Forwards and
 * Content-Length, which the message must have right to be accepted (§8.1.1,
 * §8.2.2, §20), and Contact, Route and Record-Route when they are in their usual form
 * (otherwise they are left to the general parser, on first use, as before). Other lines are
 * skipped with one native search for their LF. The Request-URI is checked here and parsed on
 * first use.
 *
 * Whenever anything is not ordinary — a folded or bare-LF line, a limit reached, a missing or
 * repeated mandatory header, a value in a rarer form or malformed — it returns undefined and
 * parseMessage runs the general parser (parser.ts) on the message instead, which accepts every
 * valid form and words every refusal. So this path never refuses a message: what it accepts,
 * the general parser accepts with the same values, and everything else is decided there.
 */
import { Slot } from './core-slots.js';
import type { CSeq } from './headers/cseq.js';
import type { NameAddr } from './headers/name-addr.js';
import type { Via } from './headers/via.js';
import { canonicalHeaderAt, HEADER_DEFS, lookupHeaderHashed, nameHashStep } from './header-names.js';
import { SIPRequest, SIPResponse } from './message.js';
import { O_TOKEN, OCTET, runOctets } from './octets.js';
import { FIELD_STRIDE, MAX_SPAN_OFFSET, packSpan, unknownNameHead } from './wire-fields.js';

// Module-local copies (an imported binding is loaded from its module cell on every use).
const OCT: Uint8Array = OCTET;
const B_TOKEN = O_TOKEN;
import {
  lastCrAt, lastValueEnd, methodName, scanAddressField, scanAddressListField, scanCallIdField, scanCSeqField, scanSipUri, scanUintField,
  scanViaField, sipUriEnd,
} from './wire-values.js';

/** The limits of ParseOptions, resolved. */
export interface WireLimits {
  maxHeaderBytes: number;
  maxHeaders: number;
  maxLineLength: number;
  maxBodyBytes: number;
  stream: boolean;
}

// What the pass does with a header (KIND_OF). Plain constants rather than a const enum, which
// this project's compiler emits as an object whose properties every comparison would load.
const K_OTHER = 0;
const K_VIA = 1;
const K_FROM = 2;
const K_TO = 3;
const K_CALL_ID = 4;
const K_CSEQ = 5;
const K_MAX_FORWARDS = 6;
const K_CONTENT_LENGTH = 7;
const K_CONTENT_TYPE = 8;
const K_CONTACT = 9;
const K_ROUTE = 10;
const K_RECORD_ROUTE = 11;

/** What the pass does with each HEADER_DEFS id. */
const KIND_OF = new Uint8Array(HEADER_DEFS.length);
{
  const kinds: [string, number][] = [
    ['via', K_VIA], ['from', K_FROM], ['to', K_TO], ['call-id', K_CALL_ID], ['cseq', K_CSEQ],
    ['max-forwards', K_MAX_FORWARDS], ['content-length', K_CONTENT_LENGTH], ['content-type', K_CONTENT_TYPE],
    ['contact', K_CONTACT], ['route', K_ROUTE], ['record-route', K_RECORD_ROUTE],
  ];
  for (const [key, kind] of kinds) KIND_OF[HEADER_DEFS.findIndex((d) => d.key === key)] = kind;
}

/** Max-Forwards 0..255 (RFC 3261 §20.22); Content-Length 0..2^31-1 (headers/scalars.ts). */
const MAX_MAX_FORWARDS = 255;
const MAX_CONTENT_LENGTH = 0x7fffffff;

/** Contact `expires` as checkContactParams accepts it (RFC 4475 §3.1.2.4): absent, or 1..10 digits up to 2^32-1. */
function contactExpiresOk(list: NameAddr[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const exp = list[i].paramValue('expires');
    if (exp === undefined) continue;
    if (exp === null || exp.length === 0 || exp.length > 10) return false;
    for (let j = 0; j < exp.length; j++) {
      const c = exp.charCodeAt(j);
      if (c < 48 || c > 57) return false;
    }
    if (Number(exp) > 0xffffffff) return false;
  }
  return true;
}

/** Whether the octets at `p` are `SIP/2.0` (the exact spelling; others go to the general parser). */
function isVersionAt(b: Uint8Array, p: number): boolean {
  return b[p] === 83 && b[p + 1] === 73 && b[p + 2] === 80 && b[p + 3] === 47 && b[p + 4] === 50 && b[p + 5] === 46 && b[p + 6] === 48;
}

/**
 * The fields of the message being parsed, FIELD_STRIDE numbers each (wire-fields.ts), before they are copied
 * into an array of the right length (growing an array by push costs more). Never re-entered.
 */
const scratch: number[] = [];

/**
 * Parse the ASCII message `b` (`s` is the same octets as latin1) whose start line begins at
 * `start`, or return undefined for the general parser (see the file comment).
 */
export function parseWire(b: Buffer, s: string, start: number, limits: WireLimits): SIPRequest | SIPResponse | undefined {
  const oct = OCT; // a local: V8 reloads and re-checks a module binding on every use in a loop
  const kindOf = KIND_OF;
  const fields = scratch;
  // Offsets are packed two to a number in the wire list (wire-fields.ts).
  if (b.length > MAX_SPAN_OFFSET) return undefined;
  // ---- start line (RFC 3261 §7.1, §7.2): only the exact `SIP/2.0` and single SPs here -------
  let method = '';
  let uriText = '';
  let status = 0;
  let reason = '';
  let lineEnd: number;
  const request = !isVersionAt(b, start);
  if (!request) {
    const nl = s.indexOf('\n', start);
    if (nl < 0) return undefined;
    lineEnd = nl - 1;
    if (lineEnd <= start || b[lineEnd] !== 13) return undefined;
    const cs = start + 8;
    if (b[start + 7] !== 32) return undefined;
    if (cs + 3 > lineEnd) return undefined;
    const d0 = b[cs] - 48;
    const d1 = b[cs + 1] - 48;
    const d2 = b[cs + 2] - 48;
    if (d0 < 1 || d0 > 6 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
    status = d0 * 100 + d1 * 10 + d2;
    if (cs + 3 < lineEnd) {
      if (b[cs + 3] !== 32) return undefined;
      reason = s.slice(cs + 4, lineEnd);
    }
  } else {
    // Method SP Request-URI SP SIP/2.0 CRLF, read straight through: no class scanned here holds
    // CR or LF, so the scans stop within the line and the CRLF must follow the version.
    const end = b.length;
    const me = runOctets(b, start, end, B_TOKEN);
    if (me === start || b[me] !== 32) return undefined;
    const us = me + 1;
    // Request-URI: a sip/sips URI in the usual form (no headers, RFC 3261 §19.1.1), parsed on
    // first use by SIPRequest.uri; any other form goes to the general parser.
    if (!scanSipUri(b, us, end)) return undefined;
    const ue = sipUriEnd();
    lineEnd = ue + 8;
    if (b[ue] !== 32 || !isVersionAt(b, ue + 1) || b[lineEnd] !== 13 || b[lineEnd + 1] !== 10) return undefined;
    method = methodName(b, s, start, me);
    uriText = s.slice(us, ue);
  }
  if (lineEnd - start > limits.maxLineLength) return undefined;

  // ---- header fields (RFC 3261 §7.3) ------------------------------------------------------------
  const maxLineLength = limits.maxLineLength;
  const maxHeaders = limits.maxHeaders;
  let n = 0;
  let lines = 0;
  let vias: Via[] | undefined;
  let viasLater = false;
  let from: NameAddr | undefined;
  let to: NameAddr | undefined;
  let callId: string | undefined;
  let cseq: CSeq | undefined;
  let maxForwards = -1;
  let contentLength = -1;
  let contentTypes = 0;
  let contacts = 0;
  let contact: NameAddr[] | undefined;
  let routes = 0;
  let route: NameAddr[] | undefined;
  let recordRoutes = 0;
  let recordRoute: NameAddr[] | undefined;
  let pos = lineEnd + 2;
  let bodyStart: number;
  for (;;) {
    if (b[pos] === 13) {
      // The empty line (CRLF CRLF: every line so far ended in CRLF).
      if (b[pos + 1] !== 10) return undefined;
      bodyStart = pos + 2;
      break;
    }
    // header-name HCOLON (§7.3.1, §25.1): usually a known name as spelled canonically; else a
    // token read octet by octet (hashed as it goes), optional SP/HTAB, ':'. A line starting
    // with SP/HTAB (folding, §7.3.1), a bare LF or the end of the data has no name: general parser.
    let id: number;
    let nameEnd: number;
    let vs: number;
    const hit = canonicalHeaderAt(b, pos);
    if (hit >= 0) {
      id = hit >> 6;
      nameEnd = pos + (hit & 63);
      vs = nameEnd + 1;
    } else {
      let p = pos;
      let h = 0;
      for (;;) {
        const c = b[p];
        if ((oct[c] & B_TOKEN) === 0) break;
        h = nameHashStep(h, c);
        p++;
      }
      nameEnd = p;
      if (nameEnd === pos) return undefined;
      while (b[p] === 32 || b[p] === 9) p++;
      if (b[p] !== 58) return undefined;
      id = lookupHeaderHashed(b, pos, nameEnd, h);
      vs = p + 1;
    }
    while (b[vs] === 32 || b[vs] === 9) vs++;
    // The field scanners read their value to the CR that ends the line; other values are
    // skipped with one native search for the LF.
    let cr = -1;
    switch (id < 0 ? K_OTHER : kindOf[id]) {
      case K_OTHER:
        break;
      case K_CONTENT_TYPE:
        if (++contentTypes > 1) return undefined;
        break;
      case K_VIA:
        // The first Via field holds the top Via, which the transaction layer and the transports
        // read on every message (RFC 3261 §17.2.3, §18.2.2); the other fields, which a UA only
        // copies into its responses (§8.2.6.2), are parsed on first use of `via` (as the general
        // parser leaves them too).
        if (vias === undefined) {
          vias = scanViaField(b, s, vs, undefined);
          if (vias === undefined) return undefined;
          cr = lastCrAt();
        } else viasLater = true;
        break;
      case K_FROM:
        if (from !== undefined) return undefined;
        from = scanAddressField(b, s, vs, 'From');
        if (from === undefined) return undefined;
        cr = lastCrAt();
        break;
      case K_TO:
        if (to !== undefined) return undefined;
        to = scanAddressField(b, s, vs, 'To');
        if (to === undefined) return undefined;
        cr = lastCrAt();
        break;
      case K_CALL_ID:
        if (callId !== undefined || !scanCallIdField(b, vs)) return undefined;
        cr = lastCrAt();
        callId = s.slice(vs, lastValueEnd());
        break;
      case K_CSEQ:
        if (cseq !== undefined) return undefined;
        cseq = scanCSeqField(b, s, vs);
        if (cseq === undefined) return undefined;
        cr = lastCrAt();
        break;
      case K_MAX_FORWARDS:
        if (maxForwards >= 0) return undefined;
        maxForwards = scanUintField(b, vs, MAX_MAX_FORWARDS);
        if (maxForwards < 0) return undefined;
        cr = lastCrAt();
        break;
      case K_CONTENT_LENGTH:
        if (contentLength >= 0) return undefined;
        contentLength = scanUintField(b, vs, MAX_CONTENT_LENGTH);
        if (contentLength < 0) return undefined;
        cr = lastCrAt();
        break;
      // Read here only in the usual form of a single field; otherwise on first use, by the
      // general parser (a malformed Contact or Route does not make the message unparseable).
      case K_CONTACT:
        contact = ++contacts === 1 ? scanAddressListField(b, s, vs, 'Contact') : undefined;
        if (contact !== undefined) {
          cr = lastCrAt();
          if (!contactExpiresOk(contact)) contact = undefined;
        }
        break;
      case K_ROUTE:
        route = ++routes === 1 ? scanAddressListField(b, s, vs, 'Route') : undefined;
        if (route !== undefined) cr = lastCrAt();
        break;
      case K_RECORD_ROUTE:
        recordRoute = ++recordRoutes === 1 ? scanAddressListField(b, s, vs, 'Record-Route') : undefined;
        if (recordRoute !== undefined) cr = lastCrAt();
        break;
    }
    let ve: number;
    if (cr >= 0) ve = lastValueEnd();
    else {
      const eol = s.indexOf('\n', vs);
      cr = eol - 1;
      if (eol < 0 || b[cr] !== 13) return undefined; // no LF, or a bare one
      if (b[cr - 1] === 13) return undefined; // a bare CR ending the value: the general parser's case
      ve = cr;
      while (ve > vs && (b[ve - 1] === 32 || b[ve - 1] === 9)) ve--;
    }
    if (cr - pos > maxLineLength || ++lines > maxHeaders) return undefined;
    fields[n] = id >= 0 ? id : unknownNameHead(packSpan(pos, nameEnd));
    fields[n + 1] = packSpan(vs, ve);
    n += FIELD_STRIDE;
    pos = cr + 2;
  }
  // §8.1.1: Via, From, To, Call-ID and CSeq are mandatory; §8.1.1.5: CSeq names the method.
  if (vias === undefined || from === undefined || to === undefined || callId === undefined || cseq === undefined) return undefined;
  if (request && cseq.method !== method) return undefined;
  // The header section ends before the CRLF that precedes the empty line.
  if (bodyStart - 4 - start > limits.maxHeaderBytes) return undefined;

  // ---- body (RFC 3261 §18.3) ----------------------------------------------------------------------
  const available = b.length - bodyStart;
  let bodyEnd: number;
  if (contentLength < 0) {
    if (limits.stream || available > limits.maxBodyBytes) return undefined;
    bodyEnd = b.length;
  } else {
    if (contentLength > limits.maxBodyBytes || contentLength > available) return undefined;
    // Octets past Content-Length are discarded (RFC 3261 §18.3; RFC 4475 §3.1.1.8 dblreq).
    bodyEnd = bodyStart + contentLength;
  }

  const msg = request ? SIPRequest.fromWire(method, uriText, undefined, 'SIP/2.0') : SIPResponse.fromWire(status, reason, 'SIP/2.0');
  msg.adoptWire(s, fields.slice(0, n));
  if (viasLater) msg.setViaHead(vias);
  else msg.setCore(Slot.Via, vias);
  msg.setCore(Slot.From, from);
  msg.setCore(Slot.To, to);
  msg.setCore(Slot.CallId, callId);
  msg.setCore(Slot.CSeq, cseq);
  msg.setCore(Slot.MaxForwards, maxForwards < 0 ? undefined : maxForwards);
  msg.setCore(Slot.ContentLength, contentLength < 0 ? undefined : contentLength);
  if (contacts === 0) msg.setCore(Slot.Contact, []);
  else if (contact !== undefined) msg.setCore(Slot.Contact, contact);
  if (routes === 0) msg.setCore(Slot.Route, []);
  else if (route !== undefined) msg.setCore(Slot.Route, route);
  if (recordRoutes === 0) msg.setCore(Slot.RecordRoute, []);
  else if (recordRoute !== undefined) msg.setCore(Slot.RecordRoute, recordRoute);
  if (bodyEnd > bodyStart) msg.adoptBody(b, bodyStart, bodyEnd);
  return msg;
}
