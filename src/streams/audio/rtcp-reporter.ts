/**
 * RTCP for one RTP audio stream (RFC 3550 §6): our reports, and what the peer reports.
 *
 * - §6.4: a sender report (SR) when we sent RTP since the report before last, else a receiver
 *   report (RR); each with a report block about the source we receive, and (§6.1) in a compound
 *   packet with an SDES CNAME.
 * - §6.2: the interval. For a two-party call of 64 kb/s audio, 5 % of the session bandwidth gives
 *   a computed interval far below the recommended minimum, so the minimum of 5 s applies; it is
 *   randomised over [0.5, 1.5] times (§6.3.1) so that reports do not synchronise, and the first
 *   report goes out after half the minimum (§6.2: "the initial delay ... 2.5 seconds").
 * - §6.6: BYE when the stream ends (in a compound packet beginning with SR/RR, §6.1).
 * - The peer's packets are parsed with parseRTCP; malformed ones are counted and dropped. The last
 *   SR, the last report block about our stream, the round-trip time (§6.4.1: A - LSR - DLSR)
 *   and BYE are kept for `statistics`.
 */
import {
  type RTCPPacket,
  type ReportBlock,
  SDES_CNAME,
  buildRTCP,
  cnameOf,
  ntpFromUnixMs,
  ntpMiddle32,
  parseRTCP,
} from '../../rtp/rtcp.js';
import type { RtpReceiver } from './rtp-receiver.js';
import type { RtpSender } from './rtp-sender.js';

/** RFC 3550 §6.2 recommended minimum interval. */
export const RTCP_MIN_INTERVAL_MS = 5000;

/** The peer's last sender report. */
export interface PeerSenderReport {
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly receivedAt: Date;
}

export interface RtcpStatistics {
  readonly reportsSent: number;
  /** Compound packets received that parsed. */
  readonly reportsReceived: number;
  /** Datagrams on the RTCP port that did not parse. */
  readonly malformed: number;
  readonly lastSenderReport: PeerSenderReport | undefined;
  /** The peer's last report block about our stream (loss, jitter as it sees them). */
  readonly lastReportBlock: ReportBlock | undefined;
  /** Round-trip time from the last report block about us, in ms (RFC 3550 §6.4.1). */
  readonly roundTripMs: number | undefined;
  readonly remoteCname: string | undefined;
  /** The peer sent BYE (RFC 3550 §6.6). */
  readonly byeReceived: boolean;
}

export interface RtcpReporterOptions {
  readonly cname: string;
  readonly sender: RtpSender;
  readonly receiver: RtpReceiver;
  readonly clockRate: () => number;
  readonly send: (packet: Buffer) => void;
  /** Default RTCP_MIN_INTERVAL_MS. */
  readonly intervalMs?: number;
}

