/**
 * Multipart bodies (RFC 2046 §5.1) as SIP carries them (RFC 5621): multipart/mixed (RFC 4475
 * §3.1.1.11 mpart01), multipart/related for resource list notifications (RFC 4662 §5),
 * multipart/signed and /alternative alike — the syntax is the same for every subtype.
 *
 * Parts are binary: delimiters are found by octet search, part bodies are never decoded and are
 * returned as views into the body given to `parseMultipart` (no copy). Only part header fields
 * are read as text. A part that is itself multipart is parsed by calling `parseMultipart` again
 * on its body with its own boundary.
 *
 * Grammar (RFC 2046 §5.1.1):
 *   multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
 *                     *encapsulation close-delimiter transport-padding [CRLF epilogue]
 *   encapsulation  := delimiter transport-padding CRLF body-part
 *   delimiter      := CRLF dash-boundary;   close-delimiter := delimiter "--"
 *   body-part      := MIME-part-headers [CRLF *OCTET]
 * The CRLF before a delimiter belongs to the delimiter, not to the part before it. On input a
 * bare LF is accepted wherever CRLF is expected, as the SIP parser does (robustness).
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { SIPBuildError, SIPParseError } from './errors.js';
import { isToken } from './grammar.js';

export interface BodyPart {
  /** Header fields in order, names as received, values with surrounding whitespace removed. */
  headers: [string, string][];
  /** The part's content, binary-safe (a view into the multipart body it was parsed from). */
  body: Buffer;
  /** The Content-Type value as received (parameters included), if any. */
  get contentType(): string | undefined;
  /** The Content-ID value as received, angle brackets included (RFC 2045 §7), if any. */
  get contentId(): string | undefined;
  /** The first value of a header field, name compared case-insensitively (RFC 2045 §3). */
  header(name: string): string | undefined;
}

class Part implements BodyPart {
  constructor(
    public headers: [string, string][],
    public body: Buffer,
  ) {}

  get contentType(): string | undefined {
    return this.header('content-type');
  }

  get contentId(): string | undefined {
    return this.header('content-id');
  }

  header(name: string): string | undefined {
    const key = name.toLowerCase();
    for (const [n, v] of this.headers) if (n.toLowerCase() === key) return v;
    return undefined;
  }
}

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const DASH = 45;

