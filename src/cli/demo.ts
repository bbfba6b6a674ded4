/**
 * `sipstate demo [--keep] [--inspect [PORT]] [--delay S]` (and `npm run demo`): sipstate's main job on a fresh
 * machine, with nothing else installed. One application, two local accounts (alice and bob) on
 * loopback, and a scripted call from alice to bob: ringing, answer, a generated 1 kHz tone from
 * alice whose frequency is measured in what bob receives, DTMF 1 2 3 #, hold and resume, end.
 * Every notification is printed as it happens, then a one-screen summary; exit 0 when every check
 * passed. The live visualizer is opened (its URL is printed; `--inspect PORT` picks the port); `--keep` leaves the
 * application running afterwards until Ctrl-C, for the browser; `--delay S` waits before the call
 * (time to open the page).
 */
import { SIPApplication } from '../api/application.js';
import { NotificationCenter, type Notification } from '../api/notification-center.js';
import { Session } from '../api/session.js';
import type { AnyAccount } from '../api/account.js';
import { dominantFrequency } from '../audio/tone.js';
import { ToneSource } from '../audio/tone-source.js';
import { MemoryStorage } from '../storage/index.js';
import { AudioStream } from '../streams/audio/index.js';
import type { MediaStream } from '../streams/media-stream.js';
import { parseArgs, UsageError } from './options.js';
import { interrupted } from './session.js';

