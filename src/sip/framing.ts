/**
 * Message framing on stream transports (TCP, TLS): RFC 3261 §7.5 and §18.3, RFC 5626 §3.5.1.
 *
 * A stream carries SIP messages back to back. Each is a header section ended by an empty line
 * and then exactly Content-Length octets of body (§18.3: on a stream the header is mandatory, it
 * is the only way to find where the next message starts). Between messages a peer may send
 * keep-alives (RFC 5626 §3.5.1): a double CRLF "ping", answered by a single CRLF "pong".
 *
 * The framer only cuts the stream into messages: it reads nothing of the header section but the
 * Content-Length (and, when it has to refuse a request, the raw Via/From/To/Call-ID/CSeq values
 * for the 400). Parsing the message is `parseMessage`'s job.
 *
 * Cost: every octet is copied at most a constant number of times (in, once out per message,
 * plus amortised buffer growth), and the search for the end of the header section resumes where
 * it stopped, so feeding a stream in chunks of any size, one octet included, is linear.
 *
 * Keep-alive rule (between messages, i.e. at a message boundary):
 *  - CR LF CR LF                   -> ping (4 octets consumed)
 *  - CR LF followed by a non-CR    -> pong (2 octets consumed); what follows starts a message
 *  - CR LF CR followed by a non-LF -> pong (2 octets consumed); the CR starts a "message" that
 *    the parser will refuse (a start-line cannot begin with CR)
 *  - a bare LF                     -> ignored (RFC 3261 §7.5 leniency, never a keep-alive)
 *  - a CR not followed by LF       -> starts a message (refused later by the parser)
 * When the octets seen so far end inside one of these patterns (CR, CR LF, CR LF CR) the framer
 * waits: a lone CR LF is reported as a pong only once the next octet shows it is not the first
 * half of a ping. The result therefore never depends on how the stream was chunked. The price is
 * that a pong followed by silence stays pending (`buffered` is then 2); an RFC 5626 client, which
 * sends the pings and never receives them, should construct the framer with `pongsOnly: true`,
 * which reports every CR LF between messages as a pong as soon as its LF arrives (a double CRLF
 * then counts as two pongs).
 */
import { SIPParseError, type SalvagedHeaders } from './errors.js';

export interface FramerLimits {
  /** Largest header section accepted, start-line and empty line included (default 65,536). */
  maxHeaderBytes: number;
  /** Largest Content-Length accepted (default 4 MiB). */
  maxBodyBytes: number;
}

export interface FramerOptions extends Partial<FramerLimits> {
  /**
   * This end sends the keep-alive pings and only ever receives pongs (an RFC 5626 §4.4.1 UA):
   * report each CR LF between messages as a pong at once instead of waiting to see whether a
   * second CR LF (a ping) follows. Default false: pings and pongs are told apart (see above).
   */
  pongsOnly?: boolean;
}

export type Frame =
  /** Exactly one SIP message: header section, empty line, Content-Length octets of body. */
  | { kind: 'message'; data: Buffer }
  /** CRLFCRLF keep-alive ping received (RFC 5626 §3.5.1): answer with a pong. */
  | { kind: 'ping' }
  /** Single CRLF pong received (RFC 5626 §3.5.1). */
  | { kind: 'pong' };

/**
 * The error `push` throws. It is a `SIPParseError` (statusCode/salvage set when the offending
 * message is a request that can be answered) that also carries the frames the same chunk completed
 * before the error, so that what arrived intact is not lost: process `frames`, answer if
 * `statusCode` is set, then close the connection (RFC 3261 §18.3, RFC 4475 §3.1.2.3, §3.3.9).
 */
export class FramingError extends SIPParseError {
  readonly frames: readonly Frame[];

  constructor(cause: SIPParseError, frames: readonly Frame[]) {
    super(cause.message, { offset: cause.offset, header: cause.header, statusCode: cause.statusCode, salvage: cause.salvage });
    this.frames = frames;
  }
}

const CR = 13;
const LF = 10;

const DEFAULT_LIMITS: FramerLimits = { maxHeaderBytes: 65536, maxBodyBytes: 4 * 1024 * 1024 };
const EMPTY = Buffer.alloc(0);
/** Smallest buffer allocated for leftovers. */
const MIN_CAPACITY = 4096;
/** An empty buffer larger than this is released rather than kept for reuse (a big body should not pin memory). */
const KEEP_CAPACITY = 64 * 1024;

