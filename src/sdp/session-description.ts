/**
 * SDP (RFC 4566) parsing and writing on top of sdp-transform.
 *
 * The data model is sdp-transform's JSON shape (`SessionDescription`, `MediaDescription`), so
 * callers can read and build SDP as plain objects. sdp-transform itself is lenient: it never
 * rejects anything and silently produces half-empty objects. `parseSDP` therefore checks the raw
 * lines first (RFC 4566 §5 grammar for the lines offer/answer depends on) and the resulting
 * object second, and turns every problem — size, missing or malformed lines, bad ports — into an
 * `SDPError`. Nothing else is ever thrown for any input string.
 */
import sdpTransform from 'sdp-transform';
import type {
  MediaAttributes,
  MediaDescription as TransformMediaDescription,
  SessionDescription as TransformSessionDescription,
} from 'sdp-transform';

/** A whole session description (RFC 4566 §5), in sdp-transform's JSON shape. */
export type SessionDescription = TransformSessionDescription;
/** One m= section (RFC 4566 §5.14) with its attributes, in sdp-transform's JSON shape. */
export type MediaDescription = TransformMediaDescription;
/** An `a=rtpmap` entry (RFC 4566 §6). */
export type RtpMapEntry = MediaAttributes['rtp'][number];
/** An `a=fmtp` entry (RFC 4566 §6). */
export type FmtpEntry = MediaAttributes['fmtp'][number];
/** Media direction attributes (RFC 4566 §6, RFC 3264 §5.1). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Anything wrong with an SDP body, on input (`parseSDP`) or output (`writeSDP`). */
export class SDPError extends Error {
  override readonly name = 'SDPError';
  /** 1-based line number in the parsed text, when the problem is on one line. */
  readonly line: number | undefined;

  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}

/** Largest SDP body accepted. Real SIP SDP is a few KiB; anything bigger is refused. */
export const MAX_SDP_LENGTH = 65536;
/** Most lines accepted. */
export const MAX_SDP_LINES = 2048;
/** Most m= sections accepted. */
export const MAX_MEDIA_SECTIONS = 64;

const LINE = /^([a-z])=(.*)$/;
// RFC 4566 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
const ORIGIN = /^(\S+) (\d+) (\d+) IN IP([46]) (\S+)$/;
// RFC 4566 §5.7: c=<nettype> <addrtype> <connection-address>
const CONNECTION = /^IN IP([46]) (\S+)$/;
// RFC 4566 §5.9: t=<start-time> <stop-time>
const TIMING = /^(\d+) (\d+)$/;
// RFC 4566 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
const MEDIA = /^([A-Za-z0-9_.-]+) (\d+)(?:\/(\d+))? ([A-Za-z0-9_.\/-]+)((?: \S+)+)$/;
// Control characters other than tab are never valid in SDP text (RFC 4566 §9, "text").
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

function isRtpProtocol(protocol: string): boolean {
  return /^(?:[A-Z]+\/)*RTP\/[A-Z]+$/i.test(protocol);
}

function checkAddress(ip: string, version: number, line: number): void {
  // Unicast or multicast address (with /ttl[/count]) or FQDN (RFC 4566 §5.7, §9).
  const ok = version === 6 ? /^[0-9A-Za-z:.\-\/%]+$/.test(ip) : /^[0-9A-Za-z.\-\/]+$/.test(ip);
  if (!ok) throw new SDPError(`bad IP${version} address "${ip.slice(0, 64)}"`, line);
}

function checkPort(port: number, line: number | undefined, what = 'port'): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SDPError(`bad ${what} ${port}`, line);
}

/**
 * Parses an SDP body (RFC 4566). Accepts CRLF or bare LF line ends (RFC 4566 §5 asks parsers to
 * be tolerant of LF). Requires, in this order, v=0, o=, s=, then t= before the first m=, a c=
 * at session level or in every m= section with a non-zero port, and m= lines with a port in
 * 0..65535 and at least one format (RTP formats must be payload types 0..127).
 * @throws SDPError for anything else — never another error.
 */
