/**
 * Kamailio 5.6 as a real, independent SIP peer for interop tests: registrar, proxy, presence
 * server, XCAP server, MSRP relay, TLS, WS and WSS, all on 127.0.0.1, on FREE ports chosen per
 * start, with its state in a fresh temp dir per start. Debian packages come from
 * `.ci/apt-packages` (kamailio + presence/sqlite/xml/tls/utils/websocket modules, sqlite3,
 * openssl). A missing kamailio is an error telling you to run it, never a skip.
 *
 * ```ts
 * import { startKamailio, requireKamailio, freePort } from '../peers/kamailio.js';
 * requireKamailio();                           // at the top of the file: fail loudly if not installed
 * const k = await startKamailio();             // ~0.4 s; options below
 * try {
 *   // send SIP to 127.0.0.1:k.ports.udp (or .tcp/.tls, k.urls.ws/wss); URIs use example.test
 *   console.log(await k.ulDump());             // kamcmd ul.dump: who is registered
 * } finally {
 *   await k.stop();                            // always; kills kamailio and removes k.dir
 * }
 * ```
 *
 * What the fixture does (test/fixtures/kamailio/kamailio.cfg, adapted from the team's lab):
 * - Users (SQLite `subscriber` table, plaintext passwords): alice/alicepw, bob/bobpw,
 *   carol/carolpw (plus `options.users`). Domain `example.test`, aliases `localhost` and
 *   `127.0.0.1`. Nothing resolves example.test: send to `127.0.0.1:<port>` and keep the domain in
 *   URIs. auth_db and usrloc ignore the domain (`alice@127.0.0.1` is `alice@example.test`), but
 *   presence keys on the full URI, so use `sip:user@example.test` for PUBLISH/SUBSCRIBE/XCAP.
 * - Digest auth (`qop=auth`, realm = the From domain) on every initial request from a user:
 *   REGISTER gets 401, INVITE/MESSAGE/SUBSCRIBE/PUBLISH/... get 407. The auth user must equal the
 *   From user (the To user for REGISTER). In-dialog requests and OPTIONS to the server itself
 *   (`sip:127.0.0.1:<udp>`, no user part: `200 Keepalive`) are not challenged.
 * - Registrar: usrloc in memory (lost at stop), max_expires 3600. WS contacts handled with
 *   fix_nated_register / add_contact_alias.
 * - Proxy: lookup("location") and parallel fork; record-routes INVITE and SUBSCRIBE. MESSAGE is
 *   relayed the same way (404 when the target is not registered). A R-URI that is a loopback
 *   IP:port other than the fixture's own (e.g. `sip:uas@127.0.0.1:5090`) is relayed there after
 *   auth; any other foreign target gets `403 Relaying only to loopback`.
 * - Presence: events presence, presence.winfo, dialog, message-summary; data in the SQLite DB
 *   (subs_db_mode=2, written every 10 s). pres-rules come from the integrated XCAP store, so a
 *   subscription without a matching rule stays `pending` unless `forceActive: true`.
 *   test/fixtures/kamailio/xcap-docs/ has an alice pres-rules document allowing bob.
 * - XCAP: `urls.xcapRoot` (http) and `urls.xcapRootHttps`, HTTP digest realm `xcap` against the
 *   same users; a user may only touch `.../users/sip:<self>@example.test/...` (else 403).
 *   `xcap-caps` is served. RLS is not loaded.
 * - MSRP relay (RFC 4976): `urls.msrp` / `urls.msrps`. AUTH gets 401 (realm `msrp.lab`), AUTH
 *   with digest gets 200 with `Use-Path: msrp[s]://127.0.0.1:<port>/<session>;tcp` and Expires
 *   (60..3600, default 1800); SEND/REPORT to a Use-Path session are relayed; unknown ones 481.
 * - WebSocket: `urls.ws` / `urls.wss`, subprotocol `sip` (same ports as HTTP / HTTPS XCAP).
 * - TLS (SIP TLS, HTTPS, WSS, MSRPS): a fresh self-signed RSA certificate per start, SAN
 *   IP:127.0.0.1, IP:::1, DNS:localhost, DNS:example.test. Trust it with `ca: k.tls.cert`.
 *
 * Ports and state: every start binds-and-closes 7 free ports on 127.0.0.1 (kernel-chosen, never
 * one already handed to a running fixture of this process), writes params.cfg (`#!substdef`
 * ports and paths), kamailio.cfg, tls.cfg, the SQLite DB and the certificate into a fresh
 * `mkdtemp(<tmpdir>/sipstate-kam-)`, checks the cfg (`kamailio -c`), runs
 * `kamailio -f <dir>/kamailio.cfg -DD -E` (log to `logPath`) and waits until an OPTIONS to the
 * UDP port gets a 200. A bind failure (port taken meanwhile) is retried once with new ports.
 * Several fixtures can run at once (in one process or many). `stop()` sends SIGTERM, waits for
 * the exit (SIGKILL to the process group after 5 s) and deletes `dir` (kept with
 * `keepDir: true` or `KAMAILIO_KEEP_DIR=1`, and on a failed start). Safety nets: the child is
 * started under `setpriv --pdeathsig TERM` (it dies with the test process, even on a crash) and
 * a `process.on('exit')` hook SIGKILLs whatever is still running. The child is unref'd: a
 * forgotten stop() does not keep the test process alive.
 *
 * By hand: `node --import tsx test/peers/kamailio.ts [--force-active] [--debug]` starts one,
 * prints its ports and dir, and stops it on Ctrl-C.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, openSync, closeSync, rmSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type * as dgram from 'node:dgram';
import { bindUdp, closeServer, closeSocket, findExecutable, groupAlive, listenTcp, reservedPorts, sleep, supervise, tail, within } from './process.js';

/** The fixture's cfg template and its companions (tls.cfg, sipp/, xcap-docs/). */
export const KAMAILIO_FIXTURES = fileURLToPath(new URL('../fixtures/kamailio/', import.meta.url));
export const KAMAILIO_DOMAIN = 'example.test';
/** The users every fixture has (username → password). carol is baresip's in the lab. */
export const KAMAILIO_USERS: Readonly<Record<string, string>> = Object.freeze({ alice: 'alicepw', bob: 'bobpw', carol: 'carolpw' });
const INSTALL_HINT = 'run `sudo bash .ci/apt-packages` (Debian packages kamailio kamailio-presence-modules kamailio-sqlite-modules kamailio-xml-modules kamailio-tls-modules kamailio-utils-modules kamailio-websocket-modules sqlite3 openssl)';

