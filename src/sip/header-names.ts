/**
 * Header names: canonical spelling, compact forms, and whether a header's grammar is a
 * comma-separated list (RFC 3261 §7.3.1: only those may be split on commas or combined).
 */
import { TOKEN } from './grammar.js';

export interface HeaderDef {
  /** Canonical spelling used on output, e.g. `Call-ID`, `WWW-Authenticate`. */
  readonly name: string;
  /** Lower-case key used for lookups. */
  readonly key: string;
  /** The grammar is `#element`: one field may hold several comma-separated values. */
  readonly list: boolean;
  /** At most one field may appear (RFC 3261 §7.3.1; a second one makes the message malformed). */
  readonly single: boolean;
  /** Index in HEADER_DEFS: the parser tags each field with it instead of a name string. */
  readonly id: number;
}

/** Compact forms: RFC 3261 §7.3.3 and §20, RFC 3515 (r), RFC 3892 (b), RFC 4028 (x), RFC 3841 (a, j, d), RFC 4474 (y, n), RFC 6665 (o, u). */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Headers whose ABNF is a comma-separated list. */
const LIST = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Call-Info', 'Contact', 'Content-Encoding', 'Content-Language', 'Error-Info', 'History-Info', 'In-Reply-To',
  'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Proxy-Require', 'Reason', 'Record-Route',
  'Reject-Contact', 'Request-Disposition', 'Require', 'Route', 'Security-Client', 'Security-Server',
  'Security-Verify', 'Service-Route', 'Supported', 'Unsupported', 'Via', 'Warning',
];

/**
 * Headers that may appear once (RFC 3261 §7.3.1 and each header's ABNF). A second field is a
 * malformed message (RFC 4475 §3.3.8 multi01, §3.3.9 mcl01).
 */
const SINGLE = [
  'Call-ID', 'Content-Disposition', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Event', 'Expires',
  'From', 'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version', 'Organization', 'Priority', 'RAck',
  'Refer-To', 'Referred-By', 'Replaces', 'Reply-To', 'Retry-After', 'RSeq', 'Server', 'Session-Expires',
  'Subject', 'Subscription-State', 'Timestamp', 'To', 'User-Agent',
];

/** Other known headers, for canonical spelling only. */
const OTHER = [
  'Authentication-Info', 'Authorization', 'Identity', 'Identity-Info', 'Join', 'Proxy-Authenticate',
  'Proxy-Authorization', 'RAck', 'Refer-Sub', 'SIP-ETag', 'SIP-If-Match', 'Target-Dialog', 'WWW-Authenticate',
  'P-Asserted-Identity', 'Privacy', 'Flow-Timer', 'Min-SE',
];

const DEFS = new Map<string, HeaderDef>();

function define(name: string): HeaderDef {
  const key = name.toLowerCase();
  const existing = DEFS.get(key);
  if (existing) return existing;
  const def: HeaderDef = { name, key, list: LIST.includes(name), single: SINGLE.includes(name), id: DEFS.size };
  DEFS.set(key, def);
  return def;
}

for (const n of [...LIST, ...SINGLE, ...OTHER, ...Object.values(COMPACT)]) define(n);

/** Every spelling seen on the wire in practice, mapped to its definition without lower-casing. */
const BY_SPELLING = new Map<string, HeaderDef>();
for (const def of DEFS.values()) {
  BY_SPELLING.set(def.name, def);
  BY_SPELLING.set(def.key, def);
}
for (const [short, long] of Object.entries(COMPACT)) {
  const def = DEFS.get(long.toLowerCase())!;
  BY_SPELLING.set(short, def);
  BY_SPELLING.set(short.toUpperCase(), def);
}
// Frequent non-canonical spellings, so the hot path never lower-cases.
for (const [alias, key] of [['Call-Id', 'call-id'], ['Cseq', 'cseq'], ['CSEQ', 'cseq'], ['Www-Authenticate', 'www-authenticate'], ['Record-route', 'record-route'], ['Max-forwards', 'max-forwards'], ['Content-length', 'content-length'], ['Content-type', 'content-type'], ['User-agent', 'user-agent']] as const) {
  BY_SPELLING.set(alias, DEFS.get(key)!);
}

/** The definition of a header as spelled on the wire or in code, or undefined when unknown. */
export function headerDef(spelling: string): HeaderDef | undefined {
  return BY_SPELLING.get(spelling) ?? BY_SPELLING.get(spelling.toLowerCase());
}

/** Canonical spelling of a known header (compact forms expanded); unknown names as given. */
export function canonicalName(spelling: string): string {
  return headerDef(spelling)?.name ?? spelling;
}

/** Lower-case lookup key (compact forms expanded). */
export function headerKey(spelling: string): string {
  return headerDef(spelling)?.key ?? spelling.toLowerCase();
}

/** The compact form of a canonical header name, if it has one (RFC 3261 §7.3.3). */
export function compactForm(name: string): string | undefined {
  const key = headerKey(name);
  for (const [short, long] of Object.entries(COMPACT)) if (long.toLowerCase() === key) return short;
  return undefined;
}

