/**
 * The m=audio section an AudioStream puts in an offer or an answer, built by the SDK's one
 * implementation of the SDP rules (createOffer / createAnswer of src/sdp) and cut out of the
 * session description they make.
 *
 * Directions (RFC 3264):
 * - The stream has a wanted direction (R-MED-1, default sendrecv). Holding takes the receive
 *   half away from it (§8.4: "sendrecv ... sendonly", "recvonly ... inactive").
 * - Offer: the wanted direction, held if we hold, and without the send half while the remote
 *   holds us (its last offer or answer said it does not want our media; re-offering would undo
 *   its hold). So with both holds the offer is inactive.
 * - Answer: §6.1 through answerDirection, from the offered direction and what we want (held if
 *   we hold).
 */
import { createAnswer, createOffer, mediaFormats, type Codec } from '../../sdp/offer-answer.js';
import type { Direction, MediaDescription, SessionDescription } from '../../sdp/session-description.js';
import { MediaStreamError, type RemoteMedia } from '../media-stream.js';

const SENDS: Record<Direction, boolean> = { sendrecv: true, sendonly: true, recvonly: false, inactive: false };
const RECEIVES: Record<Direction, boolean> = { sendrecv: true, sendonly: false, recvonly: true, inactive: false };

function directionOf(send: boolean, receive: boolean): Direction {
  return send ? (receive ? 'sendrecv' : 'sendonly') : receive ? 'recvonly' : 'inactive';
}

/** What we want, minus the receive half when we hold (RFC 3264 §8.4). */
export function wantedDirection(wanted: Direction, localHold: boolean): Direction {
  return directionOf(SENDS[wanted], RECEIVES[wanted] && !localHold);
}

/** The direction of our offer (see the module comment). */
export function offerDirection(wanted: Direction, localHold: boolean, remoteHold: boolean): Direction {
  const d = wantedDirection(wanted, localHold);
  return directionOf(SENDS[d] && !remoteHold, RECEIVES[d]);
}

export interface LocalMediaOptions {
  readonly address: string;
  readonly port: number;
  readonly rtcpPort: number;
  readonly codecs: readonly Codec[];
}

/** RFC 3605: a=rtcp with the address, as the spec's example SDP (§4.6) writes it. */
function withRtcp(m: MediaDescription, o: LocalMediaOptions): MediaDescription {
  // RFC 3605 §2.1 lets the attribute be left out when RTCP is on port + 1, which the shared SDP
  // writer does; stating it costs one line and spares peers (and NATs) the guess.
  if (m.port !== 0) m.rtcp = { port: o.rtcpPort, netType: 'IN', ipVer: o.address.includes(':') ? 6 : 4, address: o.address };
  return m;
}

/** Our m=audio for an offer (RFC 3264 §5). */
export function offerMedia(o: LocalMediaOptions, direction: Direction): MediaDescription {
  const sdp = createOffer({
    address: o.address,
    media: [{ type: 'audio', port: o.port, codecs: o.codecs, direction, rtcpPort: o.rtcpPort }],
  });
  return withRtcp(sdp.media[0], o);
}

/** Our m=audio answering the offered m= line `remote.index` (RFC 3264 §6); port 0 when we cannot take it. */
export function answerMedia(o: LocalMediaOptions, remote: RemoteMedia, wanted: Direction): MediaDescription {
  const { sdp, index } = remote;
  if (!Number.isInteger(index) || index < 0 || index >= sdp.media.length) {
    throw new MediaStreamError(`no m= line ${index} in the remote SDP (it has ${sdp.media.length})`);
  }
  const ports: (number | undefined)[] = [];
  const directions: (Direction | undefined)[] = [];
  const rtcpPorts: (number | undefined)[] = [];
  ports[index] = o.port;
  directions[index] = wanted;
  rtcpPorts[index] = o.rtcpPort;
  const answer = createAnswer(sdp, { audio: { codecs: o.codecs } }, { address: o.address, ports, directions, rtcpPorts });
  return withRtcp(answer.media[index], o);
}

/** Whether the m= line `index` of `sdp` is RTP/AVP audio carrying a codec of `codecs` (besides telephone-event). */
export function acceptsAudio(sdp: SessionDescription, index: number, codecs: readonly Codec[]): boolean {
  const m = sdp.media[index];
  if (!m || m.type !== 'audio' || m.protocol !== 'RTP/AVP') return false;
  return mediaFormats(m).some(
    (f) =>
      f.name.toLowerCase() !== 'telephone-event' &&
      codecs.some((c) => c.name.toLowerCase() === f.name.toLowerCase() && c.clockRate === f.clockRate && (c.channels ?? 1) === f.channels),
  );
}
