/**
 * ITU-T G.711 µ-law (PCMU, static payload type 0) and A-law (PCMA, payload type 8), RFC 3551
 * §4.5.14, 8000 Hz. Table driven: a 65536-entry encode table per law indexed by the 16-bit
 * sample, and a 256-entry decode table (0.14 µs per 160 samples, see facts/performance.md).
 * The tables are built on first use from the segment rules of G.711 (Tables 1a/2a), with the
 * same rounding as the classic Sun reference implementation (g711.c): 14-bit µ-law input after
 * an arithmetic shift by 2, 13-bit A-law input after a shift by 3.
 */

/** The RTP/AVP static payload types of RFC 3551 Table 4. */
export const PCMU_PAYLOAD_TYPE = 0;
export const PCMA_PAYLOAD_TYPE = 8;
export const G711_CLOCK_RATE = 8000;

const MULAW_BIAS = 0x84; // 132: the µ-law bias in 16-bit units (33 in 14-bit units)
const MULAW_CLIP = 8159; // largest 14-bit magnitude before biasing

/** Index of the highest set bit (0-based) for v > 0. */
function highBit(v: number): number {
  return 31 - Math.clz32(v);
}

/** G.711 µ-law encoding of one 16-bit sample (the reference rule, used to fill the table). */
function computeMulaw(sample: number): number {
  let v = sample >> 2; // to 14 bits
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  if (v > MULAW_CLIP) v = MULAW_CLIP;
  v += MULAW_BIAS >> 2; // now 33..8192
  // Segment: position of the leading one above bit 5 (v < 64 is segment 0).
  const seg = Math.max(0, highBit(v) - 5);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

/** G.711 A-law encoding of one 16-bit sample. */
function computeAlaw(sample: number): number {
  let v = sample >> 3; // to 13 bits
  let mask: number;
  if (v >= 0) {
    mask = 0xd5; // sign bit set, even bits inverted
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  // Segment: 0 and 1 share the same step (v < 32); above that, the leading-one position.
  const seg = v < 32 ? 0 : highBit(v) - 4;
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

/** G.711 µ-law decoding of one code to a 16-bit sample. */
function computeMulawDecode(code: number): number {
  const u = ~code & 0xff;
  const t = ((((u & 0x0f) << 3) + MULAW_BIAS) << ((u & 0x70) >> 4));
  return u & 0x80 ? MULAW_BIAS - t : t - MULAW_BIAS;
}

/** G.711 A-law decoding of one code to a 16-bit sample. */
function computeAlawDecode(code: number): number {
  const a = code ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t += seg === 0 ? 8 : 0x108;
  if (seg > 1) t <<= seg - 1;
  return a & 0x80 ? t : -t;
}

let ulawEncodeTable: Uint8Array | undefined;
let alawEncodeTable: Uint8Array | undefined;
let ulawDecodeTable: Int16Array | undefined;
let alawDecodeTable: Int16Array | undefined;

function ulawEnc(): Uint8Array {
  if (!ulawEncodeTable) {
    const t = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) t[i] = computeMulaw((i << 16) >> 16);
    ulawEncodeTable = t;
  }
  return ulawEncodeTable;
}

function alawEnc(): Uint8Array {
  if (!alawEncodeTable) {
    const t = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) t[i] = computeAlaw((i << 16) >> 16);
    alawEncodeTable = t;
  }
  return alawEncodeTable;
}

function ulawDec(): Int16Array {
  if (!ulawDecodeTable) {
    const t = new Int16Array(256);
    for (let i = 0; i < 256; i++) t[i] = computeMulawDecode(i);
    ulawDecodeTable = t;
  }
  return ulawDecodeTable;
}

function alawDec(): Int16Array {
  if (!alawDecodeTable) {
    const t = new Int16Array(256);
    for (let i = 0; i < 256; i++) t[i] = computeAlawDecode(i);
    alawDecodeTable = t;
  }
  return alawDecodeTable;
}

/** One 16-bit linear sample to a µ-law octet. */
export function linearToMulaw(sample: number): number {
  return ulawEnc()[sample & 0xffff];
}

/** One 16-bit linear sample to an A-law octet. */
export function linearToAlaw(sample: number): number {
  return alawEnc()[sample & 0xffff];
}

/** One µ-law octet to a 16-bit linear sample. */
export function mulawToLinear(code: number): number {
  return ulawDec()[code & 0xff];
}

/** One A-law octet to a 16-bit linear sample. */
export function alawToLinear(code: number): number {
  return alawDec()[code & 0xff];
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Buffer | undefined): Buffer {
  const n = pcm.length;
  const dst = out ?? Buffer.allocUnsafe(n);
  if (dst.length < n) throw new RangeError(`output buffer of ${dst.length} octets for ${n} samples`);
  for (let i = 0; i < n; i++) dst[i] = table[pcm[i] & 0xffff];
  return out ? dst.subarray(0, n) : dst;
}

function decodeWith(table: Int16Array, codes: Uint8Array, out: Int16Array | undefined): Int16Array {
  const n = codes.length;
  const dst = out ?? new Int16Array(n);
  if (dst.length < n) throw new RangeError(`output array of ${dst.length} samples for ${n} octets`);
  for (let i = 0; i < n; i++) dst[i] = table[codes[i]];
  return out ? dst.subarray(0, n) : dst;
}

/** Encode 16-bit PCM to PCMU octets; `out`, if given, is filled and a view of it returned. */
export function encodePCMU(pcm: Int16Array, out?: Buffer): Buffer {
  return encodeWith(ulawEnc(), pcm, out);
}

/** Encode 16-bit PCM to PCMA octets; `out`, if given, is filled and a view of it returned. */
export function encodePCMA(pcm: Int16Array, out?: Buffer): Buffer {
  return encodeWith(alawEnc(), pcm, out);
}

/** Decode PCMU octets to 16-bit PCM. */
export function decodePCMU(codes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ulawDec(), codes, out);
}

/** Decode PCMA octets to 16-bit PCM. */
export function decodePCMA(codes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(alawDec(), codes, out);
}

/** A codec entry for SDP/rtpmap use (RFC 3551 Table 4). */
export interface G711Codec {
  readonly name: 'PCMU' | 'PCMA';
  readonly payloadType: number;
  readonly clockRate: number;
  encode(pcm: Int16Array, out?: Buffer): Buffer;
  decode(codes: Uint8Array, out?: Int16Array): Int16Array;
}

export const PCMU: G711Codec = { name: 'PCMU', payloadType: PCMU_PAYLOAD_TYPE, clockRate: G711_CLOCK_RATE, encode: encodePCMU, decode: decodePCMU };
export const PCMA: G711Codec = { name: 'PCMA', payloadType: PCMA_PAYLOAD_TYPE, clockRate: G711_CLOCK_RATE, encode: encodePCMA, decode: decodePCMA };
