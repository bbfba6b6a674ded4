/**
 * `sipstate call URI [--play F.wav] [--record OUT.wav] [--dtmf 123#] [--duration S]` places a
 * call, prints its notifications, and hangs up after the duration (or when the peer does).
 * `sipstate answer [--play F.wav] [--record OUT.wav] [--max-calls N]` answers every call, many
 * at once, until interrupted or N calls have ended.
 *
 * Both run a SIPApplication with the shared options' account (registered for `answer`, so it
 * can be reached through its registrar), or with none the local peer-to-peer account. --record
 * writes what the other side sends (16-bit mono 8 kHz WAV); with several calls the second and
 * later get -2, -3... before the extension.
 */
import { SIPApplication } from '../api/application.js';
import { NotificationCenter, type Notification } from '../api/notification-center.js';
import { Session } from '../api/session.js';
import type { AnyAccount } from '../api/account.js';
import { WavePlayer } from '../audio/wave-player.js';
import { WaveRecorder } from '../audio/wave-recorder.js';
import { MemoryStorage } from '../storage/index.js';
import { AudioStream } from '../streams/audio/index.js';
import type { MediaStream } from '../streams/media-stream.js';
import { parseArgs, UsageError, type SharedOptions } from './options.js';
import { interrupted, parseSipUri } from './session.js';

interface MediaOptions {
  play?: string;
  record?: string;
}

type CallExtra = { play?: string; record?: string; dtmf?: string; duration?: string };
type AnswerExtra = { play?: string; record?: string; 'max-calls'?: string };

export async function runCall(args: string[]): Promise<number> {
  const { shared, extra, positional } = parseArgs<CallExtra>(args, { play: 'value', record: 'value', dtmf: 'value', duration: 'value' });
  if (positional.length !== 1) throw new UsageError('usage: sipstate call URI [--play F.wav] [--record OUT.wav] [--dtmf DIGITS] [--duration SECONDS]');
  const target = parseSipUri(positional[0], 'URI');
  const duration = extra.duration === undefined ? undefined : Number(extra.duration);
  if (duration !== undefined && !(duration > 0 && duration <= 86400)) throw new UsageError('--duration: seconds, more than 0');
  if (extra.dtmf !== undefined && !/^[0-9A-D*#]+$/.test(extra.dtmf)) throw new UsageError('--dtmf: digits 0-9, A-D, * and #');
  const app = await startApplication(shared, false);
  try {
    const account = app.account;
    const session = new Session(account);
    const stream = await mediaFor({ play: extra.play, record: extra.record });
    const ended = new Promise<void>((resolve) => {
      app.center.from(session).subscribe((n) => {
        if (n.name === 'SIPSessionDidEnd' || n.name === 'SIPSessionDidFail') resolve();
      });
    });
    printing(app, shared, session, [stream.stream]);
    const outcome = await session.connect(target, app.routes, [stream.stream]);
    if (!outcome.started) {
      await stream.close();
      process.stderr.write(`sipstate call: ${outcome.code} ${outcome.reason} (${outcome.failure_reason})\n`);
      return 1;
    }
    if (extra.dtmf) void sendDigits(stream.stream, extra.dtmf);
    const timer = duration === undefined ? undefined : new Promise<string>((r) => setTimeout(() => r('duration'), duration * 1000).unref());
    const why = await Promise.race([ended.then(() => 'remote'), interrupted(), ...(timer ? [timer] : [])]);
    if (why !== 'remote') await session.end();
    await stream.close();
    return 0;
  } finally {
    await app.stop();
  }
}

export async function runAnswer(args: string[]): Promise<number> {
  const { shared, extra, positional } = parseArgs<AnswerExtra>(args, { play: 'value', record: 'value', 'max-calls': 'value' });
  if (positional.length) throw new UsageError('usage: sipstate answer [--play F.wav] [--record OUT.wav] [--max-calls N]');
  const max = extra['max-calls'] === undefined ? undefined : Number(extra['max-calls']);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError('--max-calls: a positive number');
  const app = await startApplication(shared, true);
  let answered = 0;
  let finished = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  try {
    app.center.named('SIPSessionNewIncoming').subscribe((n) => {
      const session = n.sender as Session;
      const streams = n.data.streams;
      const n1 = ++answered;
      if (max !== undefined && n1 > max) {
        void session.reject(486, 'Busy Here');
        return;
      }
      void (async () => {
        const audio = streams.find((s): s is AudioStream => s instanceof AudioStream);
        const media = audio ? await attachMedia(audio, { play: extra.play, record: numbered(extra.record, n1) }) : undefined;
        if (!shared.json) process.stdout.write(`SIPSessionNewIncoming from=${session.remoteIdentity?.uri.toString() ?? '?'} streams=${streams.map((s) => s.type).join(',')}\n`);
        printing(app, shared, session, streams);
        app.center.from(session).subscribe((e) => {
          if (e.name !== 'SIPSessionDidEnd' && e.name !== 'SIPSessionDidFail') return;
          void media?.close();
          if (max !== undefined && ++finished >= max) allDone();
        });
        session.sendRingIndication();
        await session.accept(audio ? [audio] : streams.slice(0, 1));
      })();
    });
    await Promise.race([interrupted(), done]);
    return 0;
  } finally {
    await app.stop();
  }
}

/** `out.wav` for the first call, `out-2.wav`, `out-3.wav`... for the next. */
function numbered(file: string | undefined, n: number): string | undefined {
  if (!file || n === 1) return file;
  const dot = file.lastIndexOf('.');
  return dot > file.lastIndexOf('/') ? `${file.slice(0, dot)}-${n}${file.slice(dot)}` : `${file}-${n}`;
}

async function mediaFor(o: MediaOptions): Promise<{ stream: AudioStream; close(): Promise<void> }> {
  const stream = new AudioStream();
  const attached = await attachMedia(stream, o);
  return { stream, close: attached.close };
}

/** --play as the stream's source (looped), --record as a sink of what arrives. */
async function attachMedia(stream: AudioStream, o: MediaOptions): Promise<{ close(): Promise<void> }> {
  if (o.play) stream.source = new WavePlayer(o.play, { loop: true });
  let recorder: WaveRecorder | undefined;
  if (o.record) {
    recorder = new WaveRecorder(o.record);
    await recorder.start();
    stream.addSink(recorder);
  }
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      await recorder?.stop();
    },
  };
}

