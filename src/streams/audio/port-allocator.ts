/**
 * Which UDP ports an RTP stream tries, from the account's rtp.port_range.
 *
 * RFC 3550 §11: "For UDP and similar protocols, RTP SHOULD use an even destination port number
 * and the corresponding RTCP stream SHOULD use the next higher (odd) destination port number".
 * So a candidate is an even port p with p + 1 also in the range; an odd range start is skipped.
 *
 * The first candidate rotates by one pair per allocation (per range, process-wide), so a call
 * does not get the pair a call just released: late packets of the old call would land in the
 * new one.
 */
import { MediaStreamError, type PortRange } from '../media-stream.js';

const cursors = new Map<string, number>();

/** Throws MediaStreamError for a range that is not two valid ports, or that holds no RTP/RTCP pair. */
export function checkPortRange(range: PortRange): void {
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end > 65535 || start > end) {
    throw new MediaStreamError(`bad RTP port range ${start}-${end}`);
  }
  if (pairCount(range) === 0) throw new MediaStreamError(`RTP port range ${start}-${end} holds no even/odd RTP/RTCP port pair`);
}

function firstEven(range: PortRange): number {
  return range.start % 2 === 0 ? range.start : range.start + 1;
}

function pairCount(range: PortRange): number {
  const first = firstEven(range);
  return first + 1 > range.end ? 0 : Math.floor((range.end - first - 1) / 2) + 1;
}

/** The RTP ports to try, in order: every even port of the range whose odd successor is in it too. */
export function candidatePorts(range: PortRange): number[] {
  checkPortRange(range);
  const first = firstEven(range);
  const count = pairCount(range);
  const key = `${range.start}-${range.end}`;
  const offset = cursors.get(key) ?? 0;
  cursors.set(key, (offset + 1) % count);
  const out: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = first + 2 * ((offset + i) % count);
  return out;
}
