/**
 * baresip 1.0.0 (Debian packages `baresip` + `baresip-core`, installed by `.ci/apt-packages`) as a
 * real, independent softphone peer for INVITE-session interop tests: it places and answers calls
 * with RTP audio (PCMU/PCMA, telephone-event 101), plays a WAV file as its microphone and records
 * what it receives into a WAV file. Everything binds to 127.0.0.1 on free ports chosen per start,
 * with its config in a fresh temp dir per start. A missing baresip is an error telling you to run
 * `.ci/apt-packages`, never a skip.
 *
 * ```ts
 * import { startBaresip, requireBaresip } from '../peers/baresip.js';
 * requireBaresip();                                   // top of the file: fail loudly if not installed
 * const b = await startBaresip({ answerMode: 'auto', tone: { frequency: 1000 } });   // ~0.1 s
 * try {
 *   // call b.uri (sip:bob@127.0.0.1:<b.sipPort>) over UDP or TCP, or make it call you:
 *   await b.ctl.dial('sip:alice@127.0.0.1:5099');
 *   await b.waitForEvent('CALL_ESTABLISHED', 5000);
 *   await b.ctl.sendDtmf('12#');
 *   await b.ctl.hangup();
 *   await b.waitForEvent('CALL_CLOSED', 5000);
 *   const rx = b.readRecording();                     // what b received, 8 kHz mono 16-bit
 * } finally {
 *   await b.stop();                                   // always; kills baresip and removes b.dir
 * }
 * ```
 *
 * What the fixture does (test/fixtures/baresip/config and accounts, adapted from the lab):
 * - One local account `<sip:USER@127.0.0.1:PORT>` with `regint=0` (never registers),
 *   `audio_codecs=PCMU,PCMA`, `ptime=20`, and `answermode` auto (180 then 200 at once; no
 *   CALL_INCOMING event), manual (180, CALL_INCOMING, then `ctl.answer()`), or early (180, then
 *   183 with SDP; no CALL_INCOMING event; baresip sends NO RTP before its 200, though it receives;
 *   it never sends the 200 by itself: `ctl.answer()`).
 *   Incoming INVITEs must have USER as the Request-URI user (baresip answers 404 otherwise).
 * - SIP over UDP and TCP on `sipPort`; baresip 1.0.0 also listens for TLS (TCP) on `sipPort + 1`
 *   (no certificate: unusable, but the port must be free). Contact user is `USER-0x<hex>`.
 * - Audio source: `aufile` reading `sourceWav` (8 kHz mono 16-bit; made from `tone` unless you
 *   pass a file). **When the file ends, baresip closes the call** (BYE, CALL_CLOSED "end of
 *   file"): the default tone lasts 60 s. Player: ALSA's `null` PCM (no sound card needed).
 * - Recording: the `sndfile` audio filter writes `recordDir/dump-<YYYY-MM-DD-hh-mm-ss>-dec.wav`
 *   (decoded audio received, 8 kHz mono 16-bit PCM for G.711) and `...-enc.wav` (what it sent)
 *   per call. Header sizes are final only once the call ended (readRecording() copes with an
 *   unfinished one). Quirk: a re-INVITE with a non-sendrecv direction (hold) closes the dec file
 *   and nothing received after it is recorded; two calls starting in the same second share a name.
 * - Control: ctrl_tcp on `ctrlPort` (netstring-framed JSON `{"command","params","token"}`, the
 *   long menu commands without '/'); the same connection carries the UA events, all kept in
 *   `events`. ctrl_tcp allows ONE connection: do not connect another client (it would steal it).
 * - `-s`: every SIP message baresip sends or receives is in the log (`log()`, `logPath`).
 * - DNS only ever to 127.0.0.1:53 (`dns_server`); use IP URIs. baresip also keeps two idle
 *   wildcard UDP sockets (libre's DNS client) that nothing sends to.
 *
 * Events seen from baresip 1.0.0 (`type`): CALL_LOCAL_SDP / CALL_REMOTE_SDP (class other, param
 * "offer" | "answer"), CALL_INCOMING (manual mode only), CALL_RINGING, CALL_PROGRESS (183),
 * CALL_ESTABLISHED, CALL_RTPESTAB (first RTP received), CALL_RTCP (param "audio", rtcp_stats),
 * CALL_DTMF_START (param = the digit), CALL_DTMF_END (no param), CALL_CLOSED (param = reason,
 * e.g. "Connection reset by peer"), AUDIO_ERROR. Every call event has direction, peeruri, and
 * `id` (the Call-ID; missing on the very first CALL_LOCAL_SDP of an outgoing call).
 *
 * What a peer of baresip 1.0.0 sees (checked with -s traces and sipp, 2026-11-22):
 * - INVITE/200 carry `Supported:` with an EMPTY value (no 100rel, no timer), `Allow: INVITE,ACK,
 *   BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE`, Contact `<sip:USER-0x<hex>@127.0.0.1:PORT>`,
 *   reason phrase `200 Answering`. SDP: `o=- <id> <ver>`, `a=tool:baresip 1.0.0`,
 *   `m=audio P RTP/AVP 0 8 101`, `a=fmtp:101 0-15`, explicit `a=sendrecv`, `a=label:1`,
 *   `a=rtcp-rsize` (offers only), `a=ssrc:... cname:...`, `a=minptime:20`, `a=ptime:20`; RTCP on
 *   P+1 (rtcp_mux off). Its answer lists every offered codec it supports (0 8 101), not just one.
 * - hold(): re-INVITE with a=sendonly, and it then sends no RTP at all until resume() (sendrecv).
 *   Offered sendonly, it answers a=recvonly (and keeps sending nothing). An offerless re-INVITE
 *   gets an SDP offer in its 200. In a re-INVITE glare it answers the peer's INVITE with 491, but
 *   it never retries its own re-INVITE after a 491 (no RFC 3261 section 14.1 retry).
 * - As caller it sends RTP as soon as a 183 with SDP arrives; as callee in early mode it sends
 *   none before its 200. It follows a 302 by itself (same call; events keep the first peeruri).
 *
 * By hand: `node --import tsx test/peers/baresip.ts [--manual|--early]` starts one, prints its
 * ports and dir, and stops it on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, openSync, closeSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { bindUdp, closeServer, closeSocket, findExecutable, listenTcp, reservedPorts, sleep, supervise, tail, within } from './process.js';
import { sineTone } from '../../src/audio/tone.js';
import { readWav, writeWav, type WavAudio } from '../../src/audio/wav.js';

/** The config and accounts templates. */
export const BARESIP_FIXTURES = fileURLToPath(new URL('../fixtures/baresip/', import.meta.url));
const INSTALL_HINT = 'run `sudo bash .ci/apt-packages` (Debian packages baresip baresip-core)';
const MODULES = ['g711', 'aufile', 'alsa', 'sndfile', 'account', 'menu', 'ctrl_tcp', 'debug_cmd'];