const TONE_HZ = 1000;
const CANDIDATES = [440, 697, 770, 852, 941, 1000, 1209, 1336, 1477];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export async function runDemo(args: string[]): Promise<number> {
  const { shared, extra, positional } = parseArgs<{ keep?: boolean; delay?: string }>(args, { keep: 'flag', delay: 'value' });
  if (positional.length) throw new UsageError('usage: sipstate demo [--keep] [--inspect [PORT]] [--delay SECONDS]');
  const delay = extra.delay === undefined ? 0 : Number(extra.delay);
  if (!(delay >= 0 && delay <= 3600)) throw new UsageError('--delay: seconds to wait before the call');
  // The visualizer is always on (it costs nothing until a page connects): --inspect picks the port.
  const inspectPort = shared.inspect ?? 0;
  const center = new NotificationCenter();
  const app = new SIPApplication({ notifications: center, shutdownGrace: 2000 });
  const storage = new MemoryStorage({
    configuration: {
      global: { sip: { transport_list: ['udp'], listen_address: '127.0.0.1', udp_port: 0 }, rtp: { timeout: 0 } },
      accounts: {
        'alice@127.0.0.1': { enabled: true, display_name: 'Alice', sip: { register: false, transport_list: ['udp'] }, message_summary: { enabled: false }, presence: { enabled: false } },
        'bob@127.0.0.1': { enabled: true, display_name: 'Bob', sip: { register: false, transport_list: ['udp'] }, message_summary: { enabled: false }, presence: { enabled: false } },
      },
    },
  });
  const started = Date.now();
  const t = () => `${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s`;
  const who = new Map<object, string>();
  const print = (n: Notification) => {
    const name = who.get(n.sender);
    if (!name) return;
    const fields = Object.entries(n.data as Record<string, unknown>)
      .filter(([k]) => k !== 'timestamp')
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map((s) => (s as MediaStream).type ?? String(s)).join(',') : String(v)}`);
    process.stdout.write(`${t()} ${name.padEnd(12)} ${n.name}${fields.length ? ' ' + fields.join(' ') : ''}\n`);
  };
  center.notifications$.subscribe(print);

  await app.start(storage);
  const port = app.engine!.endpoints[0].port;
  const url = await app.inspect({ port: inspectPort });
  process.stdout.write(`visualizer: ${url}  (open it to watch every actor; --delay S gives you time, --keep keeps it open)\n`);
  const alice = app.accountManager.getAccount('alice@127.0.0.1') as AnyAccount;
  if (delay) {
    process.stdout.write(`waiting ${delay} s before the call (--delay)\n`);
    await sleep(delay * 1000);
  }
  process.stdout.write(`sipstate demo: alice and bob on udp:127.0.0.1:${port}; alice calls bob\n\n`);

  // Bob: rings for a second, then answers; keeps what he hears.
  const heard: Int16Array[] = [];
  const digits: string[] = [];
  let bobSession: Session | undefined;
  center.named('SIPSessionNewIncoming').subscribe((n) => {
    const s = n.sender as Session;
    bobSession = s;
    who.set(s, 'bob');
    for (const stream of n.data.streams) {
      who.set(stream, 'bob/audio');
      if (stream instanceof AudioStream) stream.addSink({ sampleRate: 8000, write: (f) => void heard.push(Int16Array.from(f)) });
    }
    print(n);
    s.sendRingIndication();
    setTimeout(() => void s.accept(n.data.streams), 1000);
  });
  center.named('AudioStreamGotDTMF').subscribe((n) => {
    if (who.get(n.sender) === 'bob/audio') digits.push(n.data.digit);
  });

  const session = new Session(alice);
  const audio = new AudioStream();
  audio.source = new ToneSource(TONE_HZ);
  who.set(session, 'alice');
  who.set(audio, 'alice/audio');
  const checks: Check[] = [];
  const outcome = await session.connect(`sip:bob@127.0.0.1:${port}`, [], [audio]);
  checks.push({ what: 'call answered', ok: outcome.started, detail: outcome.started ? 'SIPSessionDidStart' : `${outcome.code} ${outcome.reason}` });
  if (outcome.started) {
    await sleep(1500);
    const samples = new Int16Array(heard.slice(-40).flatMap((f) => [...f]));
    const tone = dominantFrequency(samples, 8000, CANDIDATES);
    checks.push({ what: `bob hears alice's ${TONE_HZ} Hz tone`, ok: tone.frequency === TONE_HZ && tone.share > 0.5, detail: `${tone.frequency} Hz (${Math.round(tone.share * 100)}% of the energy)` });
    for (const d of '123#') {
      audio.sendDtmf(d);
      await sleep(300);
    }
    await sleep(300);
    checks.push({ what: 'DTMF 123# reaches bob', ok: digits.join('') === '123#', detail: digits.join('') || 'none' });
    session.hold();
    await waitFor(center, session, 'SIPSessionDidChangeHoldState');
    checks.push({ what: 'alice holds', ok: session.onHold && (bobSession?.onHold ?? false), detail: `alice on_hold=${session.onHold}, bob on_hold=${bobSession?.onHold}` });
    await sleep(500);
    session.unhold();
    await waitFor(center, session, 'SIPSessionDidChangeHoldState');
    checks.push({ what: 'alice resumes', ok: !session.onHold, detail: `on_hold=${session.onHold}` });
    await sleep(500);
    const stats = audio.statistics;
    await session.end();
    checks.push({ what: 'call ended by alice', ok: session.state === 'terminated' && bobSession?.state === 'terminated', detail: `alice ${session.state}, bob ${bobSession?.state}` });
    process.stdout.write(
      `\nsummary: ${audio.codec} ${audio.sampleRate} Hz, alice sent ${stats.rtp.packetsSent} RTP packets and received ${stats.rtp.packetsReceived}; ` +
        `call lasted ${(((session.stopTime?.getTime() ?? Date.now()) - (session.startTime?.getTime() ?? Date.now())) / 1000).toFixed(1)} s\n`,
    );
  }
  for (const c of checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}\n`);
  const ok = checks.every((c) => c.ok);
  process.stdout.write(ok ? 'demo passed\n' : 'demo FAILED\n');
  if (extra.keep) {
    process.stdout.write('--keep: still running; Ctrl-C to stop\n');
    await interrupted();
  }
  await app.stop();
  return ok ? 0 : 1;
}

function waitFor(center: NotificationCenter, sender: object, name: string, timeout = 5000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      resolve();
    }, timeout);
    const sub = center.from(sender).subscribe((n) => {
      if (n.name !== name) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve();
    });
  });
}