export class RtcpReporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  /** packetsSent at the last two reports (§6.4: "since ... the previous one"). */
  private sentAtLast = 0;
  private sentAtPrevious = 0;
  /** LSR of the peer's last SR and when it arrived (performance.now()), for our report blocks. */
  private peerLsr = 0;
  private peerSrAt = 0;
  private s: {
    reportsSent: number;
    reportsReceived: number;
    malformed: number;
    lastSenderReport: PeerSenderReport | undefined;
    lastReportBlock: ReportBlock | undefined;
    roundTripMs: number | undefined;
    remoteCname: string | undefined;
    byeReceived: boolean;
  } = { reportsSent: 0, reportsReceived: 0, malformed: 0, lastSenderReport: undefined, lastReportBlock: undefined, roundTripMs: undefined, remoteCname: undefined, byeReceived: false };

  constructor(private readonly o: RtcpReporterOptions) {
    this.intervalMs = o.intervalMs ?? RTCP_MIN_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new RangeError('RTCP interval must be > 0');
  }

  get statistics(): RtcpStatistics {
    return { ...this.s };
  }

  /** Start the report timer (the first report after half an interval, §6.2). */
  start(): void {
    if (this.timer) return;
    this.schedule(this.intervalMs / 2);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(base: number): void {
    // §6.3.1: randomise over [0.5, 1.5] of the interval.
    this.timer = setTimeout(() => {
      try {
        this.o.send(this.report());
      } catch {
        // a report that cannot be built is skipped; the next one is due anyway
      }
      if (this.timer) this.schedule(this.intervalMs);
    }, base * (0.5 + Math.random()));
  }

  /** An SR or RR with SDES (and BYE when `bye`), as one compound packet (§6.1). */
  report(bye?: { reason?: string }): Buffer {
    const { sender, receiver } = this.o;
    const now = performance.now();
    const wallNow = Date.now();
    const blocks: ReportBlock[] = [];
    const r = receiver.report();
    if (r) {
      const dlsr = this.peerLsr === 0 ? 0 : Math.min(0xffffffff, Math.round(((now - this.peerSrAt) * 65536) / 1000));
      blocks.push({ ...r, lastSR: this.peerLsr, delaySinceLastSR: dlsr });
    }
    const weSent = sender.packetsSent > this.sentAtPrevious;
    this.sentAtPrevious = this.sentAtLast;
    this.sentAtLast = sender.packetsSent;
    const packets: RTCPPacket[] = [];
    if (weSent) {
      const ntp = ntpFromUnixMs(wallNow);
      packets.push({
        type: 'sr',
        ssrc: sender.ssrc,
        ...ntp,
        rtpTimestamp: sender.timestampAt(now, this.o.clockRate()),
        packetCount: sender.packetsSent >>> 0,
        octetCount: sender.octetsSent >>> 0,
        reports: blocks,
      });
    } else {
      packets.push({ type: 'rr', ssrc: sender.ssrc, reports: blocks });
    }
    packets.push({ type: 'sdes', chunks: [{ ssrc: sender.ssrc, items: [{ type: SDES_CNAME, text: this.o.cname }] }] });
    if (bye) packets.push({ type: 'bye', ssrcs: [sender.ssrc], ...(bye.reason !== undefined ? { reason: bye.reason } : {}) });
    this.s.reportsSent++;
    return buildRTCP(packets);
  }

  /** A datagram from the RTCP port. */
  receive(datagram: Buffer): void {
    let packets: RTCPPacket[];
    try {
      packets = parseRTCP(datagram);
    } catch {
      this.s.malformed++;
      return;
    }
    this.s.reportsReceived++;
    const now = performance.now();
    const ours = this.o.sender.ssrc;
    for (const p of packets) {
      if (p.type === 'sr') {
        this.s.lastSenderReport = {
          ssrc: p.ssrc,
          ntpSeconds: p.ntpSeconds,
          ntpFraction: p.ntpFraction,
          rtpTimestamp: p.rtpTimestamp,
          packetCount: p.packetCount,
          octetCount: p.octetCount,
          receivedAt: new Date(),
        };
        this.peerLsr = ntpMiddle32(p.ntpSeconds, p.ntpFraction);
        this.peerSrAt = now;
      }
      if (p.type === 'sr' || p.type === 'rr') {
        const block = p.reports.find((b) => b.ssrc === ours);
        if (block) {
          this.s.lastReportBlock = block;
          if (block.lastSR !== 0) {
            const a = ntpFromUnixMs(Date.now());
            const rtt = (ntpMiddle32(a.ntpSeconds, a.ntpFraction) - block.lastSR - block.delaySinceLastSR) >>> 0;
            // A wrapped (negative) difference means clocks or a peer lying: no figure then.
            if (rtt < 0x80000000) this.s.roundTripMs = (rtt * 1000) / 65536;
          }
        }
      }
      if (p.type === 'sdes') {
        const ssrc = p.chunks[0]?.ssrc;
        const cname = ssrc === undefined ? undefined : cnameOf(p, ssrc);
        if (cname !== undefined && ssrc !== ours) this.s.remoteCname = cname;
      }
      if (p.type === 'bye' && !p.ssrcs.includes(ours)) this.s.byeReceived = true;
    }
  }
}