export type AnswerMode = 'auto' | 'manual' | 'early';

export interface BaresipOptions {
  /** The account's user part (default 'bob'): the uri is sip:<user>@127.0.0.1:<sipPort>. */
  user?: string;
  /** auto (default): 180 + 200 at once; manual: 180, CALL_INCOMING, wait for ctl.answer(); early: 180 + 183 with SDP (no RTP), wait for ctl.answer(). */
  answerMode?: AnswerMode;
  /** The tone baresip sends when no sourceWav is given (default 440 Hz, 60 s, amplitude 0.5). */
  tone?: { frequency: number; seconds?: number; amplitude?: number };
  /** A WAV file to send instead of the tone: 8 kHz, mono, 16-bit (aufile insists). Its end closes the call. */
  sourceWav?: string;
  /** RTP (and RTCP, +1) port range [min, max] (default: a 20-port block of 20000-29999 for this start). */
  rtpPorts?: [number, number];
  /** Packet time in ms (default 20). */
  ptime?: number;
  /** `-s`: log every SIP message (default true). */
  sipTrace?: boolean;
  /** More config lines (appended; a later line wins). */
  extraConfig?: string[];
  /** More account parameters, e.g. ';auth_pass=x;outbound="sip:127.0.0.1:5060"'. */
  accountParams?: string;
  /** Give up if ctrl_tcp does not accept within this time (default 10 000 ms). */
  startTimeoutMs?: number;
  /** Keep `dir` after stop() (also with env BARESIP_KEEP_DIR=1). */
  keepDir?: boolean;
  /** The baresip binary (default: env BARESIP_BIN, else `baresip` in PATH). */
  binary?: string;
}