export interface KamailioPorts {
  /** SIP over UDP (also the port the readiness OPTIONS goes to). */
  udp: number;
  /** SIP over TCP. */
  tcp: number;
  /** SIP over TLS. */
  tls: number;
  /** SIP over WebSocket: same port as `http` (path `/`, subprotocol `sip`). */
  ws: number;
  /** SIP over secure WebSocket: same port as `https`. */
  wss: number;
  /** HTTP: XCAP (`/xcap-root/`) and the WS upgrade. */
  http: number;
  /** HTTPS: XCAP and the WSS upgrade. */
  https: number;
  /** MSRP relay over TCP. */
  msrp: number;
  /** MSRP relay over TLS. */
  msrps: number;
}

export interface KamailioOptions {
  /** `-A WITH_FORCE_ACTIVE`: presence_xml force_active=1, every subscription active, no pres-rules needed. */
  forceActive?: boolean;
  /** `-A WITH_DEBUG`: debug=3 (very chatty log). */
  debug?: boolean;
  /** More `-A` defines, e.g. `['WITH_FOO']` (only the ones the cfg knows have any effect). */
  defines?: string[];
  /** More users besides alice/bob/carol: username → password. */
  users?: Record<string, string>;
  /** Give up if it does not answer OPTIONS within this time (default 10 000 ms). */
  startTimeoutMs?: number;
  /** Keep `dir` after stop() (also with env KAMAILIO_KEEP_DIR=1). */
  keepDir?: boolean;
  /** The kamailio binary (default: env KAMAILIO_BIN, else found in PATH, /usr/sbin, /usr/local/sbin). */
  binary?: string;
}

