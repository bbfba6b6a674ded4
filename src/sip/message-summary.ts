/**
 * `application/simple-message-summary` — the body of a message-summary NOTIFY (RFC 3842 §5).
 *
 *   message-summary  = msg-status-line CRLF
 *                      [ msg-account CRLF ]
 *                      [ *(msg-summary-line CRLF) ]
 *                      [ *opt-msg-headers ]
 *   msg-status-line  = "Messages-Waiting" HCOLON msg-status
 *   msg-status       = "yes" / "no"
 *   msg-account      = "Message-Account" HCOLON Account-URI
 *   Account-URI      = SIP-URI / SIPS-URI / absoluteURI
 *   msg-summary-line = message-context-class HCOLON newmsgs SLASH oldmsgs
 *                      [ LPAREN new-urgentmsgs SLASH old-urgentmsgs RPAREN ]
 *   opt-msg-headers  = CRLF 1*(extension-header CRLF)
 *   msg-count        = 1*DIGIT   ; MUST NOT exceed 2^32-1
 *
 * message-context-class is one of the RFC 3458 classes: voice-message, fax-message,
 * pager-message, multimedia-message, text-message, none.
 *
 * The reader is strict where a wrong guess would mislead a user (counts, yes/no, the account URI,
 * a class given twice) and lenient where every deployed server differs: names are compared
 * case-insensitively, LF alone ends a line as well as CRLF, folded lines are unfolded, the
 * status line may come after the account, and a header that is not part of the summary but sits
 * before the blank line goes to `optionalHeaders` (as python-sipsimple does). Every failure is a
 * `SIPParseError` with statusCode 400 naming the line's field and its offset; no input makes it
 * throw anything else or run for long (the body is capped, and the scan is linear).
 */
import { SIPBuildError, SIPParseError } from './errors.js';
import { isToken } from './grammar.js';
import { parseURI } from './uri.js';

export const MESSAGE_SUMMARY_CONTENT_TYPE = 'application/simple-message-summary';

/** The RFC 3458 message-context-class values, in the order `formatMessageSummary` writes them. */
export const MESSAGE_CONTEXT_CLASSES = [
  'voice-message',
  'fax-message',
  'pager-message',
  'multimedia-message',
  'text-message',
  'none',
] as const;
export type MessageContextClass = (typeof MESSAGE_CONTEXT_CLASSES)[number];

/** One msg-summary-line: `Voice-Message: 4/8 (1/2)` is new 4, old 8, newUrgent 1, oldUrgent 2. */
export interface MessageCounts {
  new: number;
  old: number;
  newUrgent?: number;
  oldUrgent?: number;
}

export interface MessageSummary {
  /** Messages-Waiting: yes / no. */
  messagesWaiting: boolean;
  /** Message-Account, as written (a SIP, SIPS or absolute URI). */
  messageAccount?: string;
  summaries: { [K in MessageContextClass]?: MessageCounts };
  /** The opt-msg-headers (and any unknown field before them), name and value, in order. */
  optionalHeaders: [string, string][];
}

/** msg-count upper bound (RFC 3842 §5.2: "MUST NOT exceed 2^32-1"). */
export const MAX_MSG_COUNT = 0xffffffff;
/** Bodies longer than this (in characters) are refused rather than scanned. */
export const MAX_MESSAGE_SUMMARY_LENGTH = 65536;

const CLASS_NAMES: Record<MessageContextClass, string> = {
  'voice-message': 'Voice-Message',
  'fax-message': 'Fax-Message',
  'pager-message': 'Pager-Message',
  'multimedia-message': 'Multimedia-Message',
  'text-message': 'Text-Message',
  none: 'None',
};
const isClass = (name: string): name is MessageContextClass => Object.prototype.hasOwnProperty.call(CLASS_NAMES, name);

const fail = (message: string, offset: number, header?: string): never => {
  throw new SIPParseError(header ? `${header}: ${message}` : message, { offset, header, statusCode: 400 });
};
const show = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** One logical line: its text (folds joined) and the offset where it starts. */
interface Line {
  text: string;
  at: number;
}

/** Split on CRLF or LF, unfolding continuation lines (RFC 3261 §7.3.1 LWS). */
function logicalLines(body: string): Line[][] {
  const blocks: Line[][] = [[]];
  let i = 0;
  while (i < body.length) {
    let end = body.indexOf('\n', i);
    if (end === -1) end = body.length;
    const text = body.slice(i, end > i && body.charCodeAt(end - 1) === 13 ? end - 1 : end);
    const at = i;
    i = end + 1;
    const block = blocks[blocks.length - 1]!;
    if (text === '') {
      if (block.length) blocks.push([]);
      continue;
    }
    const first = text.charCodeAt(0);
    if (first === 32 || first === 9) {
      const prev = block[block.length - 1];
      if (!prev) fail('a continuation line with nothing to continue', at);
      prev!.text += ' ' + text.trim();
    } else block.push({ text, at });
  }
  if (blocks.length > 1 && blocks[blocks.length - 1]!.length === 0) blocks.pop();
  return blocks;
}

/** `name: value` with a token name; the value trimmed. */
function field(line: Line): [string, string] {
  const colon = line.text.indexOf(':');
  if (colon === -1) fail(`not a "name: value" line: ${show(line.text)}`, line.at);
  const name = line.text.slice(0, colon).trimEnd();
  if (!isToken(name)) fail(`bad field name ${show(name)}`, line.at);
  return [name, line.text.slice(colon + 1).trim()];
}

