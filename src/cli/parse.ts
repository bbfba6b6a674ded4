/**
 * `sipstate parse [--stream] [FILE...]`: one JSON line per message. Each file (or standard input)
 * is one datagram; with --stream it is a TCP-like byte stream holding any number of messages.
 * A message is refused ("ok": false) when a UA would have to answer 400 or 505, or drop it.
 */
import { readFile } from 'node:fs/promises';
import { SIPParseError } from '../sip/errors.js';
import { FramingError, StreamFramer } from '../sip/framing.js';
import type { SIPRequest, SIPResponse } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { validateMessage } from '../sip/validate.js';

export interface ParsedLine {
  file: string;
  ok: true;
  kind: 'request' | 'response';
  method: string | null;
  requestUri: string | null;
  status: number | null;
  reason: string | null;
  callId: string | null;
  cseq: { seq: number; method: string } | null;
  via: string[];
  maxForwards: number | null;
  contentLength: number | null;
  headers: [string, string][];
  bodyLength: number;
}

export interface RefusedLine {
  file: string;
  ok: false;
  error: string;
  /** The response a UAS would send (400, 505, 513), or null when the message must be dropped. */
  status: number | null;
}

export function describe(file: string, msg: SIPRequest | SIPResponse): ParsedLine {
  const cseq = msg.cseq;
  return {
    file,
    ok: true,
    kind: msg.isRequest ? 'request' : 'response',
    method: msg.isRequest ? msg.method : null,
    requestUri: msg.isRequest ? msg.requestUri : null,
    status: msg.isRequest ? null : msg.status,
    reason: msg.isRequest ? null : msg.reason,
    callId: msg.callId ?? null,
    cseq: cseq ? { seq: cseq.seq, method: cseq.method } : null,
    via: msg.via.map((v) => v.toString()),
    maxForwards: msg.maxForwards ?? null,
    contentLength: msg.contentLength ?? null,
    headers: msg.fields(),
    bodyLength: msg.body.length,
  };
}

/** Parse and fully validate one message; never throws. */
export function parseOne(file: string, data: Buffer, stream = false): ParsedLine | RefusedLine {
  try {
    const msg = parseMessage(data, { stream });
    validateMessage(msg);
    return describe(file, msg);
  } catch (e) {
    if (e instanceof SIPParseError) return { file, ok: false, error: e.message, status: e.statusCode ?? null };
    throw e;
  }
}

/** A stream may end with a keep-alive CRLF the framer is still waiting to classify. */
function onlyLineEnds(tail: Buffer): boolean {
  for (const b of tail) if (b !== 13 && b !== 10) return false;
  return true;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function runParse(args: string[]): Promise<number> {
  const stream = args.includes('--stream');
  const files = args.filter((a) => a !== '--stream');
  for (const a of files) {
    if (a.startsWith('--')) {
      process.stderr.write(`sipstate parse: unknown option ${a}\n`);
      return 2;
    }
  }
  const inputs = files.length ? files : ['-'];
  let refused = 0;
  for (const file of inputs) {
    let data: Buffer;
    try {
      data = file === '-' ? await readStdin() : await readFile(file);
    } catch (e) {
      process.stderr.write(`sipstate parse: cannot read ${file}: ${(e as Error).message}\n`);
      refused++;
      continue;
    }
    const lines: (ParsedLine | RefusedLine)[] = [];
    if (stream) {
      const framer = new StreamFramer();
      try {
        for (const frame of framer.push(data)) if (frame.kind === 'message') lines.push(parseOne(file, frame.data, true));
        if (framer.buffered > 0 && !onlyLineEnds(data.subarray(data.length - framer.buffered))) {
          lines.push({ file, ok: false, error: `stream ends inside a message (${framer.buffered} octets left)`, status: null });
        }
      } catch (e) {
        if (!(e instanceof SIPParseError)) throw e;
        // Messages completed before the framing error are still reported.
        if (e instanceof FramingError) for (const frame of e.frames) if (frame.kind === 'message') lines.push(parseOne(file, frame.data, true));
        lines.push({ file, ok: false, error: e.message, status: e.statusCode ?? null });
      }
    } else lines.push(parseOne(file, data));
    for (const line of lines) {
      if (!line.ok) refused++;
      process.stdout.write(JSON.stringify(line) + '\n');
    }
  }
  return refused ? 1 : 0;
}