async function sendDigits(stream: AudioStream, digits: string): Promise<void> {
  // RFC 4733 events need the stream started; leave a moment for the answer's media to settle.
  await new Promise((r) => setTimeout(r, 500));
  for (const d of digits) {
    try {
      stream.sendDtmf(d);
    } catch (e) {
      process.stderr.write(`sipstate: DTMF ${d}: ${(e as Error).message}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface CliApplication {
  app: SIPApplication;
  center: NotificationCenter;
  account: AnyAccount;
  routes: string[];
  stop(): Promise<void>;
}

async function startApplication(shared: SharedOptions, register: boolean): Promise<CliApplication> {
  const listen = shared.listen[0] ?? { protocol: 'UDP' as const, address: '127.0.0.1', port: 0 };
  const transports = shared.listen.length ? [...new Set(shared.listen.map((l) => l.protocol.toLowerCase()))] : ['udp'];
  const port = (t: string) => shared.listen.find((l) => l.protocol.toLowerCase() === t)?.port ?? 0;
  let id: string | undefined;
  const accounts: Record<string, unknown> = {};
  if (shared.account) {
    const aor = parseSipUri(shared.account, '--account');
    if (!aor.user) throw new UsageError('--account: the address of record needs a user part (sip:user@domain)');
    id = `${aor.user}@${aor.host}`;
    accounts[id] = {
      enabled: true,
      auth: { password: shared.password ?? '' },
      sip: { outbound_proxy: shared.proxy ?? null, register, transport_list: transports },
      message_summary: { enabled: false },
      presence: { enabled: false },
    };
  } else if (shared.password !== undefined) throw new UsageError('--password needs --account');
  const storage = new MemoryStorage({
    configuration: {
      global: {
        sip: { transport_list: transports, listen_address: listen.address, udp_port: port('udp'), tcp_port: port('tcp'), tls_port: port('tls') },
        dns: { nameservers: shared.dns },
      },
      accounts,
      bonjour_account: { enabled: !id, sip: { transport_list: transports } },
    },
  });
  const center = new NotificationCenter();
  const app = new SIPApplication({ notifications: center, shutdownGrace: 3000 });
  if (shared.json) center.notifications$.subscribe((n) => process.stdout.write(JSON.stringify(jsonOf(n)) + '\n'));
  await app.start(storage);
  for (const e of app.engine?.endpoints ?? []) process.stderr.write(`listening on ${e.protocol.toLowerCase()}:${e.address}:${e.port}\n`);
  if (shared.inspect !== undefined) process.stderr.write(`visualizer: ${await app.inspect({ port: shared.inspect })}\n`);
  const account = id ? app.accountManager.getAccount(id) : app.accountManager.defaultAccount;
  if (!account) {
    await app.stop();
    throw new UsageError('no account to call with');
  }
  if (register && id) {
    await new Promise<void>((resolve) => {
      const sub = center.notifications$.subscribe((n) => {
        if (n.sender === account && (n.name === 'SIPAccountRegistrationDidSucceed' || n.name === 'SIPAccountRegistrationDidFail')) {
          sub.unsubscribe();
          resolve();
        }
      });
      setTimeout(resolve, 10_000).unref();
    });
  }
  return { app, center, account, routes: shared.proxy && !id ? [shared.proxy] : [], stop: () => app.stop() };
}

/** Human-readable lines for a session's (and its streams') notifications, unless --json. */
function printing(app: CliApplication, shared: SharedOptions, session: Session, streams: readonly MediaStream[]): void {
  if (shared.json) return;
  const line = (n: Notification) => {
    const d = n.data as Record<string, unknown>;
    const fields = Object.entries(d)
      .filter(([k]) => k !== 'timestamp')
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map((s) => (s as MediaStream).type ?? String(s)).join(',') : String(v)}`);
    process.stdout.write(`${n.name}${fields.length ? ' ' + fields.join(' ') : ''}\n`);
  };
  app.center.from(session).subscribe(line);
  for (const s of streams) app.center.from(s).subscribe(line);
}

function jsonOf(n: Notification): Record<string, unknown> {
  const out: Record<string, unknown> = { name: n.name };
  for (const [k, v] of Object.entries(n.data)) {
    if (Buffer.isBuffer(v)) continue;
    if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'object' && x !== null && 'type' in x ? (x as { type: string }).type : x));
    else if (v instanceof Date || typeof v !== 'object' || v === null) out[k] = v;
    else out[k] = String(v);
  }
  return out;
}