const COUNT = /^\d{1,10}$/;
function count(text: string, what: string, line: Line, header: string): number {
  const t = text.trim();
  if (!COUNT.test(t) || Number(t) > MAX_MSG_COUNT) fail(`${what} must be a number of messages from 0 to 2^32-1, got ${show(t)}`, line.at, header);
  return Number(t);
}

/** `newmsgs SLASH oldmsgs [ LPAREN new-urgentmsgs SLASH old-urgentmsgs RPAREN ]` */
function counts(value: string, line: Line, header: string): MessageCounts {
  let main = value;
  let urgent: string | undefined;
  const open = value.indexOf('(');
  if (open !== -1) {
    if (!value.endsWith(')')) fail(`the urgent counts must end with ')': ${show(value)}`, line.at, header);
    main = value.slice(0, open);
    urgent = value.slice(open + 1, -1);
  }
  const pair = (text: string, what: string): [number, number] => {
    const parts = text.split('/');
    if (parts.length !== 2) fail(`expected ${what} as "new/old", got ${show(text.trim())}`, line.at, header);
    return [count(parts[0]!, `new ${what}`, line, header), count(parts[1]!, `old ${what}`, line, header)];
  };
  const [n, o] = pair(main, 'messages');
  const out: MessageCounts = { new: n, old: o };
  if (urgent !== undefined) [out.newUrgent, out.oldUrgent] = pair(urgent, 'urgent messages');
  return out;
}

/**
 * Parse a message-summary body. Throws SIPParseError (statusCode 400) when the body is not one:
 * no or a repeated Messages-Waiting line, a status other than yes/no, a bad Message-Account URI,
 * a count that is not 0..2^32-1, a class given twice, a line that is not `name: value`, a
 * control character, or more than MAX_MESSAGE_SUMMARY_LENGTH characters.
 */
export function parseMessageSummary(body: string | Buffer): MessageSummary {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) fail(`message-summary body must be a string or a Buffer, got ${typeof body}`, 0);
  if (body.length > MAX_MESSAGE_SUMMARY_LENGTH) fail(`message-summary body longer than ${MAX_MESSAGE_SUMMARY_LENGTH}`, MAX_MESSAGE_SUMMARY_LENGTH);
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(text);
  if (bad) fail(`control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')} in the body`, bad.index);

  const [summaryLines, ...messageBlocks] = logicalLines(text);
  const out: MessageSummary = { messagesWaiting: false, summaries: {}, optionalHeaders: [] };
  let status: Line | undefined;
  for (const line of summaryLines!) {
    const [name, value] = field(line);
    const key = name.toLowerCase();
    if (key === 'messages-waiting') {
      if (status) fail('Messages-Waiting given twice', line.at, 'Messages-Waiting');
      status = line;
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') fail(`must be "yes" or "no", got ${show(value)}`, line.at, 'Messages-Waiting');
      out.messagesWaiting = v === 'yes';
    } else if (key === 'message-account') {
      if (out.messageAccount !== undefined) fail('Message-Account given twice', line.at, 'Message-Account');
      if (!value) fail('empty account URI', line.at, 'Message-Account');
      try {
        parseURI(value, 'Message-Account');
      } catch (e) {
        fail(`bad account URI ${show(value)} (${(e as Error).message})`, line.at, 'Message-Account');
      }
      out.messageAccount = value;
    } else if (isClass(key)) {
      if (out.summaries[key]) fail(`${CLASS_NAMES[key]} given twice`, line.at, CLASS_NAMES[key]);
      out.summaries[key] = counts(value, line, CLASS_NAMES[key]);
    } else out.optionalHeaders.push([name, value]);
  }
  if (!status) fail('no Messages-Waiting line (RFC 3842 §5.2: the msg-status-line is required)', 0, 'Messages-Waiting');
  for (const block of messageBlocks) for (const line of block) out.optionalHeaders.push(field(line));
  return out;
}

const buildCount = (n: number | undefined, what: string): string => {
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_MSG_COUNT) {
    throw new SIPBuildError(`message-summary: ${what} must be an integer from 0 to 2^32-1, got ${String(n)}`);
  }
  return String(n);
};

/**
 * The body for a message-summary NOTIFY (CRLF line ends): the status line, the account, one
 * line per class in RFC 3458 order (urgent counts when either is given), then the optional
 * headers after a blank line. Throws SIPBuildError for a value that would not parse back.
 */
export function formatMessageSummary(summary: MessageSummary): string {
  let out = `Messages-Waiting: ${summary.messagesWaiting ? 'yes' : 'no'}\r\n`;
  if (summary.messageAccount !== undefined) {
    try {
      parseURI(summary.messageAccount, 'Message-Account');
    } catch {
      throw new SIPBuildError(`message-summary: Message-Account ${show(summary.messageAccount)} is not a URI`);
    }
    out += `Message-Account: ${summary.messageAccount}\r\n`;
  }
  for (const cls of MESSAGE_CONTEXT_CLASSES) {
    const c = summary.summaries[cls];
    if (!c) continue;
    out += `${CLASS_NAMES[cls]}: ${buildCount(c.new, 'new')}/${buildCount(c.old, 'old')}`;
    if (c.newUrgent !== undefined || c.oldUrgent !== undefined) {
      out += ` (${buildCount(c.newUrgent ?? 0, 'newUrgent')}/${buildCount(c.oldUrgent ?? 0, 'oldUrgent')})`;
    }
    out += '\r\n';
  }
  if (summary.optionalHeaders.length) {
    out += '\r\n';
    for (const [name, value] of summary.optionalHeaders) {
      if (!isToken(name)) throw new SIPBuildError(`message-summary: bad header name ${show(name)}`);
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new SIPBuildError(`message-summary: header ${name} has a control character`);
      out += `${name}: ${value}\r\n`;
    }
  }
  return out;
}