/** An event as ctrl_tcp pushes it, plus `at` (Date.now() when it arrived). */
export interface BaresipEvent {
  type: string;
  class: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  peerdisplayname?: string;
  /** The call's Call-ID. */
  id?: string;
  param?: string;
  rtcp_stats?: { tx: { sent: number; lost: number; jit: number }; rx: { sent: number; lost: number; jit: number }; rtt: number };
  at: number;
  [key: string]: unknown;
}

export interface CommandResponse {
  ok: boolean;
  /** What the command printed. */
  data: string;
}

export type EventMatch = string | ((e: BaresipEvent) => boolean);

/** Typed wrapper over ctrl_tcp. Every method resolves with the command's response, and rejects if it is not ok. */
export interface BaresipCtl {
  /** Any long command, e.g. command('callstat'), command('listcalls'), command('reinvite'). */
  command(command: string, params?: string, timeoutMs?: number): Promise<CommandResponse>;
  /** `dial <uri>`: a new outgoing call (an IP URI; send to loopback only). */
  dial(uri: string): Promise<CommandResponse>;
  /** `accept`: answer the current incoming call (manual or early answer mode). */
  answer(): Promise<CommandResponse>;
  /** `hangup`: BYE (or CANCEL / 486 "Rejected" for an unanswered call) for the current call. */
  hangup(): Promise<CommandResponse>;
  /** `hold`: re-INVITE with a=sendonly; baresip then stops sending RTP altogether. */
  hold(): Promise<CommandResponse>;
  /** `resume`: re-INVITE with a=sendrecv. */
  resume(): Promise<CommandResponse>;
  /** `reinvite`: a re-INVITE with the current SDP. */
  reinvite(): Promise<CommandResponse>;
  /** `sndcode <digits>`: RFC 4733 telephone-events, one per digit (about 180 ms each, 60 ms apart), 0-9 * # A-D. */
  sendDtmf(digits: string): Promise<CommandResponse>;
  /** `callstat`: the current call's status as text. */
  callstat(): Promise<string>;
  /** Every event so far, in order of arrival. */
  readonly events: readonly BaresipEvent[];
  /**
   * The first event at index >= `since` (default 0: already-received ones count) that matches
   * (a type name such as 'CALL_ESTABLISHED', or a predicate). Rejects after timeoutMs (default 5 s).
   * Take `since = ctl.events.length` before an action to wait only for what follows it.
   */
  waitForEvent(match: EventMatch, timeoutMs?: number, since?: number): Promise<BaresipEvent>;
}

export interface Baresip {
  host: '127.0.0.1';
  /** SIP over UDP and TCP. */
  sipPort: number;
  /** baresip's TLS listener (sipPort + 1; no certificate). */
  tlsPort: number;
  /** ctrl_tcp. */
  ctrlPort: number;
  rtpPorts: [number, number];
  user: string;
  /** sip:<user>@127.0.0.1:<sipPort>: call this. */
  uri: string;
  answerMode: AnswerMode;
  /** The WAV baresip sends (8 kHz mono 16-bit). */
  sourceWav: string;
  /** Where the sndfile filter writes dump-*-dec.wav / dump-*-enc.wav. */
  recordDir: string;
  /** The temp dir: config, accounts, uuid, tone.wav, rec/, baresip.log. */
  dir: string;
  logPath: string;
  pid: number;
  ctl: BaresipCtl;
  /** Same as ctl.events. */
  readonly events: readonly BaresipEvent[];
  /** Same as ctl.waitForEvent. */
  waitForEvent(match: EventMatch, timeoutMs?: number, since?: number): Promise<BaresipEvent>;
  /** Paths of the received-audio recordings (dump-*-dec.wav), oldest first. */
  recordedWav(): string[];
  /** Paths of the sent-audio recordings (dump-*-enc.wav), oldest first. */
  sentWav(): string[];
  /** Read a recording (default: the newest received-audio one); fixes a header not yet finalised. */
  readRecording(path?: string): WavAudio;
  /** baresip's stdout+stderr so far (with -s: every SIP message). */
  log(): string;
  readonly exited: boolean;
  /** SIGTERM (baresip hangs up its calls and closes the recordings), a second SIGTERM after 1.5 s, SIGKILL after 3 s; removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export class BaresipNotInstalledError extends Error {
  override name = 'BaresipNotInstalledError';
}

// ---------------------------------------------------------------------------------------------
// Locating the installation


function findModuleDir(): string | undefined {
  const candidates = [process.env.BARESIP_MODULE_PATH, '/usr/lib/baresip/modules', '/usr/local/lib/baresip/modules', '/usr/lib64/baresip/modules'];
  try {
    for (const e of readdirSync('/usr/lib')) candidates.push(`/usr/lib/${e}/baresip/modules`);
  } catch {
    /* none */
  }
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'ctrl_tcp.so')));
}