// ---- the parser's lookup ----------------------------------------------------------------------

/**
 * Every known header, by a small integer id: `lookupHeader` returns the id, `HEADER_DEFS[id]`
 * the definition. The parser uses ids so that it can recognise a name straight from the
 * message text, without slicing a new string and hashing it for a Map lookup on every line.
 */
export const HEADER_DEFS: readonly HeaderDef[] = [...DEFS.values()];

/** ASCII case folding of one char code (header names are tokens: ASCII only). */
function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

const TABLE_SIZE = 512;

/**
 * Where a spelling starts probing the table: from its length and its first and last characters
 * only (case-folded), so a name is placed without reading all of it; the candidates are then
 * confirmed by comparing the whole name.
 */
function slotOf(length: number, first: number, last: number): number {
  const h = Math.imul(Math.imul(length, 31) + fold(first), 31) + fold(last);
  return (h ^ (h >>> 5)) & (TABLE_SIZE - 1);
}

/** Open-addressed table of known spellings; -1 marks an empty slot. */
const TABLE_IDS = new Int16Array(TABLE_SIZE).fill(-1);
/** Lower-case spelling of each slot. */
const TABLE_SPELLINGS: string[] = new Array<string>(TABLE_SIZE).fill('');
/** The spelling most often seen on the wire (canonical, e.g. `Call-ID`; `v` for compact forms). */
const TABLE_WIRE: string[] = new Array<string>(TABLE_SIZE).fill('');

function addSpelling(spelling: string, wire: string, id: number): void {
  let slot = slotOf(spelling.length, spelling.charCodeAt(0), spelling.charCodeAt(spelling.length - 1));
  while (TABLE_IDS[slot] >= 0) slot = (slot + 1) & (TABLE_SIZE - 1);
  TABLE_IDS[slot] = id;
  TABLE_SPELLINGS[slot] = spelling;
  TABLE_WIRE[slot] = wire;
}

for (let id = 0; id < HEADER_DEFS.length; id++) addSpelling(HEADER_DEFS[id].key, HEADER_DEFS[id].name, id);
for (const [short, long] of Object.entries(COMPACT)) addSpelling(short, short, HEADER_DEFS.indexOf(DEFS.get(long.toLowerCase())!));

/** Whether text[start, end) equals the lower-case `spelling`, ASCII letters compared without case. */
function sameName(text: string, start: number, end: number, spelling: string): boolean {
  if (end - start !== spelling.length) return false;
  for (let i = start, j = 0; i < end; i++, j++) {
    if (fold(text.charCodeAt(i)) !== spelling.charCodeAt(j)) return false;
  }
  return true;
}

/** lookupHeader's answer when text[start, end) is empty or not a token. */
export const NOT_A_TOKEN = -2;

/**
 * The id of the known header spelled text[start, end) (any case; compact forms included), -1
 * for another token, NOT_A_TOKEN when it is not a token (RFC 3261 §25.1, header-name = token).
 * The same answer as `headerDef` for a token, without allocating: a known name is confirmed
 * by one native comparison with its usual spelling (or a case-insensitive one), and a name
 * that matches a known spelling is a token; only unknown names are checked character by
 * character.
 */
export function lookupHeader(text: string, start: number, end: number): number {
  const n = end - start;
  if (n <= 0) return NOT_A_TOKEN;
  let slot = slotOf(n, text.charCodeAt(start), text.charCodeAt(end - 1));
  for (;;) {
    const id = TABLE_IDS[slot];
    if (id < 0) break;
    const spelling = TABLE_SPELLINGS[slot];
    if (spelling.length === n && (text.startsWith(TABLE_WIRE[slot], start) || sameName(text, start, end, spelling))) return id;
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return NOT_A_TOKEN;
  }
  return -1;
}

// ---- the fast parser's lookup (octets) -----------------------------------------------------------

/**
 * Step of the running hash the fast parser computes over a header name while it scans the
 * name's octets for the colon (so the name is placed without a second pass). `c | 0x20` folds
 * ASCII letters to lower case and maps no other token character onto another token character
 * (header names are tokens, RFC 3261 §25.1), so the hash ignores case and nothing else.
 */
export function nameHashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 0x20)) | 0;
}

const BYTE_TABLE_SIZE = 1024;
const BYTE_TABLE_IDS = new Int16Array(BYTE_TABLE_SIZE).fill(-1);
/** Each slot's lower-case spelling as octets. */
const BYTE_TABLE_LOWER: Uint8Array[] = new Array<Uint8Array>(BYTE_TABLE_SIZE).fill(new Uint8Array(0));

function byteSlot(h: number): number {
  return (h ^ (h >>> 10)) & (BYTE_TABLE_SIZE - 1);
}

