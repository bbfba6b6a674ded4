/**
 * The SDP offer/answer model (RFC 3264) for sipstate's RTP streams.
 *
 * - `createOffer` builds an initial offer (RFC 3264 §5) — for an INVITE, or for a 200 OK when the
 *   INVITE had no body (late offer) — or a new offer in an existing session (RFC 3264 §8) when a
 *   `previous` SDP is given, including the offer a UAS puts in the 200 to a re-INVITE without SDP.
 * - `createAnswer` builds the answer (RFC 3264 §6): one m= line per offered m= line, in order;
 *   port 0 for rejected streams; codecs intersected; directions answered per §6.1.
 * - `negotiate` reads an offer/answer pair into what each stream will actually do.
 * - `holdOffer` / `unholdOffer` / `repeatOffer` derive re-offers from the previous local SDP.
 *
 * o= version rule (RFC 3264 §8, decided here): a new SDP keeps the previous o= line (username,
 * session id, address) and its version when nothing else in it changed; if anything changed the
 * version is the previous one plus one. "Changed" means the written SDP text differs. This is
 * applied alike to re-offers and to answers given a `previous`.
 */
import {
  SDPError,
  cloneSDP,
  mediaConnection,
  mediaDirection,
  writeSDP,
  type Direction,
  type MediaDescription,
  type SessionDescription,
} from './session-description.js';

/** One codec (RTP payload format) as an application describes it. */
export interface Codec {
  /** Encoding name as in a=rtpmap, e.g. "PCMU", "telephone-event" (case-insensitive on match). */
  readonly name: string;
  /** RTP clock rate in Hz. */
  readonly clockRate: number;
  /** Audio channels (rtpmap encoding parameters); 1 when absent. */
  readonly channels?: number;
  /** Payload type to use in offers; static types are used automatically, dynamic ones allocated from 96. */
  readonly payloadType?: number;
  /** a=fmtp parameters, e.g. "0-16" for telephone-event (RFC 4733 §2.4.1). */
  readonly fmtp?: string;
}

/** What sipstate can do with one media type. */
export interface MediaCapability {
  /** Supported codecs in order of preference. */
  readonly codecs: readonly Codec[];
  /** Accepted transport protocols; default ["RTP/AVP"]. */
  readonly protocols?: readonly string[];
  /** a=ptime to put in answers (RFC 4566 §6). */
  readonly ptime?: number;
}

/** Local capabilities by media type ("audio", "video", ...); absent types are rejected. */
export type LocalMediaCapabilities = { readonly [mediaType: string]: MediaCapability | undefined };

/** The o= line fields a caller chooses (RFC 4566 §5.2). */
export interface OriginOptions {
  /** Default "-". */
  readonly username?: string;
  /** Default: a random numeric id. */
  readonly sessionId?: string | number;
  /** Initial version; default: same as a generated session id's low digits. */
  readonly sessionVersion?: number;
  /** Address in o=; default: the connection address. */
  readonly address?: string;
}

/** One stream to offer. */
export interface MediaOffer {
  readonly type: string;
  /** RTP port; 0 offers the stream as disabled (RFC 3264 §5.1). */
  readonly port: number;
  readonly codecs: readonly Codec[];
  /** Default sendrecv (RFC 3264 §5.1). */
  readonly direction?: Direction;
  /** Default "RTP/AVP". */
  readonly protocol?: string;
  /** RTCP port if not port+1; written as a=rtcp (RFC 3605). */
  readonly rtcpPort?: number;
  readonly ptime?: number;
}

export interface OfferOptions {
  readonly origin?: OriginOptions;
  /** Connection address for c= (IPv4 or IPv6, detected by ':'). */
  readonly address: string;
  readonly media: readonly MediaOffer[];
  /** s= value; default "-". */
  readonly sessionName?: string;
  /** The last SDP this side sent (offer or answer): makes this a re-offer (RFC 3264 §8). */
  readonly previous?: SessionDescription;
}

export interface AnswerOptions {
  readonly origin?: OriginOptions;
  readonly address: string;
  /** Local port per offered m= line (by index); 0 or missing rejects that stream. */
  readonly ports: readonly (number | undefined)[];
  /** Wanted direction per offered m= line; default sendrecv. Reduced per RFC 3264 §6.1. */
  readonly directions?: readonly (Direction | undefined)[];
  /** RTCP port per m= line if not port+1. */
  readonly rtcpPorts?: readonly (number | undefined)[];
  readonly sessionName?: string;
  /** The last SDP this side sent, for o= continuity in a re-INVITE answer (RFC 3264 §8). */
  readonly previous?: SessionDescription;
}

