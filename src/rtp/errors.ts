/**
 * Typed errors of the RTP layer. Parsers in `src/rtp/` throw only these on malformed input
 * (never a TypeError or RangeError from a read past the end), so a receiving socket actor can
 * count and drop bad datagrams with one `instanceof` check (RFC 3550 §A.1/§A.2 validity checks).
 */

/** What is wrong with an RTP packet or RTP payload. */
export type RTPErrorCode =
  | 'short'            // fewer octets than the fixed header or a payload format needs
  | 'bad-version'      // V is not 2 (RFC 3550 §5.1)
  | 'csrc-overrun'     // CC says more CSRC identifiers than the packet holds
  | 'extension-overrun'// the header extension's length runs past the end (RFC 3550 §5.3.1)
  | 'bad-padding';     // P set but the padding count is 0 or larger than the payload (§5.1)

export class RTPError extends Error {
  override readonly name = 'RTPError';
  constructor(
    readonly code: RTPErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What is wrong with an RTCP compound packet. */
export type RTCPErrorCode =
  | 'short'          // a header or a fixed part cut short
  | 'bad-version'    // V is not 2 (RFC 3550 §6.4.1)
  | 'length-overrun' // a packet's length field runs past the end of the datagram (§6.4.1)
  | 'bad-padding'    // padding on a non-last packet, or a bad padding count (§6.4.1, §A.2)
  | 'bad-count'      // report/source count larger than the packet holds (§6.4, §6.5, §6.6)
  | 'bad-sdes';      // an SDES item runs past its chunk (§6.5)

export class RTCPError extends Error {
  override readonly name = 'RTCPError';
  constructor(
    readonly code: RTCPErrorCode,
    message: string,
  ) {
    super(message);
  }
}
