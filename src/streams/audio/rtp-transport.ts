/**
 * The UDP socket pair of an RTP session: RTP on an even port, RTCP on the next (RFC 3550 §11),
 * both bound to the host's local address.
 *
 * Ports come from the account's range (./port-allocator.ts); a pair where either port is taken
 * (by anyone, this process included) is skipped, and MediaStreamError says so when no pair is
 * left. Sockets never throw at their owner: receive errors and failed sends are counted, and
 * every datagram goes to the handlers as it came (validation is the receiver's job).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { MediaStreamError, type PortRange } from '../media-stream.js';
import { candidatePorts } from './port-allocator.js';

export interface RtpTransportHandlers {
  rtp(packet: Buffer, from: RemoteInfo): void;
  rtcp(packet: Buffer, from: RemoteInfo): void;
}

export interface RtpTransportOptions {
  /** The local address to bind (IPv4 or IPv6). */
  readonly address: string;
  readonly portRange: PortRange;
}

/** Bind errors that mean "this port is taken, try the next pair". */
const BUSY = new Set(['EADDRINUSE', 'EACCES']);

function bind(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    const failed = (e: Error) => {
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      reject(e);
    };
    socket.once('error', failed);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', failed);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export class RtpTransport {
  readonly address: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  /** Socket errors and failed sends (never thrown). */
  errors = 0;
  private open = true;

  private constructor(
    private readonly rtpSocket: Socket,
    private readonly rtcpSocket: Socket,
    address: string,
    handlers: RtpTransportHandlers,
  ) {
    this.address = address;
    this.rtpPort = rtpSocket.address().port;
    this.rtcpPort = rtcpSocket.address().port;
    const count = () => void this.errors++;
    rtpSocket.on('error', count);
    rtcpSocket.on('error', count);
    // A throwing handler must not take the socket (and the process) down.
    rtpSocket.on('message', (msg, from) => {
      try {
        handlers.rtp(msg, from);
      } catch {
        this.errors++;
      }
    });
    rtcpSocket.on('message', (msg, from) => {
      try {
        handlers.rtcp(msg, from);
      } catch {
        this.errors++;
      }
    });
  }

  /**
   * Bind the first free pair of `options.portRange` on `options.address`.
   * @throws MediaStreamError when the range is bad or every pair is taken, or the address cannot be bound.
   */
  static async open(options: RtpTransportOptions, handlers: RtpTransportHandlers): Promise<RtpTransport> {
    const { address, portRange } = options;
    for (const port of candidatePorts(portRange)) {
      let rtp: Socket;
      try {
        rtp = await bind(address, port);
      } catch (e) {
        if (BUSY.has((e as NodeJS.ErrnoException).code ?? '')) continue;
        throw new MediaStreamError(`cannot bind RTP to ${address}:${port}: ${(e as Error).message}`);
      }
      try {
        const rtcp = await bind(address, port + 1);
        return new RtpTransport(rtp, rtcp, address, handlers);
      } catch (e) {
        await closeSocket(rtp);
        if (BUSY.has((e as NodeJS.ErrnoException).code ?? '')) continue;
        throw new MediaStreamError(`cannot bind RTCP to ${address}:${port + 1}: ${(e as Error).message}`);
      }
    }
    throw new MediaStreamError(`no free RTP/RTCP port pair in ${portRange.start}-${portRange.end} on ${address}`);
  }

  get closed(): boolean {
    return !this.open;
  }

  sendRtp(packet: Buffer, port: number, address: string): void {
    this.send(this.rtpSocket, packet, port, address);
  }

  /** Resolves when the datagram left (or failed: counted); used to get the RTCP BYE out before closing. */
  sendRtcp(packet: Buffer, port: number, address: string): Promise<void> {
    return new Promise((resolve) => this.send(this.rtcpSocket, packet, port, address, resolve));
  }

  private send(socket: Socket, packet: Buffer, port: number, address: string, done?: () => void): void {
    if (!this.open || !(port > 0 && port < 65536)) {
      done?.();
      return;
    }
    try {
      socket.send(packet, port, address, (err) => {
        if (err) this.errors++;
        done?.();
      });
    } catch {
      this.errors++;
      done?.();
    }
  }

  /** Close both sockets (idempotent). */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await Promise.all([closeSocket(this.rtpSocket), closeSocket(this.rtcpSocket)]);
  }
}