export function parseSDP(text: string): SessionDescription {
  if (typeof text !== 'string') throw new SDPError('SDP must be a string');
  if (text.length > MAX_SDP_LENGTH) throw new SDPError(`SDP longer than ${MAX_SDP_LENGTH} characters`);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new SDPError('empty SDP');
  if (lines.length > MAX_SDP_LINES) throw new SDPError(`more than ${MAX_SDP_LINES} lines`);

  let sawOrigin = false;
  let sawName = false;
  let sawTiming = false;
  let sessionConnection = false;
  let mediaCount = 0;
  let mediaConnection = false;
  let mediaPort = 0;
  let mediaLine = 0;
  const closeMedia = (): void => {
    // RFC 4566 §5.7: c= at session level or in every media description.
    if (mediaCount > 0 && !sessionConnection && !mediaConnection && mediaPort !== 0) {
      throw new SDPError('no c= line at session level or in this m= section', mediaLine);
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i];
    if (CONTROL.test(raw) || raw.includes('\r')) throw new SDPError('control character', n);
    const m = LINE.exec(raw);
    if (!m) throw new SDPError(`not a <type>=<value> line: "${raw.slice(0, 40)}"`, n);
    const [, type, value] = m;
    if (i === 0) {
      if (type !== 'v' || value !== '0') throw new SDPError('first line must be v=0', n);
      continue;
    }
    if (i === 1 && type !== 'o') throw new SDPError('second line must be o=', n);
    if (i === 2 && type !== 's') throw new SDPError('third line must be s=', n);
    switch (type) {
      case 'v':
        throw new SDPError('repeated v= line', n);
      case 'o': {
        if (sawOrigin) throw new SDPError('repeated o= line', n);
        const o = ORIGIN.exec(value);
        if (!o) throw new SDPError('malformed o= line', n);
        // The session version must survive arithmetic (RFC 3264 §8 increments it).
        if (!Number.isSafeInteger(Number(o[3]))) throw new SDPError('o= session version too large', n);
        checkAddress(o[5], Number(o[4]), n);
        sawOrigin = true;
        break;
      }
      case 's':
        if (sawName) throw new SDPError('repeated s= line', n);
        sawName = true;
        break;
      case 't': {
        if (mediaCount > 0) throw new SDPError('t= after m=', n);
        if (!TIMING.test(value)) throw new SDPError('malformed t= line', n);
        sawTiming = true;
        break;
      }
      case 'c': {
        const c = CONNECTION.exec(value);
        if (!c) throw new SDPError('malformed c= line', n);
        checkAddress(c[2], Number(c[1]), n);
        if (mediaCount === 0) {
          if (sessionConnection) throw new SDPError('repeated c= line', n);
          sessionConnection = true;
        } else mediaConnection = true;
        break;
      }
      case 'm': {
        closeMedia();
        if (!sawTiming) throw new SDPError('m= before t=', n);
        if (++mediaCount > MAX_MEDIA_SECTIONS) throw new SDPError(`more than ${MAX_MEDIA_SECTIONS} m= lines`, n);
        const mm = MEDIA.exec(value);
        if (!mm) throw new SDPError('malformed m= line', n);
        const port = Number(mm[2]);
        checkPort(port, n);
        if (mm[3] !== undefined && !(Number(mm[3]) >= 1 && Number(mm[3]) <= 65536)) {
          throw new SDPError('bad number of ports', n);
        }
        if (isRtpProtocol(mm[4])) {
          for (const fmt of mm[5].trim().split(' ')) {
            if (!/^\d{1,3}$/.test(fmt) || Number(fmt) > 127) throw new SDPError(`bad RTP payload type "${fmt.slice(0, 16)}"`, n);
          }
        }
        mediaConnection = false;
        mediaPort = port;
        mediaLine = n;
        break;
      }
      case 'a': {
        // a=rtcp (RFC 3605) carries a port that offer/answer uses.
        const r = /^rtcp:(\S*)/.exec(value);
        if (r && !/^\d{1,5}$/.test(r[1])) throw new SDPError('malformed a=rtcp', n);
        if (r) checkPort(Number(r[1]), n, 'RTCP port');
        break;
      }
      default:
        break; // i u e p b r z k and unknown types: kept or ignored by sdp-transform
    }
  }
  closeMedia();
  if (!sawOrigin) throw new SDPError('missing o= line');
  if (!sawName) throw new SDPError('missing s= line');
  if (!sawTiming) throw new SDPError('missing t= line');

  let desc: SessionDescription;
  try {
    desc = sdpTransform.parse(text);
  } catch (e) {
    throw new SDPError(`unparseable SDP: ${(e as Error)?.message ?? String(e)}`);
  }
  // sdp-transform turns a lone format ("m=audio 4000 RTP/AVP 0") into a number; the model says string.
  for (const m of Array.isArray(desc.media) ? desc.media : []) {
    const payloads: unknown = m.payloads;
    if (typeof payloads === 'number') m.payloads = String(payloads);
  }
  validate(desc);
  return desc;
}