interface Install {
  baresip: string;
  modulePath: string;
  setpriv: string | undefined;
}

function locate(binary?: string): Install {
  const baresip = binary ?? process.env.BARESIP_BIN ?? findExecutable('baresip');
  if (!baresip || !existsSync(baresip)) throw new BaresipNotInstalledError(`baresip is not installed (${baresip ? `no ${baresip}` : 'no `baresip` in PATH'}): ${INSTALL_HINT}`);
  const modulePath = findModuleDir();
  if (!modulePath) throw new BaresipNotInstalledError(`baresip modules not found (no ctrl_tcp.so under /usr/lib/baresip/modules; set BARESIP_MODULE_PATH): ${INSTALL_HINT}`);
  const missing = MODULES.filter((m) => !existsSync(join(modulePath, `${m}.so`)));
  if (missing.length) throw new BaresipNotInstalledError(`baresip modules missing in ${modulePath}: ${missing.join(', ')}: ${INSTALL_HINT}`);
  return { baresip, modulePath, setpriv: findExecutable('setpriv', ['/usr/bin', '/bin']) };
}

/** True when baresip and the modules the fixture loads are installed. */
export function baresipAvailable(binary?: string): boolean {
  try {
    locate(binary);
    return true;
  } catch {
    return false;
  }
}

/** Throws BaresipNotInstalledError (saying to run .ci/apt-packages) unless baresip and its modules are installed. Call it at the top of a test file. */
export function requireBaresip(binary?: string): void {
  locate(binary);
}