const enum Phase {
  /** Between messages: keep-alives or the first octet of the next start-line. */
  Boundary,
  /** Looking for the empty line that ends the header section. */
  Header,
  /** Header section read; waiting for `total` octets in all. */
  Body,
}

export class StreamFramer {
  private readonly limits: FramerLimits;
  private readonly pongsOnly: boolean;
  /** Our own buffer (EMPTY until needed); `buf` is either this or, during one push, the caller's chunk. */
  private store: Buffer = EMPTY;
  private buf: Buffer = EMPTY;
  /** Unframed octets are buf[start, end). */
  private start = 0;
  private end = 0;
  private phase: Phase = Phase.Boundary;
  /** Header phase: offset (from `start`) where the search for the empty line resumes. */
  private scanned = 0;
  /** Body phase: length of the whole message (header section + body) from `start`. */
  private total = 0;
  private failed: SIPParseError | undefined;

  constructor(options: FramerOptions = {}) {
    this.limits = {
      maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    };
    this.pongsOnly = options.pongsOnly ?? false;
  }

  /** Bytes buffered but not yet framed. */
  get buffered(): number {
    return this.end - this.start;
  }

  /**
   * Feed bytes as they arrive; returns the frames completed by this chunk, in order. Throws a
   * `FramingError` (a `SIPParseError`) when the stream cannot be framed; the framer then refuses
   * further input until `reset()`, and the connection must be closed.
   */
  push(chunk: Buffer): Frame[] {
    if (this.failed) {
      throw new SIPParseError(`stream framer unusable after an earlier error (${this.failed.message}); close the connection`, {
        statusCode: undefined,
      });
    }
    const frames: Frame[] = [];
    if (chunk.length === 0) return frames;
    this.append(chunk);
    try {
      this.drain(frames);
    } catch (e) {
      if (!(e instanceof SIPParseError)) throw e;
      this.failed = e;
      this.clear();
      throw new FramingError(e, frames);
    }
    this.settle();
    return frames;
  }

  /** Drop everything buffered and any earlier error (for a new connection). */
  reset(): void {
    this.clear();
    this.failed = undefined;
  }

  private clear(): void {
    this.store = this.store.length > KEEP_CAPACITY ? EMPTY : this.store;
    this.buf = this.store;
    this.start = this.end = 0;
    this.phase = Phase.Boundary;
    this.scanned = this.total = 0;
  }