/** A codec both sides agreed on. */
export interface NegotiatedCodec {
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
  /** Payload type to put in RTP packets we send: the number in the remote SDP (RFC 3264 §6.1). */
  readonly sendPayloadType: number;
  /** Payload type we receive: the number in our SDP. */
  readonly receivePayloadType: number;
  /** fmtp of the remote side (what the receiver of our packets asked for), if any. */
  readonly fmtp?: string;
}

/** What one m= line ends up doing after an offer/answer exchange. */
export interface NegotiatedStream {
  readonly index: number;
  readonly type: string;
  readonly protocol: string;
  /** Both ports non-zero (RFC 3264 §6: port 0 rejects). */
  readonly accepted: boolean;
  /** First common codec that is not telephone-event or CN, in the answer's order. */
  readonly codec: NegotiatedCodec | undefined;
  /** Common telephone-event format (RFC 4733), if any. */
  readonly telephoneEvent: NegotiatedCodec | undefined;
  /** All common formats, in the answer's order. */
  readonly codecs: readonly NegotiatedCodec[];
  readonly localPort: number;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number;
  /** a=rtcp (RFC 3605) if present, else port+1. */
  readonly remoteRtcpAddress: string | undefined;
  readonly remoteRtcpPort: number;
  readonly localDirection: Direction;
  readonly remoteDirection: Direction;
  /** Whether media flows from us / to us. */
  readonly sending: boolean;
  readonly receiving: boolean;
  /** We put the stream on hold (RFC 3264 §8.4). */
  readonly localHold: boolean;
  /** The peer put the stream on hold (RFC 3264 §8.4, or c=0.0.0.0 of RFC 2543). */
  readonly remoteHold: boolean;
}

// RFC 3551 §6, Tables 4 and 5: static payload types.
const STATIC: { readonly [pt: number]: readonly [string, number, number] } = {
  0: ['PCMU', 8000, 1], 3: ['GSM', 8000, 1], 4: ['G723', 8000, 1], 5: ['DVI4', 8000, 1],
  6: ['DVI4', 16000, 1], 7: ['LPC', 8000, 1], 8: ['PCMA', 8000, 1], 9: ['G722', 8000, 1],
  10: ['L16', 44100, 2], 11: ['L16', 44100, 1], 12: ['QCELP', 8000, 1], 13: ['CN', 8000, 1],
  14: ['MPA', 90000, 1], 15: ['G728', 8000, 1], 16: ['DVI4', 11025, 1], 17: ['DVI4', 22050, 1],
  18: ['G729', 8000, 1], 25: ['CelB', 90000, 1], 26: ['JPEG', 90000, 1], 28: ['nv', 90000, 1],
  31: ['H261', 90000, 1], 32: ['MPV', 90000, 1], 33: ['MP2T', 90000, 1], 34: ['H263', 90000, 1],
};

/** The codecs sipstate's AudioStream offers: PCMU, PCMA and telephone-event 101 (RFC 4733). */
export const DEFAULT_AUDIO_CODECS: readonly Codec[] = [
  { name: 'PCMU', clockRate: 8000, payloadType: 0 },
  { name: 'PCMA', clockRate: 8000, payloadType: 8 },
  { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-16' },
];

interface FormatInfo {
  readonly payloadType: number;
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp: string | undefined;
}

/** Canonical encoding name for matching; RFC 3264 §10.1 spells telephone-events with an s. */
function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n === 'telephone-events' ? 'telephone-event' : n;
}

function isAuxiliary(name: string): boolean {
  const n = canonicalName(name);
  return n === 'telephone-event' || n === 'cn';
}

function sameFormat(a: { name: string; clockRate: number; channels?: number }, b: { name: string; clockRate: number; channels?: number }): boolean {
  return canonicalName(a.name) === canonicalName(b.name) && a.clockRate === b.clockRate && (a.channels ?? 1) === (b.channels ?? 1);
}

function payloadList(media: MediaDescription): number[] {
  return (media.payloads ?? '').trim().split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
}

