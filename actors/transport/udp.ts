/** UDP (RFC 3261 §18.1.1, §18.2.1): one bound datagram socket per listener. */
import * as dgram from 'node:dgram';
import { TransportError } from './errors.js';
import { type Endpoint, ipFamily, normalizeAddress } from './types.js';

/** Socket buffer size asked for (bytes). */
const UDP_BUFFER_SIZE = 4 * 1024 * 1024;

export class UdpListener {
  private constructor(
    private readonly socket: dgram.Socket,
    readonly local: Endpoint,
    readonly family: 4 | 6,
  ) {}

  /** True for `0.0.0.0` / `::` (the latter also reaches IPv4 through mapped addresses). */
  get wildcard(): boolean {
    return this.local.address === '0.0.0.0' || this.local.address === '::';
  }

  get loopback(): boolean {
    return isLoopback(this.local.address);
  }

  static bind(
    address: string,
    port: number,
    receive: (data: Buffer, source: Endpoint, listener: UdpListener) => void,
    report: (error: TransportError) => void,
  ): Promise<UdpListener> {
    const family = ipFamily(address) === 6 ? 6 : 4;
    // Bursts of requests (a call center's peak, a test tool's ramp) must not overflow the kernel's
    // default ~200 KB receive buffer: a dropped INVITE costs the caller a 500 ms retransmission.
    // The kernel caps the size at net.core.rmem_max / wmem_max.
    const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: UDP_BUFFER_SIZE, sendBufferSize: UDP_BUFFER_SIZE });
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        socket.close();
        reject(e);
      };
      socket.once('error', onError);
      socket.bind({ address: normalizeAddress(address), port, exclusive: true }, () => {
        socket.off('error', onError);
        const a = socket.address();
        const listener = new UdpListener(socket, { protocol: 'UDP', address: normalizeAddress(a.address), port: a.port }, family);
        socket.on('error', (e) => report(new TransportError('ESOCKET', `UDP socket ${a.address}:${a.port}: ${e.message}`, { cause: e })));
        socket.on('message', (data, rinfo) => receive(data, { protocol: 'UDP', address: normalizeAddress(rinfo.address), port: rinfo.port }, listener));
        resolve(listener);
      });
    });
  }

  /** Can this socket reach an address of that family? */
  reaches(family: 4 | 6): boolean {
    return this.family === family || (family === 4 && this.family === 6 && this.local.address === '::');
  }

  send(data: Buffer, target: Endpoint, ttl?: number): Promise<void> {
    let address = normalizeAddress(target.address);
    // A dual-stack IPv6 socket reaches IPv4 peers through their IPv4-mapped address.
    if (this.family === 6 && ipFamily(address) === 4) address = `::ffff:${address}`;
    if (ttl !== undefined) {
      try {
        this.socket.setMulticastTTL(ttl);
      } catch {
        // not a multicast-capable socket: send with the default TTL
      }
    }
    return new Promise((resolve, reject) => {
      this.socket.send(data, target.port, address, (err) => {
        if (err) reject(new TransportError(err.message.includes('EMSGSIZE') ? 'EMSGSIZE' : 'ESEND', `UDP send failed: ${err.message}`, { target, cause: err }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

export function isLoopback(address: string): boolean {
  const a = normalizeAddress(address);
  return a === '::1' || a.startsWith('127.');
}