function addByteSpelling(lower: string, id: number): void {
  let h = 0;
  for (let i = 0; i < lower.length; i++) h = nameHashStep(h, lower.charCodeAt(i));
  let slot = byteSlot(h);
  while (BYTE_TABLE_IDS[slot] >= 0) slot = (slot + 1) & (BYTE_TABLE_SIZE - 1);
  BYTE_TABLE_IDS[slot] = id;
  BYTE_TABLE_LOWER[slot] = Buffer.from(lower, 'latin1');
}

for (let id = 0; id < HEADER_DEFS.length; id++) addByteSpelling(HEADER_DEFS[id].key, id);
for (const [short, long] of Object.entries(COMPACT)) addByteSpelling(short, HEADER_DEFS.indexOf(DEFS.get(long.toLowerCase())!));

/**
 * The id of the known header whose name is the token at octets [start, end) of `b`, whose
 * running hash (nameHashStep) is `h`; -1 for any other token. The same answer as lookupHeader
 * for a token. The candidate is confirmed octet by octet, case folded as in nameHashStep
 * (String.prototype.startsWith would do, but costs several times more when it matches).
 */
export function lookupHeaderHashed(b: Uint8Array, start: number, end: number, h: number): number {
  const n = end - start;
  let slot = byteSlot(h);
  for (;;) {
    const id = BYTE_TABLE_IDS[slot];
    if (id < 0) return -1;
    const lower = BYTE_TABLE_LOWER[slot];
    if (lower.length === n) {
      let j = 0;
      while (j < n && (b[start + j] | 0x20) === lower[j]) j++;
      if (j === n) return id;
    }
    slot = (slot + 1) & (BYTE_TABLE_SIZE - 1);
  }
}

/**
 * The canonical spellings and compact forms, each followed by ':', for canonicalHeaderAt:
 * nearly every header line starts with one of these, and then one octet-by-octet comparison
 * both recognises the name and finds the colon. They are chained by their first two octets
 * (the compact forms' second octet is the ':'), most frequent first, and stored flat (one
 * octet array, offsets and ids in typed arrays) so that a probe loads no JS objects.
 */
const SPELLED = new Uint8Array(4096);
/** Per candidate: offset of its spelling in SPELLED, length (with the ':'), header id, next candidate or -1. */
const CAND_OFFSET: number[] = [];
const CAND_LENGTH: number[] = [];
const CAND_ID: number[] = [];
const CAND_NEXT: number[] = [];
/** First candidate for each (first octet << 7 | second octet), -1 for none. */
const CHAIN = new Int16Array(128 * 128).fill(-1);
{
  const frequent = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Length', 'Content-Type', 'Max-Forwards', 'Record-Route', 'Route', 'Allow', 'Supported', 'User-Agent', 'Server', 'Expires', 'Event', 'Subscription-State', 'Authorization', 'WWW-Authenticate'];
  const spellings: [string, number][] = [];
  for (const name of frequent) spellings.push([name, DEFS.get(name.toLowerCase())!.id]);
  for (const def of HEADER_DEFS) if (!frequent.includes(def.name)) spellings.push([def.name, def.id]);
  for (const [short, long] of Object.entries(COMPACT)) spellings.push([short, DEFS.get(long.toLowerCase())!.id]);
  let used = 0;
  const last = new Map<number, number>();
  for (const [spelling, id] of spellings) {
    const text = spelling + ':';
    const k = CAND_ID.length;
    CAND_OFFSET.push(used);
    CAND_LENGTH.push(text.length);
    CAND_ID.push(id);
    CAND_NEXT.push(-1);
    for (let j = 0; j < text.length; j++) SPELLED[used++] = text.charCodeAt(j);
    const key = (text.charCodeAt(0) << 7) | text.charCodeAt(1);
    const tail = last.get(key);
    if (tail === undefined) CHAIN[key] = k;
    else CAND_NEXT[tail] = k;
    last.set(key, k);
  }
}

/** Longest spelling canonicalHeaderAt can report (its length is packed in 6 bits). */
for (const n of CAND_LENGTH) if (n - 1 > 63) throw new Error('header name too long to pack');

/**
 * When the octets at `pos` are a known header's canonical spelling or compact form followed
 * directly by ':', its id * 64 + the name's length; otherwise -1 (the caller then reads the
 * name octet by octet: another case, whitespace before the colon, an unknown name).
 */
export function canonicalHeaderAt(b: Uint8Array, pos: number): number {
  // Locals: V8 reloads and re-checks a module binding on every use in a loop.
  const spelled = SPELLED;
  const candNext = CAND_NEXT;
  const candOffset = CAND_OFFSET;
  const candLength = CAND_LENGTH;
  const c0 = b[pos];
  const c1 = b[pos + 1];
  if (!(c0 < 128 && c1 < 128)) return -1;
  for (let k = CHAIN[(c0 << 7) | c1]; k >= 0; k = candNext[k]) {
    const off = candOffset[k] - pos;
    const n = pos + candLength[k];
    let j = pos + 2;
    while (j < n && b[j] === spelled[off + j]) j++;
    if (j === n) return CAND_ID[k] * 64 + (n - pos - 1);
  }
  return -1;
}