/** bcharsnospace (RFC 2046 §5.1.1): DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?" */
const BCHARS_NOSPACE = /^[0-9A-Za-z'()+_,\-./:=?]$/;

/** Why `boundary` is not a valid boundary (RFC 2046 §5.1.1: 1*69 bchars then a bcharsnospace), or undefined. */
function boundaryProblem(boundary: string): string | undefined {
  if (boundary.length < 1 || boundary.length > 70) return `boundary must be 1 to 70 characters long, not ${boundary.length}`;
  for (let i = 0; i < boundary.length; i++) {
    const ch = boundary[i];
    if (ch !== ' ' && !BCHARS_NOSPACE.test(ch)) return `character ${JSON.stringify(ch)} not allowed in a boundary`;
  }
  if (boundary.endsWith(' ')) return 'boundary must not end in a space';
  return undefined;
}

function fail(message: string, offset?: number, header?: string): never {
  throw new SIPParseError(message, { offset, header, statusCode: 400 });
}

interface Delimiter {
  /** Index of the LF that ends the line before the delimiter, -1 for a delimiter at offset 0. */
  lf: number;
  close: boolean;
  /** Index just past the delimiter line (its CRLF), i.e. where the next part starts. */
  next: number;
}

/**
 * Parse a multipart body. `boundary` is the (unquoted) boundary parameter of its Content-Type.
 * Throws SIPParseError (statusCode 400) for a bad boundary, a missing first or closing
 * delimiter, no parts at all, or a part whose header section has no empty line after it.
 */
export function parseMultipart(body: Buffer, boundary: string): BodyPart[] {
  const problem = boundaryProblem(boundary);
  if (problem) fail(`multipart: ${problem} (RFC 2046 §5.1.1)`, undefined, 'Content-Type');
  const dashBoundary = Buffer.from('--' + boundary, 'latin1');
  const needle = Buffer.from('\n--' + boundary, 'latin1');

  /** The delimiter whose dash-boundary starts at `at`, if what follows makes it one. */
  const delimiterAt = (at: number, lf: number): Delimiter | undefined => {
    let p = at + dashBoundary.length;
    if (body[p] === DASH && body[p + 1] === DASH) return { lf, close: true, next: p + 2 };
    // transport-padding := *LWSP-char (RFC 2046 §5.1.1), then the line end
    while (p < body.length && (body[p] === SP || body[p] === HT)) p++;
    if (p >= body.length) return { lf, close: false, next: p }; // truncated: no closing delimiter follows
    if (body[p] === LF) return { lf, close: false, next: p + 1 };
    if (body[p] === CR && body[p + 1] === LF) return { lf, close: false, next: p + 2 };
    // "--boundary" followed by something else is not a delimiter (RFC 2046 forbids such lines
    // inside parts; reading them as content is the robust choice).
    return undefined;
  };

  /** The first delimiter at a line start from `from` on (`from` is where an LF may be). */
  const findDelimiter = (from: number): Delimiter | undefined => {
    for (let q = body.indexOf(needle, from); q >= 0; q = body.indexOf(needle, q + 1)) {
      const d = delimiterAt(q + 1, q);
      if (d) return d;
    }
    return undefined;
  };

  // The first delimiter may open the body without a CRLF before it (no preamble).
  let cur =
    (body.length >= dashBoundary.length && body.subarray(0, dashBoundary.length).equals(dashBoundary) ? delimiterAt(0, -1) : undefined) ??
    findDelimiter(0);
  if (!cur) fail(`multipart: no delimiter "--${boundary}" found (RFC 2046 §5.1.1)`);
  if (cur.close) fail('multipart: close delimiter before any body part (RFC 2046 §5.1.1 needs one part at least)', cur.lf + 1);

  const parts: BodyPart[] = [];
  for (;;) {
    const partStart = cur.next;
    // Search from the LF ending the delimiter line, so that a following delimiter sharing that
    // line end (an empty part written without its own CRLF) is found too.
    const next = findDelimiter(partStart > 0 && body[partStart - 1] === LF ? partStart - 1 : partStart);
    if (!next) fail(`multipart: closing delimiter "--${boundary}--" missing (RFC 2046 §5.1.1)`, partStart);
    // The CRLF (or LF) before the delimiter is the delimiter's, not the part's.
    let partEnd = next.lf > partStart && body[next.lf - 1] === CR ? next.lf - 1 : next.lf;
    if (partEnd < partStart) partEnd = partStart;
    parts.push(parsePart(body, partStart, partEnd));
    if (next.close) return parts; // the epilogue, if any, is ignored
    cur = next;
  }
}

/** One body-part := MIME-part-headers [CRLF *OCTET] occupying body[s, e). */
function parsePart(body: Buffer, s: number, e: number): Part {
  if (s >= e) return new Part([], body.subarray(s, s));
  // No header fields: the part starts with the empty line (RFC 2046 §5.1.1, defaults apply).
  if (body[s] === LF) return new Part([], body.subarray(s + 1, e));
  if (body[s] === CR && s + 1 < e && body[s + 1] === LF) return new Part([], body.subarray(s + 2, e));

  let headerEnd = -1; // end of the header text, the last field's line end included
  let bodyStart = -1;
  for (let lf = body.indexOf(LF, s); lf >= 0 && lf < e; lf = body.indexOf(LF, lf + 1)) {
    if (lf + 1 < e && body[lf + 1] === LF) {
      headerEnd = lf + 1;
      bodyStart = lf + 2;
      break;
    }
    if (lf + 2 < e && body[lf + 1] === CR && body[lf + 2] === LF) {
      headerEnd = lf + 1;
      bodyStart = lf + 3;
      break;
    }
  }
  if (headerEnd < 0) fail('multipart: part header section not followed by an empty line (RFC 2046 §5.1)', s);
  return new Part(parsePartHeaders(body, s, headerEnd), body.subarray(bodyStart, e));
}

/** Header fields of a part (RFC 2045 §3, RFC 5322 §2.2 syntax), folded lines unfolded. */
function parsePartHeaders(body: Buffer, s: number, e: number): [string, string][] {
  const bytes = body.subarray(s, e);
  // Header fields are text; UTF-8 is accepted as in SIP (RFC 3261 §25.1), anything else read octet by octet.
  const text = bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
  const headers: [string, string][] = [];
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const lineEnd = eol > pos && text.charCodeAt(eol - 1) === CR ? eol - 1 : eol;
    const line = text.slice(pos, lineEnd);
    const first = line.charCodeAt(0);
    if (first === SP || first === HT) {
      // Folding (RFC 5322 §2.2.3): the continuation joins the previous value with one SP.
      if (headers.length === 0) fail('multipart: part header section starts with a continuation line', s + pos);
      const more = line.trim();
      const last = headers[headers.length - 1];
      if (more) last[1] = last[1] ? last[1] + ' ' + more : more;
    } else {
      const colon = line.indexOf(':');
      if (colon < 0) fail(`multipart: part header line without ':' (${JSON.stringify(line.slice(0, 40))})`, s + pos);
      const name = line.slice(0, colon).replace(/[ \t]+$/, '');
      if (!isToken(name)) fail(`multipart: malformed part header name ${JSON.stringify(name.slice(0, 40))}`, s + pos);
      headers.push([name, line.slice(colon + 1).trim()]);
    }
    pos = eol + 1;
  }
  return headers;
}

