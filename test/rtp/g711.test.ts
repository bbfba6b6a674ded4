import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  linearToMulaw, linearToAlaw, mulawToLinear, alawToLinear, encodePCMU, decodePCMU, encodePCMA, decodePCMA, PCMU, PCMA,
} from '../../src/rtp/g711.js';

// Straightforward reference implementation (after the Sun Microsystems g711.c, ITU-T G.711
// Tables 1a/2a): linear search over segment end points, no tables.
const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
function search(v: number, table: number[]): number {
  for (let i = 0; i < table.length; i++) if (v <= table[i]) return i;
  return table.length;
}
function refLinear2ulaw(pcm: number): number {
  let v = Math.floor(pcm / 4); // arithmetic shift right by 2
  let mask: number;
  if (v < 0) { v = -v; mask = 0x7f; } else { mask = 0xff; }
  if (v > 8159) v = 8159;
  v += 0x84 >> 2;
  const seg = search(v, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0xf)) ^ mask;
}
function refUlaw2linear(u: number): number {
  u = ~u & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}
function refLinear2alaw(pcm: number): number {
  let v = Math.floor(pcm / 8);
  let mask: number;
  if (v >= 0) mask = 0xd5; else { mask = 0x55; v = -v - 1; }
  const seg = search(v, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (v >> 1) & 0xf : (v >> seg) & 0xf;
  return aval ^ mask;
}
function refAlaw2linear(a: number): number {
  a ^= 0x55;
  let t = (a & 0xf) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else { t += 0x108; t <<= seg - 1; }
  return a & 0x80 ? t : -t;
}

test('µ-law encode equals the reference for every 16-bit input', () => {
  const all = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) all[i] = i - 32768;
  const enc = encodePCMU(all);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) {
    const ref = refLinear2ulaw(all[i]);
    if (enc[i] !== ref || linearToMulaw(all[i]) !== ref) mismatches++;
  }
  assert.is(mismatches, 0);
});

test('A-law encode equals the reference for every 16-bit input', () => {
  const all = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) all[i] = i - 32768;
  const enc = encodePCMA(all);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) {
    const ref = refLinear2alaw(all[i]);
    if (enc[i] !== ref || linearToAlaw(all[i]) !== ref) mismatches++;
  }
  assert.is(mismatches, 0);
});

test('decode tables equal the reference for all 256 codes', () => {
  const codes = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) codes[i] = i;
  const u = decodePCMU(codes);
  const a = decodePCMA(codes);
  for (let i = 0; i < 256; i++) {
    assert.is(u[i], refUlaw2linear(i), `µ-law code ${i}`);
    assert.is(a[i], refAlaw2linear(i), `A-law code ${i}`);
    assert.is(mulawToLinear(i), u[i]);
    assert.is(alawToLinear(i), a[i]);
  }
});

test('known values and code round trips', () => {
  assert.is(linearToMulaw(0), 0xff);
  assert.is(linearToAlaw(0), 0xd5);
  assert.is(mulawToLinear(0x00), -32124);
  assert.is(mulawToLinear(0x80), 32124);
  assert.is(alawToLinear(0xd5), 8);
  assert.is(alawToLinear(0x55), -8);
  assert.is(alawToLinear(0xaa), 32256);
  for (let c = 0; c < 256; c++) {
    if (c !== 0x7f) assert.is(linearToMulaw(mulawToLinear(c)), c); // 0x7f and 0xff both decode to 0
    assert.is(linearToAlaw(alawToLinear(c)), c);
  }
});

test('caller-supplied buffers and codec descriptors', () => {
  const pcm = Int16Array.from([0, 1000, -1000, 32767, -32768]);
  const out = Buffer.alloc(160);
  const view = PCMU.encode(pcm, out);
  assert.is(view.length, 5);
  assert.is(view.buffer, out.buffer);
  const back = PCMU.decode(view, new Int16Array(160));
  assert.is(back.length, 5);
  assert.is(PCMU.payloadType, 0);
  assert.is(PCMA.payloadType, 8);
  assert.is(PCMA.clockRate, 8000);
  assert.throws(() => encodePCMA(pcm, Buffer.alloc(2)), (e: unknown) => e instanceof RangeError);
  // Quantisation error stays within half a step of the segment (µ-law max step 1024 at the top).
  for (const s of [100, -100, 5000, -5000, 30000]) {
    assert.ok(Math.abs(mulawToLinear(linearToMulaw(s)) - s) <= 512, `µ-law ${s}`);
    assert.ok(Math.abs(alawToLinear(linearToAlaw(s)) - s) <= 512, `A-law ${s}`);
  }
});

test('encode speed: table lookup, 160 samples well under a microsecond', () => {
  const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
  const out = Buffer.alloc(160);
  for (let i = 0; i < 20000; i++) encodePCMU(pcm, out);
  const n = 200000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) encodePCMU(pcm, out);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  assert.ok(us < 5, `${us} µs per 160 samples`); // generous bound for a loaded CI machine
});

test.run();