/** Checks the fields the rest of sipstate relies on; throws SDPError. */
function validate(desc: SessionDescription): void {
  if (desc.version !== 0) throw new SDPError('v= must be 0');
  const o = desc.origin;
  if (!o || typeof o.username !== 'string' || !Number.isSafeInteger(o.sessionVersion) || (o.ipVer !== 4 && o.ipVer !== 6)) {
    throw new SDPError('missing or malformed o= line');
  }
  if (typeof desc.name !== 'string') throw new SDPError('missing s= line');
  if (!desc.timing || !Number.isFinite(desc.timing.start) || !Number.isFinite(desc.timing.stop)) {
    throw new SDPError('missing or malformed t= line');
  }
  if (desc.connection && desc.connection.version !== 4 && desc.connection.version !== 6) {
    throw new SDPError('malformed c= line');
  }
  if (!Array.isArray(desc.media)) throw new SDPError('missing media');
  for (const m of desc.media) {
    if (typeof m.type !== 'string' || typeof m.protocol !== 'string' || typeof m.payloads !== 'string') {
      throw new SDPError('malformed m= line');
    }
    checkPort(m.port, undefined);
    if (m.port !== 0 && !m.connection && !desc.connection) throw new SDPError('missing c= line');
    for (const r of m.rtp ?? []) {
      if (!Number.isInteger(r.payload) || r.payload < 0 || r.payload > 127) throw new SDPError('bad a=rtpmap payload type');
    }
    if (m.rtcp) checkPort(m.rtcp.port, undefined, 'RTCP port');
  }
}

/** Rejects strings that would break the line structure when written (header injection). */
function checkWritable(value: unknown, path: string, depth = 0): void {
  if (depth > 8) throw new SDPError(`${path}: nested too deeply`);
  if (typeof value === 'string') {
    if (/[\r\n\x00]/.test(value)) throw new SDPError(`${path}: line break or NUL in value`);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SDPError(`${path}: not a finite number`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkWritable(v, `${path}[${i}]`, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkWritable(v, `${path}.${k}`, depth + 1);
  }
}

/**
 * Writes a session description as SDP text with CRLF line ends (RFC 4566 §5), the line order of
 * RFC 4566 §5 coming from sdp-transform.
 * @throws SDPError when the description lacks v=/o=/s=/t=, has a bad port, or a value holds a line break.
 */
export function writeSDP(desc: SessionDescription): string {
  if (desc === null || typeof desc !== 'object') throw new SDPError('not a session description');
  checkWritable(desc, 'sdp');
  try {
    validate(desc);
  } catch (e) {
    if (e instanceof SDPError) throw new SDPError(`cannot write SDP: ${e.message}`);
    throw e;
  }
  const text = sdpTransform.write(desc);
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

/** Deep copy of a description (plain JSON data). */
export function cloneSDP(desc: SessionDescription): SessionDescription {
  return structuredClone(desc);
}

/** The direction of an m= section: media-level attribute, else session-level, else sendrecv (RFC 4566 §6). */
export function mediaDirection(desc: SessionDescription, media: MediaDescription): Direction {
  return media.direction ?? desc.direction ?? 'sendrecv';
}

/** The connection data of an m= section: media-level c= over session-level c= (RFC 4566 §5.7). */
export function mediaConnection(desc: SessionDescription, media: MediaDescription): { version: number; ip: string } | undefined {
  return media.connection ?? desc.connection;
}
