/**
 * Setting datatypes: each checks a value and returns it normalised and frozen, or throws a
 * SettingValueError with a short problem text (`70000 is not a port`) to which the caller adds
 * the setting path.
 *
 * Every value is plain JSON data (booleans, numbers, strings, null, arrays, plain objects), so
 * the value in memory is exactly what is stored, snapshots can be frozen and compared, and
 * nothing mutable is shared. That is why SIP URIs are kept as checked strings, not SipURI
 * objects (which are mutable): parse them where they are used.
 *
 * The same `check` serves values set from code and values read from the stored file, so a bad
 * hand-edited file is reported exactly like a bad `set()`.
 */
import { isIP } from 'node:net';
import { checkNameserver } from '../dns/manager.js';
import { isSipURI, parseSipURI, parseURI } from '../sip/uri.js';
import { SettingValueError } from './errors.js';

export interface SettingType<T> {
  /** What the type accepts, for documentation and messages (`port`, `list of transports`). */
  readonly name: string;
  /** The value normalised (and frozen, for arrays and objects), or throw SettingValueError. */
  check(value: unknown): T;
}

/** A short rendering of a bad value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

const fail = (problem: string): never => {
  throw new SettingValueError(problem);
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

export const boolean: SettingType<boolean> = Object.freeze({
  name: 'boolean',
  check(value: unknown): boolean {
    return typeof value === 'boolean' ? value : fail(`${describeValue(value)} is not a boolean`);
  },
});

export interface IntegerOptions {
  min?: number;
  max?: number;
}

/** A safe integer, optionally within [min, max]. */
export function integer(options: IntegerOptions = {}): SettingType<number> {
  const { min, max } = options;
  const range = min !== undefined && max !== undefined ? ` ${min}..${max}` : min !== undefined ? ` >= ${min}` : max !== undefined ? ` <= ${max}` : '';
  return Object.freeze({
    name: `integer${range}`,
    check(value: unknown): number {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(`${describeValue(value)} is not an integer`);
      const n = value as number;
      if (min !== undefined && n < min) fail(`${n} is below the minimum ${min}`);
      if (max !== undefined && n > max) fail(`${n} is above the maximum ${max}`);
      return n;
    },
  });
}

export interface StringOptions {
  /** Refuse '' (and whitespace only). */
  nonEmpty?: boolean;
  maxLength?: number;
}

/** A string without control characters (they would corrupt SIP headers built from it). */
export function string(options: StringOptions = {}): SettingType<string> {
  return Object.freeze({
    name: options.nonEmpty ? 'non-empty string' : 'string',
    check(value: unknown): string {
      if (typeof value !== 'string') return fail(`${describeValue(value)} is not a string`);
      if (options.nonEmpty && value.trim().length === 0) fail('must not be empty');
      if (options.maxLength !== undefined && value.length > options.maxLength) fail(`is longer than ${options.maxLength} characters`);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) fail(`${describeValue(value)} contains control characters`);
      return value;
    },
  });
}

/** One of a fixed set of strings or numbers. */
export function enumOf<const V extends readonly (string | number)[]>(values: V): SettingType<V[number]> {
  const allowed = new Set<unknown>(values);
  return Object.freeze({
    name: `one of ${values.join(', ')}`,
    check(value: unknown): V[number] {
      if (!allowed.has(value)) fail(`${describeValue(value)} is not one of ${values.join(', ')}`);
      return value as V[number];
    },
  });
}

/** `null`, or a value of `type`. */
export function nullable<T>(type: SettingType<T>): SettingType<T | null> {
  return Object.freeze({
    name: `${type.name} or null`,
    check(value: unknown): T | null {
      return value === null ? null : type.check(value);
    },
  });
}

export interface ListOptions {
  nonEmpty?: boolean;
  /** Refuse the same item twice. */
  unique?: boolean;
}

