/** Shared helpers of the transport tests: SIP text, waiting for events, throwaway certificates. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionEvent, Inbound, TransportError, TransportManager } from '../../actors/transport/index.js';

let seq = 0;

/** A minimal valid request as wire text. */
export function requestText(o: { method?: string; via: string; callId?: string; cseq?: string | number; body?: string; contentLength?: boolean } ): string {
  const method = o.method ?? 'OPTIONS';
  const body = o.body ?? '';
  const lines = [
    `${method} sip:bob@example.com SIP/2.0`,
    `Via: ${o.via}`,
    'Max-Forwards: 70',
    `From: <sip:alice@example.com>;tag=a${++seq}`,
    'To: <sip:bob@example.com>',
    `Call-ID: ${o.callId ?? `call-${seq}@test`}`,
    `CSeq: ${o.cseq ?? `1 ${method}`}`,
  ];
  if (o.contentLength !== false) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export function request(o: Parameters<typeof requestText>[0]): Buffer {
  return Buffer.from(requestText(o));
}

/** Resolve with the next value `subscribe` delivers that passes `filter`; reject after `ms`. */
function next<T>(subscribe: (h: (v: T) => void) => () => void, filter: (v: T) => boolean, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = subscribe((v) => {
      if (!filter(v)) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}

export function nextMessage(m: TransportManager, filter: (i: Inbound) => boolean = () => true, ms = 3000): Promise<Inbound> {
  return next((h) => m.onMessage(h), filter, ms, 'a SIP message');
}

export function nextError(m: TransportManager, filter: (e: TransportError) => boolean = () => true, ms = 3000): Promise<TransportError> {
  return next((h) => m.onError(h), filter, ms, 'a transport error');
}

export function nextConnectionEvent(m: TransportManager, filter: (e: ConnectionEvent) => boolean = () => true, ms = 3000): Promise<ConnectionEvent> {
  return next((h) => m.onConnection(h), filter, ms, 'a connection event');
}

/** Every message a manager receives, in order. */
export function collect(m: TransportManager): Inbound[] {
  const out: Inbound[] = [];
  m.onMessage((i) => out.push(i));
  return out;
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Answer every request a manager receives with 200 OK (the To tag added), through sendResponse. */
export function autoAnswer(m: TransportManager, status = 200): void {
  m.onMessage((i) => {
    if (i.message.isRequest && i.message.method !== 'ACK') {
      void m.sendResponse(i.message.createResponse(status, undefined, { toTag: 'uas' }), i).catch(() => undefined);
    }
  });
}

export interface TestCerts {
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A self-signed certificate nobody trusts, for the same addresses. */
  rogueCert: string;
  rogueKey: string;
}

let certs: TestCerts | undefined;

/**
 * A throwaway CA and a server certificate it signed (SAN: IP 127.0.0.1, IP ::1, DNS sip.test),
 * plus an untrusted self-signed one, made with the openssl CLI once per process.
 */
export function testCerts(): TestCerts {
  if (certs) return certs;
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-tls-'));
  try {
    const ssl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    };
    const san = 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:sip.test';
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=sipstate test CA', '-keyout', 'ca.key', '-out', 'ca.crt',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=sip.test', '-keyout', 'server.key', '-out', 'server.csr');
    writeFileSync(join(dir, 'ext.cnf'), `${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n`);
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'server.crt', '-extfile', 'ext.cnf');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=rogue', '-keyout', 'rogue.key', '-out', 'rogue.crt', '-addext', san);
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    certs = { caCert: read('ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'), rogueCert: read('rogue.crt'), rogueKey: read('rogue.key') };
    return certs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
