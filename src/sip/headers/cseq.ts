/**
 * CSeq (RFC 3261 §20.16, §8.1.1.5) and Call-ID (§20.8).
 *
 *   CSeq    = "CSeq" HCOLON 1*DIGIT LWS Method
 *   Call-ID = ( "Call-ID" / "i" ) HCOLON callid ; callid = word [ "@" word ]
 */
import { Scanner, WORD } from '../grammar.js';
import { SIPBuildError, SIPParseError } from '../errors.js';

/** §8.1.1.5: the sequence number "MUST be expressible as a 32-bit unsigned integer". */
export const MAX_CSEQ = 0xffffffff;

export class CSeq {
  constructor(
    readonly seq: number,
    readonly method: string,
  ) {}

  static create(seq: number, method: string): CSeq {
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_CSEQ) throw new SIPBuildError(`CSeq number ${seq} out of range`);
    return new CSeq(seq, method);
  }

  toString(): string {
    return `${this.seq} ${this.method}`;
  }

  toJSON(): { seq: number; method: string } {
    return { seq: this.seq, method: this.method };
  }
}

export function parseCSeq(value: string): CSeq {
  const s = new Scanner(value, 'CSeq');
  s.skipWs();
  const seq = s.uint(MAX_CSEQ, 'CSeq number');
  const gap = s.pos;
  s.skipWs();
  if (s.pos === gap) s.fail('expected whitespace after the CSeq number');
  const method = s.token('method');
  s.expectEnd();
  return new CSeq(seq, method);
}

/** Validate a Call-ID value: word [ "@" word ], no whitespace. Returns it unchanged. */
export function parseCallId(value: string): string {
  const at = value.indexOf('@');
  const ok = (from: number, to: number): boolean => {
    if (to <= from) return false;
    for (let i = from; i < to; i++) {
      const c = value.charCodeAt(i);
      if (c >= 128 || WORD[c] !== 1) return false;
    }
    return true;
  };
  if (at < 0 ? !ok(0, value.length) : !ok(0, at) || !ok(at + 1, value.length)) {
    throw new SIPParseError(`Call-ID: malformed value '${value.slice(0, 80)}'`, { header: 'Call-ID', statusCode: 400 });
  }
  return value;
}