  /** Make `chunk` part of buf[start, end). */
  private append(chunk: Buffer): void {
    if (this.start === this.end) {
      // Nothing pending (so we are at a message boundary): work on the caller's chunk in place
      // for this push; `settle` copies out whatever is left unframed.
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    // Pending octets always live in `store` (settle() guarantees it).
    const live = this.end - this.start;
    if (this.store.length - this.end < chunk.length) {
      const needed = live + chunk.length;
      if (needed <= this.store.length && this.start >= live) {
        // Moving `live` octets is paid for by the `start` octets consumed since the last move.
        this.store.copyWithin(0, this.start, this.end);
      } else {
        // Doubling keeps growth amortised linear.
        const next = Buffer.allocUnsafe(Math.max(needed, this.store.length * 2, MIN_CAPACITY));
        this.store.copy(next, 0, this.start, this.end);
        this.store = next;
      }
      this.buf = this.store;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  /** After a push: never keep a reference to the caller's chunk, and release an idle big buffer. */
  private settle(): void {
    const live = this.end - this.start;
    if (this.buf !== this.store) {
      if (live > 0) {
        if (this.store.length < live) this.store = Buffer.allocUnsafe(Math.max(live * 2, MIN_CAPACITY));
        this.buf.copy(this.store, 0, this.start, this.end);
      }
      this.buf = this.store;
      this.start = 0;
      this.end = live;
    } else if (live === 0) {
      if (this.store.length > KEEP_CAPACITY) this.store = this.buf = EMPTY;
      this.start = this.end = 0;
    }
  }

  /** Cut as many frames as the buffered octets allow. */
  private drain(frames: Frame[]): void {
    for (;;) {
      const avail = this.end - this.start;
      if (this.phase === Phase.Boundary) {
        if (avail === 0) return;
        const b = this.buf;
        const s = this.start;
        const c0 = b[s];
        if (c0 === LF) {
          // A bare LF is not a keep-alive (RFC 5626 §3.5.1 uses CRLF); skip it as §7.5 allows.
          this.start++;
          continue;
        }
        if (c0 === CR) {
          if (avail < 2) return;
          if (b[s + 1] === LF) {
            if (this.pongsOnly) {
              this.start += 2;
              frames.push({ kind: 'pong' });
              continue;
            }
            if (avail < 3) return; // CR LF: a pong, or the first half of a ping
            if (b[s + 2] === CR) {
              if (avail < 4) return; // CR LF CR: still undecided
              if (b[s + 3] === LF) {
                this.start += 4;
                frames.push({ kind: 'ping' });
                continue;
              }
            }
            this.start += 2;
            frames.push({ kind: 'pong' });
            continue;
          }
          // CR without LF is no keep-alive: let it open a message the parser will refuse.
        }
        this.phase = Phase.Header;
        this.scanned = 0;
        continue;
      }
      if (this.phase === Phase.Header) {
        if (!this.findHeaderEnd()) return;
        continue;
      }
      if (avail < this.total) return;
      // Copy out: the frame must not share memory with our buffer or the caller's chunk.
      frames.push({ kind: 'message', data: Buffer.from(this.buf.subarray(this.start, this.start + this.total)) });
      this.start += this.total;
      this.phase = Phase.Boundary;
    }
  }

  /**
   * Look for the empty line ending the header section (RFC 3261 §7: CRLF CRLF; bare-LF line
   * ends are tolerated, so also LF LF, which covers CRLF LF). On success read Content-Length and
   * switch to the Body phase. Only octets not examined before are scanned.
   */
  private findHeaderEnd(): boolean {
    const n = this.end - this.start;
    const view = this.buf.subarray(this.start, this.end);
    let i = this.scanned;
    let headerLen = -1;
    while (i < n) {
      const lf = view.indexOf(LF, i);
      if (lf < 0) {
        i = n;
        break;
      }
      if (lf + 1 >= n) {
        i = lf; // need the next octet to decide
        break;
      }
      const next = view[lf + 1];
      if (next === LF) {
        headerLen = lf + 2;
        break;
      }
      if (next === CR && lf > 0 && view[lf - 1] === CR) {
        if (lf + 2 >= n) {
          i = lf;
          break;
        }
        if (view[lf + 2] === LF) {
          headerLen = lf + 3;
          break;
        }
      }
      i = lf + 1;
    }
    const max = this.limits.maxHeaderBytes;
    if (headerLen < 0) {
      this.scanned = i;
      // A section that fits the limit has its end within the first `max` octets, so having
      // more than that without an end means it is too long, however the stream was chunked.
      if (n > max) throw tooBig(`header section longer than ${max} octets without an end`, isRequest(view), 'header');
      return false;
    }
    if (headerLen > max) throw tooBig(`header section of ${headerLen} octets exceeds ${max}`, isRequest(view), 'header');
    const bodyLen = readContentLength(view.toString('latin1', 0, headerLen), this.limits.maxBodyBytes);
    this.total = headerLen + bodyLen;
    this.phase = Phase.Body;
    return true;
  }
}

/** A start-line not beginning with the SIP-Version is a request's (RFC 3261 §7.1, §7.2). */
function isRequest(view: Buffer): boolean {
  return !/^SIP\//i.test(view.toString('latin1', 0, Math.min(view.length, 4)));
}

function tooBig(message: string, request: boolean, what: 'header' | 'body', salvage?: SalvagedHeaders): SIPParseError {
  return new SIPParseError(message, {
    header: what === 'body' ? 'Content-Length' : undefined,
    // 513 Message Too Large (RFC 3261 §21.5.14), as the parser answers; responses are dropped.
    statusCode: request ? 513 : undefined,
    salvage: request ? salvage : undefined,
  });
}

/** Header names the framer reads, full and compact forms (RFC 3261 §7.3.3, §20), lower case. */
const WANTED = new Map<string, 'cl' | 'via' | 'from' | 'to' | 'callId' | 'cseq'>([
  ['content-length', 'cl'],
  ['l', 'cl'],
  ['via', 'via'],
  ['v', 'via'],
  ['from', 'from'],
  ['f', 'from'],
  ['to', 'to'],
  ['t', 'to'],
  ['call-id', 'callId'],
  ['i', 'callId'],
  ['cseq', 'cseq'],
]);

function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return s.slice(a, b);
}

/**
 * The Content-Length of a complete header section (read as latin1, one code unit per octet).
 * Folded lines (RFC 3261 §7.3.1: a line starting with SP or HT continues the previous one) are
 * joined; names are case-insensitive, may be compact (`l`) and may have whitespace before the
 * colon; leading zeros are fine (RFC 4475 §3.1.1.1). Missing, negative, malformed or conflicting
 * values cannot be framed and are errors (RFC 3261 §18.3; RFC 4475 §3.1.2.3 ncl, §3.3.9 mcl01).
 * Identical duplicates can still be framed; the parser refuses them as duplicates.
 */
function readContentLength(head: string, maxBodyBytes: number): number {
  const request = !/^SIP\//i.test(head);
  const found: { key: string; value: string; offset: number }[] = [];
  let current = -1; // index in `found` of the field a continuation line extends
  let pos = head.indexOf('\n') + 1; // the start-line is skipped: it may contain anything
  while (pos > 0 && pos < head.length) {
    let eol = head.indexOf('\n', pos);
    if (eol < 0) eol = head.length;
    const lineEnd = eol > pos && head.charCodeAt(eol - 1) === CR ? eol - 1 : eol;
    if (lineEnd === pos) break; // the empty line
    const first = head.charCodeAt(pos);
    if (first === 32 || first === 9) {
      if (current >= 0) found[current].value += ' ' + trimWs(head.slice(pos, lineEnd));
    } else {
      current = -1;
      const colon = head.indexOf(':', pos);
      if (colon >= 0 && colon < lineEnd) {
        const key = WANTED.get(trimWs(head.slice(pos, colon)).toLowerCase());
        if (key) {
          found.push({ key, value: trimWs(head.slice(colon + 1, lineEnd)), offset: pos });
          current = found.length - 1;
        }
      }
      // A line without a colon is the parser's business; it does not hide the Content-Length.
    }
    pos = eol + 1;
  }

  const salvage = request ? salvageOf(found) : undefined;
  const refuse = (message: string, offset?: number): SIPParseError =>
    new SIPParseError(message, {
      offset,
      header: 'Content-Length',
      statusCode: request ? 400 : undefined,
      salvage,
    });

  let length = -1;
  for (const f of found) {
    if (f.key !== 'cl') continue;
    const v = f.value.trim();
    // Leading zeros are allowed; a huge digit string becomes a huge number and fails the limit below.
    const value = /^[0-9]+$/.test(v) ? Number(v) : NaN;
    if (Number.isNaN(value)) {
      if (/^-\s*[0-9]+$/.test(v)) throw refuse(`negative Content-Length '${v}' (RFC 4475 §3.1.2.3)`, f.offset);
      throw refuse(`malformed Content-Length '${v.slice(0, 40)}'`, f.offset);
    }
    if (length >= 0 && value !== length) {
      throw refuse(`conflicting Content-Length values ${length} and ${value} (RFC 4475 §3.3.9)`, f.offset);
    }
    length = value;
  }
  if (length < 0) throw refuse('Content-Length is mandatory on stream transports (RFC 3261 §18.3)');
  if (length > maxBodyBytes) throw tooBig(`Content-Length ${length} exceeds ${maxBodyBytes} octets`, request, 'body', salvage);
  return length;
}

/** The raw values a 400 must copy (RFC 3261 §8.2.6.2), when all are present. */
function salvageOf(found: { key: string; value: string }[]): SalvagedHeaders | undefined {
  const via: string[] = [];
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  for (const f of found) {
    switch (f.key) {
      case 'via': via.push(f.value); break;
      case 'from': from ??= f.value; break;
      case 'to': to ??= f.value; break;
      case 'callId': callId ??= f.value; break;
      case 'cseq': cseq ??= f.value; break;
    }
  }
  if (!via.length || from === undefined || to === undefined || callId === undefined || cseq === undefined) return undefined;
  return { via, from, to, callId, cseq };
}