/** baresip's version line (`baresip v1.0.0 ...`), for diagnostics. */
export function baresipVersion(binary?: string): string {
  const inst = locate(binary);
  const r = spawnSync(inst.baresip, ['-h'], { encoding: 'utf8', timeout: 5000 });
  return /baresip v[\d.]+/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Ports


/** A SIP port P free for UDP and TCP with P+1 free for TCP (baresip's TLS), and a ctrl_tcp port. */
async function pickPorts(): Promise<{ sip: number; ctrl: number }> {
  for (let i = 0; i < 100; i++) {
    const held: net.Server[] = [];
    const heldUdp: dgram.Socket[] = [];
    try {
      const s = await listenTcp();
      held.push(s);
      const sip = (s.address() as net.AddressInfo).port;
      if (sip >= 65535 || reservedPorts.has(sip) || reservedPorts.has(sip + 1)) continue;
      heldUdp.push(await bindUdp(sip));
      held.push(await listenTcp(sip + 1));
      let ctrl = 0;
      while (!ctrl) {
        const c = await listenTcp();
        held.push(c);
        const p = (c.address() as net.AddressInfo).port;
        if (p !== sip && p !== sip + 1 && !reservedPorts.has(p)) ctrl = p;
      }
      return { sip, ctrl };
    } catch {
      /* taken: try another */
    } finally {
      await Promise.all(held.map(closeServer));
      await Promise.all(heldUdp.map(closeSocket));
    }
  }
  throw new Error('no free SIP/ctrl ports for baresip on 127.0.0.1');
}

/** 20-port RTP blocks in 20000-29999 (below the kernel's ephemeral range and above sippPort()'s), per process and start. */
let rtpBlock = (process.pid * 7) % 500;
function nextRtpRange(): [number, number] {
  rtpBlock = (rtpBlock + 1) % 500;
  const min = 20000 + rtpBlock * 20;
  return [min, min + 19];
}

// ---------------------------------------------------------------------------------------------
// Running instances and the exit safety net



// ---------------------------------------------------------------------------------------------
// ctrl_tcp client: netstrings `<len>:<json>,` both ways

class CtlClient implements BaresipCtl {
  readonly events: BaresipEvent[] = [];
  private buf = Buffer.alloc(0);
  private seq = 0;
  private pending = new Map<string, { resolve: (r: CommandResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly sock: net.Socket, private readonly name: string) {
    sock.on('data', (d) => this.onData(d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.closed = true;
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.name}: ctrl_tcp connection closed`));
      }
      this.pending.clear();
      for (const w of this.waiters) w();
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.toString('latin1', 0, colon));
      if (!Number.isInteger(len)) {
        this.buf = Buffer.alloc(0); // out of sync: drop (never seen)
        return;
      }
      if (this.buf.length < colon + 1 + len + 1) return;
      const text = this.buf.toString('utf8', colon + 1, colon + 1 + len);
      this.buf = this.buf.subarray(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.response) {
        const token = String(msg.token ?? '');
        const p = this.pending.get(token);
        if (p) {
          this.pending.delete(token);
          clearTimeout(p.timer);
          p.resolve({ ok: msg.ok === true, data: String(msg.data ?? '') });
        }
      } else if (msg.event) {
        const { event: _e, ...rest } = msg;
        this.events.push({ ...(rest as Omit<BaresipEvent, 'at'>), at: Date.now() } as BaresipEvent);
        for (const w of this.waiters) w();
      }
    }
  }

  async command(command: string, params?: string, timeoutMs = 5000): Promise<CommandResponse> {
    if (this.closed) throw new Error(`${this.name}: ctrl_tcp connection is closed`);
    const token = `t${++this.seq}`;
    const json = JSON.stringify(params === undefined || params === '' ? { command, token } : { command, params, token });
    const r = await new Promise<CommandResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`${this.name}: no response to '${command}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, { resolve, reject, timer });
      this.sock.write(`${Buffer.byteLength(json)}:${json},`);
    });
    return r;
  }

  private async must(command: string, params?: string): Promise<CommandResponse> {
    const r = await this.command(command, params);
    if (!r.ok) throw new Error(`${this.name}: '${command}${params ? ` ${params}` : ''}' failed: ${r.data}`);
    return r;
  }

  dial(uri: string) {
    return this.must('dial', uri);
  }
  answer() {
    return this.must('accept');
  }
  hangup() {
    return this.must('hangup');
  }
  hold() {
    return this.must('hold');
  }
  resume() {
    return this.must('resume');
  }
  reinvite() {
    return this.must('reinvite');
  }
  sendDtmf(digits: string) {
    if (!/^[0-9*#A-Da-d]+$/.test(digits)) return Promise.reject(new RangeError(`not DTMF digits: '${digits}'`));
    return this.must('sndcode', digits.toUpperCase());
  }
  async callstat() {
    return (await this.must('callstat')).data;
  }

  waitForEvent(match: EventMatch, timeoutMs = 5000, since = 0): Promise<BaresipEvent> {
    const pred = typeof match === 'string' ? (e: BaresipEvent) => e.type === match : match;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        for (let i = since; i < this.events.length; i++) {
          if (pred(this.events[i])) {
            this.waiters.delete(check);
            clearTimeout(timer);
            resolve(this.events[i]);
            return;
          }
        }
        if (this.closed) {
          this.waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`${this.name}: ctrl_tcp closed while waiting for ${typeof match === 'string' ? match : 'an event'}`));
        }
      };
      timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.name}: no ${typeof match === 'string' ? match : 'matching'} event within ${timeoutMs} ms; events: ${this.events.slice(since).map((e) => e.type + (e.param ? `(${e.param})` : '')).join(' ') || 'none'}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function connectCtl(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Recordings

function listRecordings(dir: string, kind: 'dec' | 'enc'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith('dump-') && f.endsWith(`-${kind}.wav`))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Read a 16-bit WAV that libsndfile may still be writing (its RIFF and data sizes are written at
 * close): take the data chunk as running to the end of the file.
 */
export function readWavLenient(path: string): WavAudio {
  const buf = Buffer.from(readFileSync(path));
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WAVE') {
    let off = 12;
    while (off + 8 <= buf.length) {
      const id = buf.toString('latin1', off, off + 4);
      const size = buf.readUInt32LE(off + 4);
      if (id === 'data') {
        const avail = buf.length - off - 8;
        const fixed = avail - (avail % 2);
        if (size !== fixed) {
          buf.writeUInt32LE(fixed, off + 4);
          buf.writeUInt32LE(off + 8 + fixed - 8, 4);
          return readWav(buf.subarray(0, off + 8 + fixed));
        }
        break;
      }
      off += 8 + size + (size & 1);
    }
  }
  return readWav(buf);
}

// ---------------------------------------------------------------------------------------------

function fillTemplate(text: string, values: Record<string, string | number>): string {
  return text.replace(/@([A-Z_]+)@/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/**
 * Start a fresh baresip on free loopback ports with its config in a new temp dir. Resolves once
 * ctrl_tcp is connected (SIP is listening by then). Always `await b.stop()` (in a finally).
 */
export async function startBaresip(options: BaresipOptions = {}): Promise<Baresip> {
  const inst = locate(options.binary);
  const user = options.user ?? 'bob';
  if (!/^[A-Za-z0-9._~-]+$/.test(user)) throw new RangeError(`bad user '${user}'`);
  const answerMode = options.answerMode ?? 'auto';
  const ptime = options.ptime ?? 20;
  const keepDir = options.keepDir ?? process.env.BARESIP_KEEP_DIR === '1';
  const rtpPorts = options.rtpPorts ?? nextRtpRange();
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-baresip-'));
  const recordDir = join(dir, 'rec');
  mkdirSync(recordDir);
  const logPath = join(dir, 'baresip.log');

  let sourceWav = options.sourceWav;
  if (!sourceWav) {
    const t = options.tone ?? { frequency: 440 };
    sourceWav = join(dir, 'tone.wav');
    writeFileSync(sourceWav, writeWav({ sampleRate: 8000, channels: 1, samples: sineTone(t.frequency, (t.seconds ?? 60) * 1000, 8000, t.amplitude ?? 0.5) }));
  }
  for (const p of [sourceWav, recordDir, dir]) {
    if (/\s/.test(p)) throw new Error(`baresip config values cannot contain spaces: ${p}`);
  }

  const fail = (msg: string): never => {
    throw new Error(`${msg}\n(baresip dir kept in ${dir})`);
  };
  const startTimeoutMs = options.startTimeoutMs ?? 10000;

  for (let attempt = 1; ; attempt++) {
    const { sip, ctrl } = await pickPorts();
    const values = {
      SIP_PORT: sip,
      CTRL_PORT: ctrl,
      SND_PATH: recordDir,
      SOURCE_WAV: sourceWav,
      RTP_MIN: rtpPorts[0],
      RTP_MAX: rtpPorts[1],
      MODULE_PATH: inst.modulePath,
      USER: user,
      ANSWER_MODE: answerMode,
      PTIME: ptime,
    };
    const config = fillTemplate(readFileSync(join(BARESIP_FIXTURES, 'config'), 'utf8'), values) + (options.extraConfig?.length ? `\n# extraConfig\n${options.extraConfig.join('\n')}\n` : '');
    writeFileSync(join(dir, 'config'), config);
    const accounts = fillTemplate(readFileSync(join(BARESIP_FIXTURES, 'accounts'), 'utf8'), values).replace(/\n*$/, `${options.accountParams ?? ''}\n`);
    writeFileSync(join(dir, 'accounts'), accounts);
    writeFileSync(join(dir, 'contacts'), '');

    const args = ['-f', dir, ...(options.sipTrace === false ? [] : ['-s'])];
    const logFd = openSync(logPath, 'w');
    let child: ChildProcess;
    // HOME and XDG point into dir so nothing of the user's (e.g. ~/.asoundrc, ~/.baresip) is read.
    const env = { ...process.env, HOME: dir };
    try {
      child = inst.setpriv
        ? spawn(inst.setpriv, ['--pdeathsig', 'TERM', '--', inst.baresip, ...args], { cwd: dir, env, detached: true, stdio: ['ignore', logFd, logFd] })
        : spawn(inst.baresip, args, { cwd: dir, env, detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    let exited = false;
    let exitInfo = '';
    const exitPromise = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        exitInfo = `exit ${code ?? signal}`;
        resolve();
      });
      child.once('error', (e) => {
        exited = true;
        exitInfo = e.message;
        resolve();
      });
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
      await exitPromise;
      fail(`could not spawn ${inst.baresip}: ${exitInfo}`);
    }
    const release = supervise(pid!, dir, keepDir);
    for (const p of [sip, sip + 1, ctrl]) reservedPorts.add(p);
    const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

    const killAll = async () => {
      if (!exited) {
        try {
          process.kill(pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        await within(exitPromise, 1500);
      }
      if (!exited) {
        try {
          process.kill(pid!, 'SIGTERM'); // baresip: a second signal exits at once
        } catch {
          /* gone */
        }
        await within(exitPromise, 1500);
      }
      try {
        process.kill(-pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      if (!exited) await within(exitPromise, 2000);
      release();
      for (const p of [sip, sip + 1, ctrl]) reservedPorts.delete(p);
    };

    let sock: net.Socket | undefined;
    const deadline = Date.now() + startTimeoutMs;
    while (!sock && !exited && Date.now() < deadline) {
      try {
        sock = await connectCtl(ctrl);
      } catch {
        await sleep(20);
      }
    }
    if (!sock) {
      await killAll();
      const log = readLog();
      if (attempt < 3 && /Address already in use|failed to listen/i.test(log)) continue; // a port was taken meanwhile
      fail(`baresip failed to start (${exited ? exitInfo : `ctrl_tcp on ${ctrl} not up within ${startTimeoutMs} ms`}):\n${tail(log)}`);
    }
    const ctl = new CtlClient(sock!, `baresip ${user}@${sip}`);
    let stopping: Promise<void> | undefined;
    const b: Baresip = {
      host: '127.0.0.1',
      sipPort: sip,
      tlsPort: sip + 1,
      ctrlPort: ctrl,
      rtpPorts,
      user,
      uri: `sip:${user}@127.0.0.1:${sip}`,
      answerMode,
      sourceWav,
      recordDir,
      dir,
      logPath,
      pid: pid!,
      ctl,
      get events() {
        return ctl.events;
      },
      waitForEvent: (match, timeoutMs, since) => ctl.waitForEvent(match, timeoutMs, since),
      recordedWav: () => listRecordings(recordDir, 'dec'),
      sentWav: () => listRecordings(recordDir, 'enc'),
      readRecording(path) {
        const p = path ?? listRecordings(recordDir, 'dec').at(-1);
        if (!p) throw new Error(`baresip ${user}@${sip} recorded nothing (no dump-*-dec.wav in ${recordDir}); log:\n${tail(readLog())}`);
        return readWavLenient(p);
      },
      log: readLog,
      get exited() {
        return exited;
      },
      stop() {
        stopping ??= (async () => {
          await killAll();
          ctl.close();
          if (!keepDir) rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// By hand: node --import tsx test/peers/baresip.ts [--manual|--early] [--keep]

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const b = await startBaresip({ answerMode: argv.includes('--manual') ? 'manual' : argv.includes('--early') ? 'early' : 'auto', keepDir: argv.includes('--keep') });
  console.log(JSON.stringify({ pid: b.pid, uri: b.uri, sipPort: b.sipPort, ctrlPort: b.ctrlPort, rtpPorts: b.rtpPorts, dir: b.dir, log: b.logPath, rec: b.recordDir }, null, 2));
  console.log('events are printed here; Ctrl-C to stop');
  let shown = 0;
  const keepAlive = setInterval(() => {
    for (; shown < b.events.length; shown++) console.log(JSON.stringify(b.events[shown]));
    if (b.exited) {
      console.error(`baresip exited; log:\n${tail(b.log())}`);
      process.exit(1);
    }
  }, 200);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      clearInterval(keepAlive);
      void b.stop().then(() => process.exit(0));
    });
  }
}