export interface Kamailio {
  /** Where it listens, all on 127.0.0.1. */
  ports: KamailioPorts;
  /** Always '127.0.0.1': send everything there. */
  host: '127.0.0.1';
  /** 'example.test': put it in URIs (From/To/R-URI), never resolve it. */
  domain: string;
  /** username → password of every subscriber (alice, bob, carol and options.users). */
  users: Readonly<Record<string, string>>;
  /** Digest realms: SIP uses the From domain; XCAP (HTTP) 'xcap'; MSRP 'msrp.lab'. */
  realms: { sip: string; xcap: string; msrp: string };
  /** Ready-made URLs for the HTTP/WS/MSRP listeners. */
  urls: {
    /** `ws://127.0.0.1:<ws>/` */ ws: string;
    /** `wss://127.0.0.1:<wss>/` */ wss: string;
    /** `http://127.0.0.1:<http>/xcap-root` (no trailing slash) */ xcapRoot: string;
    /** `https://127.0.0.1:<https>/xcap-root` */ xcapRootHttps: string;
    /** `msrp://127.0.0.1:<msrp>;tcp` (the relay's own URI, for To-Path of an AUTH) */ msrp: string;
    /** `msrps://127.0.0.1:<msrps>;tcp` */ msrps: string;
  };
  /** The self-signed certificate every TLS listener presents (pass `ca: tls.cert` to node's tls). */
  tls: { cert: string; certPath: string; keyPath: string };
  /** The temp dir holding this instance's state: kamailio.cfg, params.cfg, tls.cfg, kamailio.sqlite, certs/, kamailio.log, kamailio_ctl. */
  dir: string;
  /** kamailio's stderr/stdout (`-E`: all logging). Read it with log(). */
  logPath: string;
  /** The generated cfg actually running. */
  cfgPath: string;
  /** The SQLite DB (subscriber, presentity, active_watchers, watchers, xcap, pua, ...). */
  dbPath: string;
  /** The binrpc control socket, for `kamcmd -s <ctlSocket> <cmd>`. */
  ctlSocket: string;
  /** The main kamailio process. */
  pid: number;
  /** The `-A` defines it was started with. */
  defines: string[];
  /** The log so far (empty after stop() removed the dir). */
  log(): string;
  /** Resolves with the log once `pattern` appears in it, rejects after timeoutMs (default 5 s). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** `kamcmd ul.dump`: the registrations (usrloc location table) as kamcmd prints them. */
  ulDump(): Promise<string>;
  /** Any RPC through kamcmd, e.g. `rpc('ul.dump', 'brief')`, `rpc('presence.cleanup')`, `rpc('core.uptime')`. */
  rpc(method: string, ...params: string[]): Promise<string>;
  /** A query on the SQLite DB via the sqlite3 CLI; rows as objects. Fine for reads; kamailio holds the DB open. */
  sql(query: string): Promise<Record<string, unknown>[]>;
  /** True once the kamailio process has exited (stopped or crashed). */
  readonly exited: boolean;
  /** Kill kamailio (SIGTERM, SIGKILL after 5 s), wait for it to exit, remove `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown when kamailio or one of its modules / tools is not installed. */
export class KamailioNotInstalledError extends Error {
  override name = 'KamailioNotInstalledError';
}

// ---------------------------------------------------------------------------------------------
// Locating the installation


const MODULES = ['jsonrpcs', 'kex', 'corex', 'tm', 'tmx', 'sl', 'rr', 'pv', 'maxfwd', 'usrloc', 'registrar', 'textops', 'siputils', 'xlog', 'sanity', 'ctl', 'cfg_rpc', 'counters', 'htable', 'db_sqlite', 'auth', 'auth_db', 'nathelper', 'tls', 'xhttp', 'websocket', 'presence', 'presence_xml', 'presence_dialoginfo', 'presence_mwi', 'xcap_server', 'msrp'];
const MODULE_PACKAGE: Record<string, string> = {
  db_sqlite: 'kamailio-sqlite-modules',
  tls: 'kamailio-tls-modules',
  websocket: 'kamailio-websocket-modules',
  presence: 'kamailio-presence-modules',
  presence_xml: 'kamailio-presence-modules',
  presence_dialoginfo: 'kamailio-presence-modules',
  presence_mwi: 'kamailio-presence-modules',
  xcap_server: 'kamailio-presence-modules',
};
const SCHEMA_DIRS = ['/usr/share/kamailio/db_sqlite', '/usr/local/share/kamailio/db_sqlite'];
const SCHEMA_FILES = ['standard-create.sql', 'auth_db-create.sql', 'usrloc-create.sql', 'presence-create.sql', 'rls-create.sql'];

function findModuleDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.KAMAILIO_MPATH) candidates.push(process.env.KAMAILIO_MPATH);
  const multiarch = ({ x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ia32: 'i386-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', riscv64: 'riscv64-linux-gnu' } as Record<string, string>)[process.arch];
  if (multiarch) candidates.push(`/usr/lib/${multiarch}/kamailio/modules`);
  try {
    for (const e of readdirSync('/usr/lib')) candidates.push(`/usr/lib/${e}/kamailio/modules`);
  } catch {
    /* none */
  }
  candidates.push('/usr/lib/kamailio/modules', '/usr/lib64/kamailio/modules', '/usr/local/lib64/kamailio/modules', '/usr/local/lib/kamailio/modules');
  return candidates.find((d) => existsSync(join(d, 'tm.so')));
}