export interface PartInit {
  headers: [string, string][];
  body: Buffer | string;
}

/**
 * Serialise parts into a multipart body (RFC 2046 §5.1.1): CRLF line ends, `--boundary` before
 * each part, `--boundary--` CRLF at the end, no preamble or epilogue. Without `boundary` a random
 * one is chosen; either way the boundary must not begin any line of any part (RFC 2046 §5.1.1),
 * which is checked. String bodies are UTF-8. Throws SIPBuildError for invalid input.
 * Returns the body and the boundary to put in the Content-Type.
 */
export function buildMultipart(parts: PartInit[], boundary?: string): { body: Buffer; boundary: string } {
  if (parts.length === 0) throw new SIPBuildError('a multipart body needs at least one part (RFC 2046 §5.1.1)');
  const encoded = parts.map(encodePart);
  const chosen = boundary ?? randomBoundary(encoded);
  if (boundary !== undefined) {
    const problem = boundaryProblem(boundary);
    if (problem) throw new SIPBuildError(`multipart: ${problem} (RFC 2046 §5.1.1)`);
    if (encoded.some((p) => clashes(p, boundary))) throw new SIPBuildError(`multipart: boundary "${boundary}" begins a line in a part (RFC 2046 §5.1.1)`);
  }
  const chunks: Buffer[] = [];
  for (let i = 0; i < encoded.length; i++) {
    chunks.push(Buffer.from((i === 0 ? '--' : '\r\n--') + chosen + '\r\n', 'latin1'), encoded[i]);
  }
  chunks.push(Buffer.from('\r\n--' + chosen + '--\r\n', 'latin1'));
  return { body: Buffer.concat(chunks), boundary: chosen };
}

/** 144 random bits: a clash with the content is practically impossible, but it is checked, not assumed. */
function randomBoundary(encoded: Buffer[]): string {
  for (let attempt = 0; attempt < 16; attempt++) {
    const candidate = randomBytes(18).toString('base64url'); // 24 chars of [A-Za-z0-9_-], all bchars
    if (!encoded.some((p) => clashes(p, candidate))) return candidate;
  }
  throw new SIPBuildError('multipart: no boundary found that does not occur in the parts');
}

/** A part with Content-Type first, then `extraHeaders` (e.g. Content-ID, Content-Disposition). */
export function makePart(
  contentType: string,
  body: Buffer | string,
  extraHeaders: [string, string][] = [],
): { headers: [string, string][]; body: Buffer } {
  if (!contentType.trim()) throw new SIPBuildError('empty Content-Type');
  checkValue(contentType);
  return {
    headers: [['Content-Type', contentType], ...extraHeaders.map(([n, v]): [string, string] => [n, v])],
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

function checkValue(value: string): void {
  // A CR or LF would end the field early and could inject fields or a delimiter.
  if (/[\r\n]/.test(value)) throw new SIPBuildError('multipart: header value contains CR or LF');
}

/** Header fields, the empty line, the content. */
function encodePart(part: PartInit): Buffer {
  let head = '';
  for (const [name, value] of part.headers) {
    if (!isToken(name)) throw new SIPBuildError(`multipart: bad header name ${JSON.stringify(name)}`);
    checkValue(value);
    head += name + ': ' + value + '\r\n';
  }
  const content = typeof part.body === 'string' ? Buffer.from(part.body, 'utf8') : part.body;
  return Buffer.concat([Buffer.from(head + '\r\n', 'utf8'), content]);
}

/** Whether "--boundary" begins a line of the encoded part (after LF, so CRLF and bare LF alike). */
function clashes(encoded: Buffer, boundary: string): boolean {
  const dashBoundary = Buffer.from('--' + boundary, 'latin1');
  if (encoded.subarray(0, dashBoundary.length).equals(dashBoundary)) return true;
  return encoded.includes(Buffer.from('\n--' + boundary, 'latin1'));
}