/** The formats of an RTP m= line with their rtpmap (or RFC 3551 static mapping) and fmtp. */
export function mediaFormats(media: MediaDescription): FormatInfo[] {
  const out: FormatInfo[] = [];
  for (const pt of payloadList(media)) {
    const fmtp = media.fmtp?.find((f) => f.payload === pt)?.config;
    const map = media.rtp?.find((r) => r.payload === pt);
    if (map) {
      out.push({ payloadType: pt, name: map.codec, clockRate: map.rate ?? 0, channels: map.encoding ?? 1, fmtp });
    } else if (STATIC[pt]) {
      const [name, clockRate, channels] = STATIC[pt];
      out.push({ payloadType: pt, name, clockRate, channels, fmtp });
    } // a dynamic type without rtpmap cannot be understood and is ignored
  }
  return out;
}

function staticTypeOf(codec: Codec): number | undefined {
  for (const [pt, [name, clockRate, channels]] of Object.entries(STATIC)) {
    if (sameFormat(codec, { name, clockRate, channels })) return Number(pt);
  }
  return undefined;
}

/** Assigns payload types: explicit, then RFC 3551 static, then dynamic from 96 (RFC 3551 §3). */
function assignPayloadTypes(codecs: readonly Codec[]): FormatInfo[] {
  const used = new Set<number>();
  const chosen: (number | undefined)[] = codecs.map((c) => {
    const pt = c.payloadType ?? staticTypeOf(c);
    if (pt !== undefined && !used.has(pt)) {
      used.add(pt);
      return pt;
    }
    return undefined;
  });
  let next = 96;
  return codecs.map((c, i) => {
    let pt = chosen[i];
    if (pt === undefined) {
      while (used.has(next)) next++;
      if (next > 127) throw new SDPError('more codecs than dynamic payload types');
      pt = next;
      used.add(pt);
    }
    return { payloadType: pt, name: c.name, clockRate: c.clockRate, channels: c.channels ?? 1, fmtp: c.fmtp };
  });
}