interface Install {
  kamailio: string;
  kamcmd: string | undefined;
  sqlite3: string;
  openssl: string;
  setpriv: string | undefined;
  mpath: string;
  schemaDir: string;
}

function locate(binary?: string): Install {
  const kamailio = binary ?? process.env.KAMAILIO_BIN ?? findExecutable('kamailio');
  if (!kamailio || !existsSync(kamailio)) {
    throw new KamailioNotInstalledError(`kamailio is not installed (no ${binary ?? process.env.KAMAILIO_BIN ?? '`kamailio` in PATH, /usr/sbin or /usr/local/sbin'}): ${INSTALL_HINT}`);
  }
  const mpath = findModuleDir();
  if (!mpath) throw new KamailioNotInstalledError(`kamailio modules not found (no tm.so under /usr/lib/*/kamailio/modules; set KAMAILIO_MPATH): ${INSTALL_HINT}`);
  const missing = MODULES.filter((m) => !existsSync(join(mpath, `${m}.so`)));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => MODULE_PACKAGE[m] ?? 'kamailio'))];
    throw new KamailioNotInstalledError(`kamailio modules missing in ${mpath}: ${missing.join(', ')} (packages ${pkgs.join(' ')}): ${INSTALL_HINT}`);
  }
  const schemaDir = SCHEMA_DIRS.find((d) => SCHEMA_FILES.every((f) => existsSync(join(d, f))));
  if (!schemaDir) throw new KamailioNotInstalledError(`kamailio's SQLite schema (${SCHEMA_DIRS[0]}, package kamailio-sqlite-modules) is missing: ${INSTALL_HINT}`);
  const sqlite3 = findExecutable('sqlite3');
  if (!sqlite3) throw new KamailioNotInstalledError(`sqlite3 is not installed (the fixture creates its DB with it): ${INSTALL_HINT}`);
  const openssl = findExecutable('openssl');
  if (!openssl) throw new KamailioNotInstalledError(`openssl is not installed (the fixture makes its TLS certificate with it): ${INSTALL_HINT}`);
  return { kamailio, kamcmd: findExecutable('kamcmd'), sqlite3, openssl, setpriv: findExecutable('setpriv'), mpath, schemaDir };
}

/**
 * Throws KamailioNotInstalledError (saying to run .ci/apt-packages) unless kamailio, the modules
 * the fixture loads, its SQLite schema, sqlite3 and openssl are all installed. Call it at the
 * top of a test file, like requireSipp(): a failing uvu `before` hook is reported without its
 * message, a throw at import is not.
 */
export function requireKamailio(binary?: string): void {
  locate(binary);
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: opts.cwd, timeout: opts.timeoutMs ?? 10000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err); // spawn failure (ENOENT, ...)
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}


function sqlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** Seven distinct free ports on 127.0.0.1 (bind-and-close; all held open until all are chosen). */
async function pickPorts(): Promise<KamailioPorts> {
  const servers: net.Server[] = [];
  const sockets: dgram.Socket[] = [];
  try {
    const chosen: number[] = [];
    while (chosen.length < 6) {
      const s = await listenTcp();
      servers.push(s);
      const p = (s.address() as net.AddressInfo).port;
      if (!reservedPorts.has(p) && !handedOut.includes(p) && !chosen.includes(p)) chosen.push(p);
    }
    let udp = 0;
    while (!udp) {
      const s = await bindUdp();
      sockets.push(s);
      const p = s.address().port;
      if (!reservedPorts.has(p) && !handedOut.includes(p) && !chosen.includes(p)) udp = p;
    }
    const [tcp, tls, http, https, msrp, msrps] = chosen as [number, number, number, number, number, number];
    return { udp, tcp, tls, ws: http, wss: https, http, https, msrp, msrps };
  } finally {
    await Promise.all(servers.map(closeServer));
    await Promise.all(sockets.map(closeSocket));
  }
}

