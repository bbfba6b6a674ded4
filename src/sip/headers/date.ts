/**
 * Date (RFC 3261 §20.17):
 *
 *   Date          = "Date" HCOLON SIP-date
 *   SIP-date      = rfc1123-date
 *   rfc1123-date  = wkday "," SP date1 SP time SP "GMT"
 *   date1         = 2DIGIT SP month SP 4DIGIT
 *   time          = 2DIGIT ":" 2DIGIT ":" 2DIGIT
 *   wkday         = "Mon" / "Tue" / "Wed" / "Thu" / "Fri" / "Sat" / "Sun"
 *   month         = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" / "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
 *
 * Only GMT is allowed (§20.17: "SIP only supports the most recent RFC 1123 format ... always in
 * GMT"). RFC 4475 §3.1.2.12 (baddate) sends "EST": `parseDate` throws for it, and a receiver that
 * wants to be liberal simply ignores the Date header when that happens.
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Scanner } from '../grammar.js';

const WKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HT = 9;
const SP = 32;
/** Visible ASCII: what a (wrong) time-zone name may be made of, for the error message. */
const ZONE = new Uint8Array(128).fill(1, 33, 127);

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month + 1, 0);
  return d.getUTCDate();
}

/** A Date header value: a point in time with whole-second precision, written in rfc1123 form. */
export class SIPDate {
  readonly date: Date;

  /** Throws SIPBuildError for an invalid date or one outside the years 0000-9999. */
  constructor(date: Date | number) {
    const ms = typeof date === 'number' ? date : date.getTime();
    const d = new Date(Number.isFinite(ms) ? Math.floor(ms / 1000) * 1000 : NaN);
    if (Number.isNaN(d.getTime())) throw new SIPBuildError('invalid Date');
    const y = d.getUTCFullYear();
    if (y < 0 || y > 9999) throw new SIPBuildError(`year ${y} cannot be written as 4DIGIT`);
    this.date = d;
  }

  static now(): SIPDate {
    return new SIPDate(Date.now());
  }

  /** Same second. */
  equals(other: SIPDate): boolean {
    return this.date.getTime() === other.date.getTime();
  }

  /** e.g. `Sat, 13 Nov 2010 23:29:00 GMT`. */
  toString(): string {
    const d = this.date;
    return (
      `${WKDAYS[d.getUTCDay()]}, ${pad(d.getUTCDate(), 2)} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear(), 4)} ` +
      `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)} GMT`
    );
  }

  /** The wire text. */
  toJSON(): string {
    return this.toString();
  }
}

function ws(s: Scanner, what: string): void {
  const at = s.pos;
  while (s.pos < s.end) {
    const c = s.text.charCodeAt(s.pos);
    if (c !== SP && c !== HT) break;
    s.pos++;
  }
  if (s.pos === at) s.fail(`expected SP ${what}`);
}

function digits(s: Scanner, n: number, what: string): number {
  const at = s.pos;
  const t = s.text;
  let v = 0;
  while (s.pos < s.end && s.pos - at <= n) {
    const c = t.charCodeAt(s.pos);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    s.pos++;
  }
  if (s.pos - at !== n) s.fail(`${what} must be ${n} digits`, at);
  return v;
}

function name3(s: Scanner, list: readonly string[], what: string): number {
  const at = s.pos;
  const word = s.text.slice(s.pos, s.pos + 3);
  const i = list.findIndex((x) => x.toLowerCase() === word.toLowerCase());
  if (i < 0) s.fail(`expected ${what}`, at);
  s.pos += 3;
  return i;
}

function colon(s: Scanner): void {
  if (s.peek() !== 58) s.fail("expected ':' in time");
  s.pos++;
}

/**
 * Date (RFC 3261 §20.17, rfc1123-date). Names are matched case-insensitively (ABNF literals);
 * the separators may be runs of SP/HTAB; the weekday is not checked against the date.
 */
export function parseDate(value: string, header = 'Date'): SIPDate {
  try {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    name3(s, WKDAYS, 'wkday (Mon..Sun)');
    s.skipWs();
    if (s.peek() !== 44) s.fail("expected ',' after wkday");
    s.pos++;
    ws(s, "after ','");
    const dayAt = s.pos;
    const day = digits(s, 2, 'day');
    ws(s, 'after day');
    const month = name3(s, MONTHS, 'month (Jan..Dec)');
    ws(s, 'after month');
    const year = digits(s, 4, 'year');
    ws(s, 'after year');
    const timeAt = s.pos;
    const hh = digits(s, 2, 'hour');
    colon(s);
    const mm = digits(s, 2, 'minutes');
    colon(s);
    const ss = digits(s, 2, 'seconds');
    ws(s, 'after time');
    const zoneAt = s.pos;
    const zone = s.run(ZONE);
    if (zone.toUpperCase() !== 'GMT') s.fail(`time zone must be GMT, not '${zone.slice(0, 20)}'`, zoneAt);
    s.expectEnd();
    if (day < 1 || day > daysInMonth(year, month)) s.fail(`day ${day} does not exist in ${MONTHS[month]} ${year}`, dayAt);
    if (hh > 23 || mm > 59 || ss > 59) s.fail('time out of range (00:00:00 - 23:59:59)', timeAt);
    const d = new Date(0);
    d.setUTCFullYear(year, month, day);
    d.setUTCHours(hh, mm, ss, 0);
    return new SIPDate(d);
  } catch (e) {
    if (e instanceof SIPParseError) throw e;
    throw new SIPParseError(`${header}: unparsable value (${e instanceof Error ? e.message : String(e)})`, {
      header,
      statusCode: 400,
    });
  }
}