function ipVersion(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function checkPortNumber(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SDPError(`bad ${what} ${port}`);
}

/** Writes formats into an m= section (rtpmap for each, fmtp where given). */
function mediaSection(
  type: string,
  port: number,
  protocol: string,
  formats: readonly FormatInfo[],
  direction: Direction,
  extra: { rtcpPort?: number; ptime?: number },
): MediaDescription {
  checkPortNumber(port, 'port');
  const m: MediaDescription = {
    type,
    port,
    protocol,
    payloads: formats.map((f) => f.payloadType).join(' '),
    rtp: formats.map((f) => (f.channels !== 1 ? { payload: f.payloadType, codec: f.name, rate: f.clockRate, encoding: f.channels } : { payload: f.payloadType, codec: f.name, rate: f.clockRate })),
    fmtp: formats.filter((f) => f.fmtp !== undefined).map((f) => ({ payload: f.payloadType, config: f.fmtp as string })),
    direction,
  };
  // RFC 3605 §2.1: a=rtcp only when RTCP is not on the next port up.
  if (extra.rtcpPort !== undefined && port !== 0 && extra.rtcpPort !== port + 1) {
    checkPortNumber(extra.rtcpPort, 'RTCP port');
    m.rtcp = { port: extra.rtcpPort };
  }
  if (extra.ptime !== undefined && port !== 0) m.ptime = extra.ptime;
  return m;
}

/** A rejected m= line (RFC 3264 §6, §8.2): same media type, protocol and formats, port 0, no attributes. */
function rejectedSection(offered: MediaDescription): MediaDescription {
  return { type: offered.type, port: 0, protocol: offered.protocol, payloads: offered.payloads, rtp: [], fmtp: [] };
}

function randomSessionId(): number {
  // RFC 4566 §5.2 suggests an NTP timestamp; any number unique to this host works. Kept below
  // 2^53 so it also serves as a safe initial version.
  return Math.floor(Date.now() / 1000) * 1000 + Math.floor(Math.random() * 1000);
}

/** The session-level part common to offers and answers. */
function sessionSkeleton(origin: OriginOptions | undefined, address: string, name: string | undefined, media: MediaDescription[]): SessionDescription {
  const id = origin?.sessionId ?? randomSessionId();
  const version = origin?.sessionVersion ?? (typeof id === 'number' && Number.isSafeInteger(id) ? id : 1);
  const oAddress = origin?.address ?? address;
  return {
    version: 0,
    origin: {
      username: origin?.username ?? '-',
      sessionId: id,
      sessionVersion: version,
      netType: 'IN',
      ipVer: ipVersion(oAddress),
      address: oAddress,
    },
    name: name ?? '-',
    connection: { version: ipVersion(address), ip: address },
    timing: { start: 0, stop: 0 },
    media,
  };
}

/**
 * RFC 3264 §8: keeps the previous o= line and its version if the SDP is otherwise unchanged,
 * else keeps the previous o= line with the version incremented by one.
 */
function continueOrigin(desc: SessionDescription, previous: SessionDescription | undefined): SessionDescription {
  if (!previous) return desc;
  desc.origin = { ...previous.origin };
  if (writeSDP(desc) !== writeSDP(previous)) desc.origin.sessionVersion = previous.origin.sessionVersion + 1;
  return desc;
}

/**
 * Builds an offer (RFC 3264 §5), or a new offer in an existing session when `previous` is the
 * last SDP this side sent (RFC 3264 §8): then o= is continued (see the module comment), and m=
 * lines of `previous` beyond `media` are kept as port-0 lines, because a new offer never has
 * fewer m= lines than the previous SDP (§8, §8.2).
 */
export function createOffer(options: OfferOptions): SessionDescription {
  const sections = options.media.map((m) =>
    mediaSection(m.type, m.port, m.protocol ?? 'RTP/AVP', assignPayloadTypes(m.codecs), m.direction ?? 'sendrecv', m),
  );
  if (options.previous) {
    for (let i = sections.length; i < options.previous.media.length; i++) sections.push(rejectedSection(options.previous.media[i]));
  }
  const desc = sessionSkeleton(options.origin, options.address, options.sessionName ?? options.previous?.name, sections);
  return continueOrigin(desc, options.previous);
}

const SENDS: Record<Direction, boolean> = { sendrecv: true, sendonly: true, recvonly: false, inactive: false };
const RECEIVES: Record<Direction, boolean> = { sendrecv: true, sendonly: false, recvonly: true, inactive: false };

function directionOf(send: boolean, receive: boolean): Direction {
  return send ? (receive ? 'sendrecv' : 'sendonly') : receive ? 'recvonly' : 'inactive';
}

/**
 * RFC 3264 §6.1: the answer's direction given the offered one and the direction the answerer
 * wants: sendonly → recvonly or inactive; recvonly → sendonly or inactive; inactive → inactive;
 * sendrecv → whatever the answerer wants.
 */
export function answerDirection(offered: Direction, wanted: Direction = 'sendrecv'): Direction {
  return directionOf(SENDS[wanted] && RECEIVES[offered], RECEIVES[wanted] && SENDS[offered]);
}

/**
 * Builds the answer to `offer` (RFC 3264 §6): exactly one m= line per offered m= line, in the
 * same order. A stream is rejected with port 0 when it was offered with port 0, its media type
 * or protocol is not in `capabilities`, no format is common, or `options.ports[i]` is 0/missing.
 * Formats (§6.1) are the offered ones we support, in the offer's order, with the offerer's
 * payload type numbers: static types match by number, dynamic ones by encoding name, clock rate
 * and channels. telephone-event is negotiated like any format, with our fmtp.
 */
export function createAnswer(offer: SessionDescription, capabilities: LocalMediaCapabilities, options: AnswerOptions): SessionDescription {
  const sections = offer.media.map((offered, i) => {
    const port = options.ports[i] ?? 0;
    const cap = Object.prototype.hasOwnProperty.call(capabilities, offered.type) ? capabilities[offered.type] : undefined;
    if (offered.port === 0 || port === 0 || !cap || !(cap.protocols ?? ['RTP/AVP']).includes(offered.protocol)) {
      return rejectedSection(offered);
    }
    const formats: FormatInfo[] = [];
    for (const f of mediaFormats(offered)) {
      const local = cap.codecs.find((c) => sameFormat(c, f));
      if (local && !formats.some((g) => g.payloadType === f.payloadType)) {
        formats.push({ ...f, fmtp: local.fmtp ?? f.fmtp });
      }
    }
    if (formats.length === 0) return rejectedSection(offered);
    const direction = answerDirection(mediaDirection(offer, offered), options.directions?.[i]);
    const rtcpPort = options.rtcpPorts?.[i];
    return mediaSection(offered.type, port, offered.protocol, formats, direction, {
      ...(rtcpPort !== undefined ? { rtcpPort } : {}),
      ...(cap.ptime !== undefined ? { ptime: cap.ptime } : {}),
    });
  });
  const desc = sessionSkeleton(options.origin, options.address, options.sessionName ?? options.previous?.name, sections);
  // RFC 3264 §6: the t= line of the answer equals the offer's.
  desc.timing = { ...offer.timing };
  return continueOrigin(desc, options.previous);
}

function isNullAddress(ip: string | undefined): boolean {
  // RFC 2543 hold: c= 0.0.0.0 (RFC 3264 §8.4 keeps recognising it); "::" likewise for IPv6.
  return ip === '0.0.0.0' || ip === '::';
}

/**
 * Reads an offer/answer pair into per-stream results. `localRole` says which side we are.
 * Holding (RFC 3264 §8.4) means refusing to receive what the peer could send: the offerer holds
 * when its direction is sendonly or inactive; the answerer holds when it answers sendonly or
 * inactive although the offer would send to it (sendrecv or sendonly). Either side also holds
 * when its connection address is 0.0.0.0 (RFC 2543 hold).
 * @throws SDPError if the answer does not have one m= line per offered m= line (RFC 3264 §6).
 */
export function negotiate(
  offer: SessionDescription,
  answer: SessionDescription,
  localRole: 'offerer' | 'answerer' = 'offerer',
): NegotiatedStream[] {
  if (answer.media.length !== offer.media.length) {
    throw new SDPError(`answer has ${answer.media.length} m= lines, offer has ${offer.media.length}`);
  }
  const local = localRole === 'offerer' ? offer : answer;
  const remote = localRole === 'offerer' ? answer : offer;
  return offer.media.map((om, index) => {
    const am = answer.media[index];
    const lm = local.media[index];
    const rm = remote.media[index];
    const accepted = om.port !== 0 && am.port !== 0 && om.type === am.type;
    const offerDir = mediaDirection(offer, om);
    const answerDir = mediaDirection(answer, am);
    const offerConn = mediaConnection(offer, om)?.ip;
    const answerConn = mediaConnection(answer, am)?.ip;
    const offererHolds = accepted && (!RECEIVES[offerDir] || isNullAddress(offerConn));
    const answererHolds = accepted && ((SENDS[offerDir] && !RECEIVES[answerDir]) || isNullAddress(answerConn));

    const localFormats = mediaFormats(lm);
    const remoteFormats = mediaFormats(rm);
    const codecs: NegotiatedCodec[] = [];
    if (accepted) {
      const offerFormats = mediaFormats(om);
      for (const af of mediaFormats(am)) {
        if (!offerFormats.some((f) => sameFormat(f, af))) continue;
        const lf = localFormats.find((f) => sameFormat(f, af));
        const rf = remoteFormats.find((f) => sameFormat(f, af));
        if (!lf || !rf || codecs.some((c) => sameFormat(c, af))) continue;
        codecs.push({
          name: af.name,
          clockRate: af.clockRate,
          channels: af.channels,
          sendPayloadType: rf.payloadType,
          receivePayloadType: lf.payloadType,
          ...(rf.fmtp !== undefined ? { fmtp: rf.fmtp } : {}),
        });
      }
    }
    const localDirection = mediaDirection(local, lm);
    const remoteDirection = mediaDirection(remote, rm);
    const remoteAddress = mediaConnection(remote, rm)?.ip;
    const localAddress = mediaConnection(local, lm)?.ip;
    return {
      index,
      type: om.type,
      protocol: om.protocol,
      accepted,
      codec: codecs.find((c) => !isAuxiliary(c.name)),
      telephoneEvent: codecs.find((c) => canonicalName(c.name) === 'telephone-event'),
      codecs,
      localPort: lm.port,
      remoteAddress,
      remotePort: rm.port,
      remoteRtcpAddress: rm.rtcp?.address ?? remoteAddress,
      remoteRtcpPort: rm.rtcp?.port ?? (rm.port === 0 ? 0 : rm.port + 1),
      localDirection,
      remoteDirection,
      sending: accepted && SENDS[localDirection] && RECEIVES[remoteDirection] && !isNullAddress(remoteAddress),
      receiving: accepted && RECEIVES[localDirection] && SENDS[remoteDirection] && !isNullAddress(localAddress),
      localHold: localRole === 'offerer' ? offererHolds : answererHolds,
      remoteHold: localRole === 'offerer' ? answererHolds : offererHolds,
    };
  });
}

/** Copies `previous` with each active m= line's direction replaced, then continues o= (RFC 3264 §8). */
function redirect(previous: SessionDescription, change: (d: Direction) => Direction, streams?: readonly number[]): SessionDescription {
  const desc = cloneSDP(previous);
  desc.media.forEach((m, i) => {
    if (m.port === 0 || (streams && !streams.includes(i))) {
      if (desc.direction !== undefined && m.direction === undefined && m.port !== 0) m.direction = desc.direction;
      return;
    }
    m.direction = change(mediaDirection(previous, m));
  });
  // Directions now live on every active m= line; a session-level one would be misleading.
  delete desc.direction;
  return continueOrigin(desc, previous);
}

/**
 * The re-offer that puts streams on hold (RFC 3264 §8.4): sendrecv becomes sendonly, recvonly
 * becomes inactive (we were already held), sendonly and inactive stay. `previous` is the last
 * SDP this side sent; `streams` limits the change to those m= indexes (default: all active).
 * The version is incremented when anything changed.
 */
export function holdOffer(previous: SessionDescription, streams?: readonly number[]): SessionDescription {
  return redirect(previous, (d) => directionOf(SENDS[d], false), streams);
}

/**
 * The re-offer that takes streams off hold: the receive direction is restored, so sendonly
 * becomes sendrecv and inactive becomes recvonly (the mirror of RFC 3264 §8.4; if the peer had
 * not held us, our inactive came from our own hold of a recvonly stream, and the peer's answer
 * per §6.1 restores the send direction it wants). Pass `direction` to state one explicitly,
 * e.g. 'sendrecv' to resume fully.
 */
export function unholdOffer(previous: SessionDescription, options: { streams?: readonly number[]; direction?: Direction } = {}): SessionDescription {
  const wanted = options.direction;
  return redirect(previous, (d) => wanted ?? directionOf(SENDS[d], true), options.streams);
}

/**
 * The offer a UAS puts in a 200 to a re-INVITE (or UPDATE) without SDP (RFC 3261 §14.2,
 * RFC 3264 §8): the current session unchanged, so the same o= version.
 */
export function repeatOffer(previous: SessionDescription): SessionDescription {
  return cloneSDP(previous);
}

/** What `assembleSDP` needs: the session part; the m= sections come from the streams. */
export interface AssembleOptions {
  readonly origin?: OriginOptions;
  /** Session-level c= address. */
  readonly address: string;
  readonly sessionName?: string;
  /** The m= sections, in order (a stream's `getLocalMedia`, or `rejectedMedia` for a refused line). */
  readonly media: readonly MediaDescription[];
  /** The last SDP this side sent: o= continuity (RFC 3264 §8) and m= lines kept as port 0 beyond `media`. */
  readonly previous?: SessionDescription;
  /** Answer to this offer: its t= line is copied (RFC 3264 §6). */
  readonly offer?: SessionDescription;
}

/**
 * A whole SDP from m= sections made by the streams themselves (Middleware API §4.3
 * get_local_media): the Session owns the session-level lines and the o= version rule of this
 * module; each stream owns its m= line.
 */
export function assembleSDP(options: AssembleOptions): SessionDescription {
  const sections = options.media.map((m) => ({ ...m }));
  if (options.previous) {
    for (let i = sections.length; i < options.previous.media.length; i++) sections.push(rejectedSection(options.previous.media[i]));
  }
  const desc = sessionSkeleton(options.origin, options.address, options.sessionName ?? options.previous?.name, sections);
  if (options.offer) desc.timing = { ...options.offer.timing };
  return continueOrigin(desc, options.previous);
}

/** The m= line that refuses an offered one (RFC 3264 §6: port 0, same type, protocol and formats). */
export function rejectedMedia(offered: MediaDescription): MediaDescription {
  return rejectedSection(offered);
}