/** Ports freePort() handed out lately: not handed out again (by freePort or to a fixture) soon. */
const handedOut: number[] = [];

/**
 * A port free on 127.0.0.1 for UDP and TCP alike (bind-and-close), for the test's own peers (sipp
 * `-p` / `-mp`, a UAS) next to a fixture. Never one a running fixture of this process holds nor
 * one of the last 256 it handed out.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const s = await listenTcp();
    const p = (s.address() as net.AddressInfo).port;
    await closeServer(s);
    if (reservedPorts.has(p) || handedOut.includes(p)) continue;
    try {
      await closeSocket(await bindUdp(p));
    } catch {
      continue;
    }
    handedOut.push(p);
    if (handedOut.length > 256) handedOut.shift();
    return p;
  }
  throw new Error('no free port on 127.0.0.1');
}

function portList(p: KamailioPorts): number[] {
  return [p.udp, p.tcp, p.tls, p.http, p.https, p.msrp, p.msrps];
}

// ---------------------------------------------------------------------------------------------
// State in the temp dir

async function createDb(inst: Install, dbPath: string, users: Record<string, string>): Promise<void> {
  const schema = SCHEMA_FILES.map((f) => readFileSync(join(inst.schemaDir, f), 'utf8')).join('\n');
  const inserts = Object.entries(users)
    .map(([u, p]) => `INSERT INTO subscriber (username,domain,password,ha1,ha1b) VALUES (${sqlQuote(u)},${sqlQuote(KAMAILIO_DOMAIN)},${sqlQuote(p)},'','');`)
    .join('\n');
  // ha1/ha1b stay empty: auth_db runs with calculate_ha1=yes on the plaintext password column.
  const r = await run(inst.sqlite3, [dbPath], { input: `BEGIN;\n${schema}\n${inserts}\nCOMMIT;\n` });
  if (r.code !== 0) throw new Error(`creating the kamailio DB failed: ${r.stderr}`);
}

async function createCert(inst: Install, certDir: string): Promise<void> {
  const r = await run(inst.openssl, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650',
    '-keyout', join(certDir, 'server.key'), '-out', join(certDir, 'server.crt'),
    '-subj', '/CN=127.0.0.1',
    '-addext', `subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:${KAMAILIO_DOMAIN}`,
  ]);
  if (r.code !== 0) throw new Error(`openssl could not make the fixture certificate: ${r.stderr}`);
}

function writeCfg(inst: Install, dir: string, ports: KamailioPorts): string {
  const subst = (name: string, value: string | number) => {
    const v = String(value);
    if (v.includes('!')) throw new Error(`cannot substdef ${name}: value contains '!' (${v})`);
    return `#!substdef "!${name}!${v}!g"`;
  };
  const params = [
    '# generated by test/peers/kamailio.ts for this start',
    subst('KAM_RUNDIR', dir),
    subst('KAM_DBURL', `sqlite://${join(dir, 'kamailio.sqlite')}`),
    subst('KAM_MPATH', inst.mpath.endsWith('/') ? inst.mpath : `${inst.mpath}/`),
    subst('KAM_UDP_PORT', ports.udp),
    subst('KAM_TCP_PORT', ports.tcp),
    subst('KAM_TLS_PORT', ports.tls),
    subst('KAM_HTTP_PORT', ports.http),
    subst('KAM_HTTPS_PORT', ports.https),
    subst('KAM_MSRP_PORT', ports.msrp),
    subst('KAM_MSRPS_PORT', ports.msrps),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'params.cfg'), params);
  const cfgPath = join(dir, 'kamailio.cfg');
  writeFileSync(cfgPath, readFileSync(join(KAMAILIO_FIXTURES, 'kamailio.cfg'), 'utf8'));
  writeFileSync(join(dir, 'tls.cfg'), readFileSync(join(KAMAILIO_FIXTURES, 'tls.cfg'), 'utf8').replaceAll('@RUNDIR@', dir));
  return cfgPath;
}

// ---------------------------------------------------------------------------------------------
// Readiness: a raw OPTIONS over UDP until a 200 comes back

function optionsProbe(udpPort: number, localPort: number, n: number): string {
  const id = randomBytes(6).toString('hex');
  return [
    `OPTIONS sip:127.0.0.1:${udpPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK-probe-${id};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${id}`,
    `To: <sip:127.0.0.1:${udpPort}>`,
    `Call-ID: probe-${id}@127.0.0.1`,
    `CSeq: ${n} OPTIONS`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function waitForOptions200(udpPort: number, deadline: number, isExited: () => boolean): Promise<void> {
  const sock = await bindUdp();
  try {
    let ok = false;
    sock.on('message', (m) => {
      if (/^SIP\/2\.0 200 /.test(m.toString('latin1'))) ok = true;
    });
    const local = sock.address().port;
    for (let n = 1; !ok; n++) {
      if (isExited()) throw new Error('kamailio exited during startup');
      if (Date.now() > deadline) throw new Error(`kamailio did not answer OPTIONS on udp ${udpPort} in time`);
      sock.send(optionsProbe(udpPort, local, n), udpPort, '127.0.0.1');
      for (let i = 0; i < 10 && !ok && !isExited(); i++) await sleep(10);
    }
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
}

function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}


// ---------------------------------------------------------------------------------------------

/**
 * Start a fresh Kamailio on free loopback ports with its state in a new temp dir. Resolves once
 * it answers OPTIONS on its UDP port and accepts TCP. Always `await k.stop()` (in a finally).
 */