/** An array of `item` values (frozen). Errors name the item's index. */
export function listOf<T>(item: SettingType<T>, options: ListOptions = {}): SettingType<readonly T[]> {
  return Object.freeze({
    name: `list of ${item.name}`,
    check(value: unknown): readonly T[] {
      if (!Array.isArray(value)) return fail(`${describeValue(value)} is not a list`);
      if (options.nonEmpty && value.length === 0) fail('must not be empty');
      const out: T[] = [];
      const seen = new Set<string>();
      value.forEach((v, i) => {
        let checked: T;
        try {
          checked = item.check(v);
        } catch (e) {
          if (e instanceof SettingValueError) fail(`item ${i}: ${e.message}`);
          throw e;
        }
        if (options.unique) {
          const key = JSON.stringify(checked);
          if (seen.has(key)) fail(`${describeValue(checked)} is listed twice`);
          seen.add(key);
        }
        out.push(checked);
      });
      return Object.freeze(out);
    },
  });
}

/** A port number; 0 means "any free port" (the system picks one). */
export const port: SettingType<number> = Object.freeze({
  name: 'port (0 = any)',
  check(value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) fail(`${describeValue(value)} is not a port`);
    return value as number;
  },
});

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

export interface PortRangeOptions {
  /** RTP: the start must be even (RTP on even ports, RTCP on the next odd one, RFC 3550 §11). */
  evenStart?: boolean;
}

/** `{ start, end }`, both 1..65535, start < end. */
export function portRange(options: PortRangeOptions = {}): SettingType<PortRange> {
  const checkPort = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) fail(`${describeValue(v)} is not a port`);
    return v as number;
  };
  return Object.freeze({
    name: options.evenStart ? 'port range with an even start' : 'port range',
    check(value: unknown): PortRange {
      if (!isPlainObject(value) || !('start' in value) || !('end' in value)) return fail(`${describeValue(value)} is not a port range { start, end }`);
      const extra = Object.keys(value).filter((k) => k !== 'start' && k !== 'end');
      if (extra.length > 0) fail(`unexpected ${extra.join(', ')} in a port range`);
      const start = checkPort(value.start);
      const end = checkPort(value.end);
      if (start >= end) fail(`start ${start} must be below end ${end}`);
      if (options.evenStart && start % 2 !== 0) fail(`start ${start} must be even (RTP uses even ports, RTCP the next odd one)`);
      return Object.freeze({ start, end });
    },
  });
}

export const TRANSPORTS = Object.freeze(['udp', 'tcp', 'tls', 'ws', 'wss'] as const);
export type Transport = (typeof TRANSPORTS)[number];

const transport: SettingType<Transport> = Object.freeze({
  name: 'transport',
  check(value: unknown): Transport {
    const v = typeof value === 'string' ? value.toLowerCase() : value;
    if (typeof v !== 'string' || !(TRANSPORTS as readonly string[]).includes(v)) fail(`${describeValue(value)} is not a transport (${TRANSPORTS.join(', ')})`);
    return v as Transport;
  },
});

/** Transports in order of preference, each once, lower-cased. */
export function transportList(options: { nonEmpty?: boolean } = {}): SettingType<readonly Transport[]> {
  return listOf(transport, { unique: true, nonEmpty: options.nonEmpty });
}

/** A file-system path: a non-empty string without NUL. Not checked for existence here. */
export const path: SettingType<string> = Object.freeze({
  name: 'path',
  check(value: unknown): string {
    if (typeof value !== 'string' || value.length === 0) return fail(`${describeValue(value)} is not a path`);
    if (value.includes('\0')) fail('a path may not contain NUL');
    return value;
  },
});

/** A sip: or sips: URI, checked by the SIP parser and kept as written. */
export const sipURI: SettingType<string> = Object.freeze({
  name: 'SIP URI',
  check(value: unknown): string {
    if (typeof value !== 'string') return fail(`${describeValue(value)} is not a SIP URI`);
    let uri;
    try {
      uri = parseURI(value);
    } catch (e) {
      return fail(`${describeValue(value)} is not a SIP URI (${(e as Error).message})`);
    }
    if (!isSipURI(uri)) fail(`${describeValue(value)} is not a sip: or sips: URI`);
    return value;
  },
});

/** Parts of a SIP address of record. */
export interface SIPAddressParts {
  readonly username: string;
  readonly domain: string;
}

/**
 * Split and check `user@domain` (an account id): a user, a host, nothing else (no scheme, port,
 * parameters or password). Throws SettingValueError.
 */
