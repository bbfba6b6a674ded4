import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sineTone, goertzel, dominantFrequency } from '../../src/audio/tone.js';
import { encodePCMU, decodePCMU, encodePCMA, decodePCMA } from '../../src/rtp/g711.js';

const CANDIDATES = [350, 440, 697, 770, 852, 941, 1000, 1209, 1336, 1477, 1633, 2000, 3000];

test('sineTone: length, peak and zero crossing', () => {
  const t = sineTone(1000, 20, 8000, 0.5);
  assert.is(t.length, 160);
  assert.is(t[0], 0);
  assert.is(t[2], 16384); // sin(pi/2) * 0.5 * 32767, rounded
  assert.is(Math.max(...t), 16384);
  assert.is(sineTone(440, 0, 8000).length, 0);
  assert.throws(() => sineTone(440, 10, 8000, 2), (e: unknown) => e instanceof RangeError);
});

test('goertzel: on-bin power is about the squared amplitude; off-tone power is small', () => {
  const t = sineTone(1000, 100, 8000, 0.5);
  const p = goertzel(t, 8000, 1000);
  assert.ok(Math.abs(p - 0.25) < 0.01, String(p));
  assert.ok(goertzel(t, 8000, 1633) < 0.001);
  assert.is(goertzel(new Int16Array(0), 8000, 1000), 0);
  assert.ok(goertzel(new Int16Array(800), 8000, 1000) === 0);
});

test('a 1 kHz tone survives PCMU and PCMA encode/decode', () => {
  const tone = sineTone(1000, 200, 8000, 0.3);
  for (const [name, enc, dec] of [['PCMU', encodePCMU, decodePCMU], ['PCMA', encodePCMA, decodePCMA]] as const) {
    const through = dec(enc(tone));
    const d = dominantFrequency(through, 8000, CANDIDATES);
    assert.is(d.frequency, 1000, name);
    assert.ok(d.share > 0.95, `${name} share ${d.share}`);
    assert.ok(Math.abs(d.power - 0.09) < 0.01, `${name} power ${d.power}`);
  }
});

test('dominantFrequency picks the strongest of a DTMF pair and refuses no candidates', () => {
  const a = sineTone(697, 100, 8000, 0.2);
  const b = sineTone(1209, 100, 8000, 0.4);
  const mix = a.map((v, i) => v + b[i]);
  assert.is(dominantFrequency(mix, 8000, CANDIDATES).frequency, 1209);
  assert.ok(goertzel(mix, 8000, 697) > 100 * goertzel(mix, 8000, 941));
  assert.throws(() => dominantFrequency(mix, 8000, []), (e: unknown) => e instanceof RangeError);
});

test.run();