export async function startKamailio(options: KamailioOptions = {}): Promise<Kamailio> {
  const inst = locate(options.binary);
  const keepDir = options.keepDir ?? process.env.KAMAILIO_KEEP_DIR === '1';
  const users = { ...KAMAILIO_USERS, ...(options.users ?? {}) };
  const defines = [...(options.forceActive ? ['WITH_FORCE_ACTIVE'] : []), ...(options.debug ? ['WITH_DEBUG'] : []), ...(options.defines ?? [])];
  const defineArgs = defines.flatMap((d) => ['-A', d]);

  // The ctl socket path must fit a sockaddr_un (108 bytes): fall back to /tmp for a long TMPDIR.
  const base = tmpdir().length > 60 ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'sipstate-kam-'));
  const certDir = join(dir, 'certs');
  const dbPath = join(dir, 'kamailio.sqlite');
  const logPath = join(dir, 'kamailio.log');
  const ctlSocket = `unix:${join(dir, 'kamailio_ctl')}`;
  const fail = (msg: string): never => {
    throw new Error(`${msg}\n(kamailio state kept in ${dir})`);
  };
  try {
    mkdirSync(certDir, { mode: 0o700 });
    await Promise.all([createDb(inst, dbPath, users), createCert(inst, certDir)]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const startTimeoutMs = options.startTimeoutMs ?? 10000;
  for (let attempt = 1; ; attempt++) {
    const ports = await pickPorts();
    const cfgPath = writeCfg(inst, dir, ports);
    const check = await run(inst.kamailio, ['-c', '-f', cfgPath, ...defineArgs], { cwd: dir });
    if (check.code !== 0) fail(`kamailio -c rejected ${cfgPath}:\n${tail(check.stderr + check.stdout, 40)}`);

    const logFd = openSync(logPath, 'w');
    const kamArgs = ['-f', cfgPath, '-DD', '-E', '-m', '128', '-M', '16', ...defineArgs];
    let child: ChildProcess;
    try {
      child = inst.setpriv
        ? spawn(inst.setpriv, ['--pdeathsig', 'TERM', '--', inst.kamailio, ...kamArgs], { cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] })
        : spawn(inst.kamailio, kamArgs, { cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    let exited = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    const exitPromise = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        exitCode = code;
        exitSignal = signal;
        resolve();
      });
      child.once('error', () => {
        exited = true;
        resolve();
      });
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
      await exitPromise;
      fail(`could not spawn ${inst.kamailio}`);
    }
    const unsupervise = supervise(pid!, dir, keepDir);
    for (const p of portList(ports)) reservedPorts.add(p);
    const release = () => {
      unsupervise();
      for (const p of portList(ports)) reservedPorts.delete(p);
    };
    const killGroup = async () => {
      if (!exited) {
        try {
          process.kill(pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        await within(exitPromise, 5000);
      }
      for (let i = 0; i < 50 && groupAlive(pid!); i++) await sleep(20);
      if (groupAlive(pid!)) {
        try {
          process.kill(-pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        await within(exitPromise, 2000);
      }
      release();
    };

    try {
      const deadline = Date.now() + startTimeoutMs;
      await waitForOptions200(ports.udp, deadline, () => exited);
      while (!(await tcpConnects(ports.tcp))) {
        if (exited || Date.now() > deadline) throw new Error(`kamailio does not accept TCP on ${ports.tcp}`);
        await sleep(20);
      }
    } catch (e) {
      await killGroup();
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
      if (attempt === 1 && /Address already in use|bind\(|cannot bind/i.test(log)) {
        renameSync(logPath, join(dir, 'kamailio.attempt1.log'));
        continue; // a port was taken between pick and bind: once more with new ones
      }
      fail(`kamailio failed to start (${(e as Error).message}; exit ${exitCode ?? exitSignal ?? 'none'}):\n${tail(log)}`);
    }

    let stopping: Promise<void> | undefined;
    const cert = readFileSync(join(certDir, 'server.crt'), 'utf8');
    const kamcmd = async (method: string, params: string[]) => {
      const bin = inst.kamcmd;
      if (!bin) throw new KamailioNotInstalledError(`kamcmd is not installed (package kamailio): ${INSTALL_HINT}`);
      const r = await run(bin, ['-s', ctlSocket, method, ...params], { timeoutMs: 5000 });
      if (r.code !== 0) throw new Error(`kamcmd ${method} failed (${r.code}): ${r.stderr || r.stdout}`);
      return r.stdout;
    };
    const k: Kamailio = {
      ports,
      host: '127.0.0.1',
      domain: KAMAILIO_DOMAIN,
      users: Object.freeze(users),
      realms: { sip: KAMAILIO_DOMAIN, xcap: 'xcap', msrp: 'msrp.lab' },
      urls: {
        ws: `ws://127.0.0.1:${ports.ws}/`,
        wss: `wss://127.0.0.1:${ports.wss}/`,
        xcapRoot: `http://127.0.0.1:${ports.http}/xcap-root`,
        xcapRootHttps: `https://127.0.0.1:${ports.https}/xcap-root`,
        msrp: `msrp://127.0.0.1:${ports.msrp};tcp`,
        msrps: `msrps://127.0.0.1:${ports.msrps};tcp`,
      },
      tls: { cert, certPath: join(certDir, 'server.crt'), keyPath: join(certDir, 'server.key') },
      dir,
      logPath,
      cfgPath,
      dbPath,
      ctlSocket,
      pid: pid!,
      defines,
      log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
      async waitForLog(pattern, timeoutMs = 5000) {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const text = k.log();
          if (pattern.test(text)) return text;
          if (Date.now() > end) throw new Error(`kamailio log never matched ${pattern}:\n${tail(text)}`);
          await sleep(25);
        }
      },
      ulDump: () => kamcmd('ul.dump', []),
      rpc: (method, ...params) => kamcmd(method, params),
      async sql(query) {
        const r = await run(inst.sqlite3, ['-json', '-cmd', '.timeout 2000', dbPath, query], { timeoutMs: 5000 });
        if (r.code !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
        return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>[]) : [];
      },
      get exited() {
        return exited;
      },
      stop() {
        stopping ??= (async () => {
          await killGroup();
          if (!keepDir) rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
    return k;
  }
}

// ---------------------------------------------------------------------------------------------
// By hand: node --import tsx test/peers/kamailio.ts [--force-active] [--debug]

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const k = await startKamailio({ forceActive: argv.includes('--force-active'), debug: argv.includes('--debug'), keepDir: argv.includes('--keep') });
  console.log(JSON.stringify({ pid: k.pid, ports: k.ports, urls: k.urls, dir: k.dir, log: k.logPath, ctl: k.ctlSocket, defines: k.defines }, null, 2));
  console.log('Ctrl-C to stop');
  const keepAlive = setInterval(() => {
    if (k.exited) {
      console.error(`kamailio exited; log:\n${tail(k.log())}`);
      process.exit(1);
    }
  }, 500);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      clearInterval(keepAlive);
      void k.stop().then(() => process.exit(0));
    });
  }
}