export function parseSIPAddress(value: unknown): SIPAddressParts {
  if (typeof value !== 'string') return fail(`${describeValue(value)} is not a SIP address`);
  if (/^sips?:/i.test(value)) fail(`${describeValue(value)}: write the address without "sip:" (user@domain)`);
  if (!value.includes('@')) fail(`${describeValue(value)} is not a SIP address (user@domain)`);
  let uri;
  try {
    uri = parseSipURI('sip:' + value);
  } catch (e) {
    return fail(`${describeValue(value)} is not a SIP address (${(e as Error).message})`);
  }
  if (uri.user === undefined || uri.password !== undefined || uri.port !== undefined || uri.params.size > 0 || uri.headers.size > 0) {
    fail(`${describeValue(value)} is not a SIP address (user@domain, nothing else)`);
  }
  return Object.freeze({ username: uri.user!, domain: uri.host });
}

/** `user@domain`, kept as written. */
export const sipAddress: SettingType<string> = Object.freeze({
  name: 'SIP address (user@domain)',
  check(value: unknown): string {
    parseSIPAddress(value);
    return value as string;
  },
});

/** An IPv4 or IPv6 address literal (names are not resolved); '0.0.0.0' and '::' mean all. */
export const ipAddress: SettingType<string> = Object.freeze({
  name: 'IP address',
  check(value: unknown): string {
    if (typeof value !== 'string' || isIP(value) === 0) fail(`${describeValue(value)} is not an IP address`);
    return value as string;
  },
});

/** An http: or https: URL (the XCAP root). */
export const httpURL: SettingType<string> = Object.freeze({
  name: 'http(s) URL',
  check(value: unknown): string {
    if (typeof value !== 'string') return fail(`${describeValue(value)} is not a URL`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return fail(`${describeValue(value)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${describeValue(value)} is not an http: or https: URL`);
    return value;
  },
});

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Check `host[:port]` (host: a name, IPv4, or [IPv6]); returns a problem text or undefined. */
function hostPortProblem(text: string): string | undefined {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || isIP(text.slice(1, close)) !== 6) return 'bad IPv6 reference';
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return `unexpected ${describeValue(rest)}`;
      portText = rest.slice(1);
    }
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
    if (isIP(host) !== 4 && !HOSTNAME.test(host)) return `${describeValue(host)} is not a host name or address`;
  }
  if (portText !== undefined && !(/^[0-9]{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535)) return `${describeValue(portText)} is not a port`;
  return undefined;
}

/** `host[:port]` (a STUN server...). */
export const hostPort: SettingType<string> = Object.freeze({
  name: 'host[:port]',
  check(value: unknown): string {
    if (typeof value !== 'string') return fail(`${describeValue(value)} is not host[:port]`);
    const problem = hostPortProblem(value);
    if (problem) fail(`${describeValue(value)} is not host[:port]: ${problem}`);
    return value;
  },
});

/** An MSRP relay, as the python SDK writes it: `host[:port][;transport=tls|tcp]`. */
export const msrpRelay: SettingType<string> = Object.freeze({
  name: 'MSRP relay (host[:port][;transport=tls|tcp])',
  check(value: unknown): string {
    if (typeof value !== 'string') return fail(`${describeValue(value)} is not an MSRP relay address`);
    const semi = value.indexOf(';');
    const hp = semi < 0 ? value : value.slice(0, semi);
    const problem = hostPortProblem(hp);
    if (problem) fail(`${describeValue(value)} is not an MSRP relay address: ${problem}`);
    if (semi >= 0 && !/^;transport=(tls|tcp)$/i.test(value.slice(semi))) fail(`${describeValue(value)}: only ;transport=tls or ;transport=tcp may follow the address`);
    return value;
  },
});

/** Nameservers `a.b.c.d[:port]`, `v6`, `[v6]:port` (src/dns rules), normalised; [] = the system's. */
export const nameserverList: SettingType<readonly string[]> = listOf(
  Object.freeze({
    name: 'nameserver',
    check(value: unknown): string {
      try {
        return checkNameserver(value as string);
      } catch (e) {
        return fail((e as Error).message);
      }
    },
  }),
  { unique: true },
);
