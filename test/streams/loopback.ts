/**
 * Helpers of the stream tests: hosts on loopback with their own port ranges, offer/answer the
 * way a Session drives it, notification capture, frame capture and polling.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import type { AudioSink } from '../../src/audio/port.js';
import { sineTone } from '../../src/audio/tone.js';
import { writeWav } from '../../src/audio/wav.js';
import { createOffer } from '../../src/sdp/offer-answer.js';
import type { MediaDescription, SessionDescription } from '../../src/sdp/session-description.js';
import type { MediaStreamHost, PortRange } from '../../src/streams/media-stream.js';
import { AudioStream, type AudioStreamOptions } from '../../src/streams/audio/index.js';

/** Port ranges unlikely to collide with other test processes (sipp uses 15060+). */
let nextPort = 40000 + (process.pid % 250) * 80;
export function portRange(size = 8): PortRange {
  const start = nextPort;
  nextPort += size;
  return { start, end: start + size - 1 };
}

let hosts = 0;
export function makeHost(over: { timeout?: number; portRange?: PortRange; center?: NotificationCenter } = {}): MediaStreamHost {
  return {
    id: `session-${++hosts}`,
    center: over.center ?? new NotificationCenter(),
    localAddress: '127.0.0.1',
    rtp: { portRange: over.portRange ?? portRange(), timeout: over.timeout ?? 0 },
    accountId: 'alice@example.com',
  };
}

/** A whole SDP around one m= section, with the session part createOffer writes. */
export function sessionSdp(media: MediaDescription, address = '127.0.0.1'): SessionDescription {
  const sdp = createOffer({ address, media: [] });
  sdp.media = [media];
  return sdp;
}

export interface Call {
  a: AudioStream;
  b: AudioStream;
  hostA: MediaStreamHost;
  hostB: MediaStreamHost;
  offer: SessionDescription;
  answer: SessionDescription;
  end(): Promise<void>;
}

/**
 * Offer/answer as a Session does it: A initializes and offers; B is made by newFromSdp for the
 * offer, initializes and answers; both start with (local, remote).
 */
export async function connect(
  options: { a?: AudioStreamOptions; timeoutA?: number; timeoutB?: number; beforeStart?: (a: AudioStream, b: AudioStream) => void } = {},
): Promise<Call> {
  const hostA = makeHost({ timeout: options.timeoutA ?? 0 });
  const hostB = makeHost({ timeout: options.timeoutB ?? 0 });
  const a = new AudioStream(options.a);
  await a.initialize(hostA, 'outgoing');
  const offer = sessionSdp(a.getLocalMedia(true));
  const b = AudioStream.newFromSdp(offer, 0);
  if (!b) throw new Error('newFromSdp refused our own offer');
  await b.initialize(hostB, 'incoming');
  const answer = sessionSdp(b.getLocalMedia(false));
  options.beforeStart?.(a, b);
  await Promise.all([a.start(offer, answer, 0), b.start(answer, offer, 0)]);
  return { a, b, hostA, hostB, offer, answer, end: async () => void (await Promise.all([a.end(), b.end()])) };
}

/** Every notification a center posts, as [name, data]. */
export function capture(center: NotificationCenter): { all: Notification[]; names: () => string[]; of: (name: string) => Notification[] } {
  const all: Notification[] = [];
  center.notifications$.subscribe((n) => all.push(n));
  return { all, names: () => all.map((n) => n.name), of: (name) => all.filter((n) => n.name === name) };
}

/** An AudioSink keeping copies of what it gets. */
export class FrameCollector implements AudioSink {
  readonly sampleRate = 8000;
  readonly frames: Int16Array[] = [];
  write(frame: Int16Array): void {
    this.frames.push(frame.slice());
  }
  samples(from = 0): Int16Array {
    const frames = this.frames.slice(from);
    const out = new Int16Array(frames.length * 160);
    frames.forEach((f, i) => out.set(f, i * 160));
    return out;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `cond` every 10 ms until true; throws with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A mono 16-bit WAV of a sine tone; returns its path. */
export function toneFile(dir: string, frequency: number, ms: number, sampleRate = 8000): string {
  const file = join(dir, `tone-${frequency}-${sampleRate}.wav`);
  writeFileSync(file, writeWav({ sampleRate, channels: 1, samples: sineTone(frequency, ms, sampleRate, 0.5) }));
  return file;
}

/** Frequencies tone tests tell apart. */
export const CANDIDATES = [300, 440, 697, 1000, 1209, 1600, 2000, 3000];
