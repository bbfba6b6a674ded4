/**
 * DNSLookup (Middleware API §5.2): RFC 3263 lookups of SIP proxies, SRV lookups of MSRP
 * relays (RFC 4976) and STUN servers (RFC 5389), TXT lookups of XCAP servers.
 *
 * Every query goes through a `dns.promises.Resolver` aimed at the DNSManager's nameservers;
 * nothing uses the system's getaddrinfo (`dns.lookup`), /etc/hosts or a search list. Unlike
 * the python original, no NS query is made to find the domain's authoritative servers: only
 * the configured nameservers are ever asked.
 *
 * Each method returns a promise and posts, with the DNSLookup as sender, `DNSLookupDidSucceed`
 * { result } or `DNSLookupDidFail` { error }, and one `DNSLookupTrace` per DNS query. All of
 * them are posted after the method has returned. The promise is marked handled, so a caller
 * that only listens to the notifications does not get an unhandled rejection; `await` still
 * sees the rejection (a DNSLookupError with the same message as the notification).
 *
 * `timeout` (seconds) bounds each query sent to one nameserver; `lifetime` (seconds) bounds
 * the whole lookup: when it runs out, queries in flight are cancelled and the lookup fails.
 */
import { promises as dnsPromises, type NaptrRecord, type SrvRecord } from 'node:dns';
import { isIP } from 'node:net';
import type { NotificationCenter } from '../api/notification-center.js';
import { parseSipURI, type SipURI } from '../sip/uri.js';
import { DNSLookupError } from './errors.js';
import { defaultDNSManager, type DNSManager } from './manager.js';
import { defaultSipPort, Route, toRouteTransport, type RouteTransport } from './route.js';
import { orderSrvRecords } from './srv.js';

/** The services `lookupService` finds. */
export type DNSService = 'msrprelay' | 'stun';

/** One server found by `lookupService`. */
export interface ServiceAddress {
  host: string;
  port: number;
}

/** What one query answered: addresses (A, AAAA), SRV, NAPTR or TXT records. */
export type DNSAnswer = string[] | SrvRecord[] | NaptrRecord[] | string[][];

export type DNSQueryType = 'NAPTR' | 'SRV' | 'A' | 'AAAA' | 'TXT';

/** The DNSLookup method a trace belongs to. */
export type DNSLookupContext = 'lookupSipProxy' | 'lookupService' | 'lookupXcapServer';

/** The result of any lookup, as DNSLookupDidSucceed carries it. */
export type DNSLookupResult = Route[] | ServiceAddress[] | string[];

export interface DNSLookupTraceData {
  query_type: DNSQueryType;
  query_name: string;
  /** The records, or null when the query failed. */
  answer: DNSAnswer | null;
  /** The node:dns error code (ENOTFOUND, ENODATA, ETIMEOUT, ECONNREFUSED...), or null. */
  error: string | null;
  context: DNSLookupContext;
  /** Only when context is 'lookupService'. */
  service?: DNSService;
  uri: SipURI;
  nameservers: string[];
}

declare module '../api/notification-center.js' {
  interface NotificationDataMap {
    DNSLookupDidSucceed: { result: DNSLookupResult };
    DNSLookupDidFail: { error: string };
    DNSLookupTrace: DNSLookupTraceData;
  }
}

export interface DNSLookupTimeouts {
  /** Seconds to wait for one nameserver's answer to one query (default 3). */
  timeout?: number;
  /** Seconds the whole lookup may take (default 15). */
  lifetime?: number;
}

export interface DNSLookupOptions {
  /** Whose nameservers to use (the default manager otherwise). */
  manager?: DNSManager;
  /** Where to post (the manager's center otherwise). */
  notificationCenter?: NotificationCenter;
  /** Uniform random numbers in [0, 1) for SRV weight selection (Math.random); for tests. */
  random?: () => number;
  /**
   * How many times one query is sent to each nameserver (default 2). node:dns backs off: the
   * second try waits twice `timeout`. The lifetime bounds the total whatever this is.
   */
  tries?: number;
}

const NAPTR_SERVICES: Readonly<Record<string, RouteTransport>> = {
  'sip+d2u': 'udp',
  'sip+d2t': 'tcp',
  'sips+d2t': 'tls',
};

/** RFC 3263 §4.1: `_sips` for TLS (SIP and SIPS URIs alike), `_sip` for the others. */
const SRV_PREFIX: Readonly<Record<RouteTransport, string>> = {
  udp: '_sip._udp.',
  tcp: '_sip._tcp.',
  tls: '_sips._tcp.',
};

const SERVICE_SRV: Readonly<Record<DNSService, { prefix: string; port: number }>> = {
  msrprelay: { prefix: '_msrps._tcp.', port: 2855 }, // RFC 4976 §6
  stun: { prefix: '_stun._udp.', port: 3478 }, // RFC 5389 §9
};

/** Codes meaning "no such records": the answer was authoritative, the query did its job. */
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA']);

/** Thrown inside a lookup once its lifetime is over; never escapes `run`. */
class Expired extends Error {}

interface QueryOutcome<T> {
  answer: T | null;
  error: string | null;
}

/** One lookup's resolver, trace context and query log. */
class LookupRun {
  expired = false;
  /** `TYPE name: CODE` of every failed query, in order. */
  readonly failures: { type: DNSQueryType; name: string; code: string }[] = [];
  private readonly addressCache = new Map<string, Promise<string[]>>();
  private readonly srvCache = new Map<string, Promise<SrvRecord[]>>();

  constructor(
    readonly owner: DNSLookup,
    readonly resolver: dnsPromises.Resolver,
    readonly nameservers: string[],
    readonly context: DNSLookupContext,
    readonly uri: SipURI,
    readonly service: DNSService | undefined,
  ) {}

  /** Run one query, post its trace, and report records or the error code (never throws but Expired). */
  async query<T extends DNSAnswer>(type: DNSQueryType, name: string, send: () => Promise<T>): Promise<QueryOutcome<T>> {
    if (this.expired) throw new Expired();
    let outcome: QueryOutcome<T>;
    try {
      outcome = { answer: await send(), error: null };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
      outcome = { answer: null, error: code };
    }
    if (this.expired) throw new Expired();
    if (outcome.error !== null) this.failures.push({ type, name, code: outcome.error });
    const data: DNSLookupTraceData = {
      query_type: type,
      query_name: name,
      answer: outcome.answer,
      error: outcome.error,
      context: this.context,
      uri: this.uri,
      nameservers: [...this.nameservers],
    };
    if (this.service !== undefined) data.service = this.service;
    this.owner.notificationCenter.post('DNSLookupTrace', this.owner, data);
    return outcome;
  }

  /** A then AAAA addresses of a name (both queried at once; each name once per lookup). */
  addresses(name: string): Promise<string[]> {
    const key = name.toLowerCase();
    let p = this.addressCache.get(key);
    if (!p) {
      p = Promise.all([
        this.query('A', name, () => this.resolver.resolve4(name)),
        this.query('AAAA', name, () => this.resolver.resolve6(name)),
      ]).then(([a, aaaa]) => [...(a.answer ?? []), ...(aaaa.answer ?? [])]);
      this.addressCache.set(key, p);
    }
    return p;
  }

  /**
   * SRV records of a name in RFC 2782 order, each target resolved: [{ address, port }].
   * Each SRV name is queried once per lookup.
   */
  async srvTargets(name: string, random: () => number): Promise<{ address: string; port: number }[]> {
    const key = name.toLowerCase();
    let records = this.srvCache.get(key);
    if (!records) {
      records = this.query('SRV', name, () => this.resolver.resolveSrv(name)).then((o) => o.answer ?? []);
      this.srvCache.set(key, records);
    }
    const answer = await records;
    if (answer.length === 0) return [];
    const ordered = orderSrvRecords(answer, random);
    const resolved = await Promise.all(ordered.map((r) => this.addresses(r.name)));
    const out: { address: string; port: number }[] = [];
    ordered.forEach((r, i) => {
      for (const address of resolved[i]) out.push({ address, port: r.port });
    });
    return out;
  }

  /** Why nothing was found, for the failure message. */
  reason(host: string): string {
    if (this.failures.length === 0) return `no records for ${host}`;
    const other = this.failures.filter((f) => !NOT_FOUND.has(f.code));
    if (other.length > 0) {
      const seen = new Set<string>();
      const parts: string[] = [];
      for (const f of other) {
        const text = `${f.type} ${f.name}: ${f.code}`;
        if (!seen.has(text)) parts.push(text);
        seen.add(text);
      }
      return parts.slice(0, 4).join('; ') + (parts.length > 4 ? `; ${parts.length - 4} more` : '');
    }
    const wanted = this.failures.filter((f) => f.name.toLowerCase() === host.toLowerCase());
    if (wanted.length > 0 && wanted.every((f) => f.code === 'ENOTFOUND')) return `${host} does not exist (NXDOMAIN)`;
    const types = [...new Set(this.failures.map((f) => f.type))].join(', ');
    return `no usable ${types} records for ${host}`;
  }
}

function fail(message: string): never {
  throw new DNSLookupError(message);
}

function toSipURI(uri: SipURI | string): SipURI {
  if (typeof uri === 'string') {
    try {
      return parseSipURI(uri);
    } catch (e) {
      fail(`bad URI ${JSON.stringify(uri)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (uri === null || typeof uri !== 'object' || typeof uri.host !== 'string' || uri.host.length === 0) fail('the URI to look up must be a sip: or sips: URI with a host');
  return uri;
}

function unbracket(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function hostOf(uri: SipURI): string {
  return unbracket(uri.host);
}

/** RFC 3263 §4: the maddr parameter if present, else the host (IPv6 without brackets). */
function targetOf(uri: SipURI): string {
  const maddr = uri.maddr;
  return maddr !== undefined && maddr !== '' ? unbracket(maddr) : hostOf(uri);
}

function checkTimes(t: DNSLookupTimeouts | undefined): { timeout: number; lifetime: number } {
  const timeout = t?.timeout ?? 3;
  const lifetime = t?.lifetime ?? 15;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) fail(`timeout must be a positive number of seconds, got ${String(timeout)}`);
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0) fail(`lifetime must be a positive number of seconds, got ${String(lifetime)}`);
  return { timeout, lifetime };
}

function checkTransports(supported: readonly string[]): RouteTransport[] {
  if (!Array.isArray(supported) || supported.length === 0) fail('no supported transports given (expected some of udp, tcp, tls)');
  const out: RouteTransport[] = [];
  for (const s of supported) {
    const t = toRouteTransport(s);
    if (t === undefined) fail(`unknown transport ${JSON.stringify(s)} in supported transports (expected udp, tcp, tls)`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

function dedupe(routes: Route[]): Route[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = `${r.transport} ${r.address} ${r.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isHttpUri(value: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(value)) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

export class DNSLookup {
  readonly manager: DNSManager;
  readonly notificationCenter: NotificationCenter;
  private readonly random: () => number;
  private readonly tries: number;

  constructor(options: DNSLookupOptions = {}) {
    this.manager = options.manager ?? defaultDNSManager;
    this.notificationCenter = options.notificationCenter ?? this.manager.notificationCenter;
    this.random = options.random ?? Math.random;
    const tries = options.tries ?? 2;
    this.tries = Number.isInteger(tries) && tries >= 1 ? tries : 2;
  }

  /**
   * RFC 3263 §4: the ordered list of Routes that requests fail over across.
   *
   * - numeric host: no DNS; the `transport` parameter or the default (UDP for sip:, TLS for
   *   sips:), the URI's port or the transport's default;
   * - a name with a port: A/AAAA only, at that port, transport as above;
   * - a name with a `transport` parameter: SRV for that transport, else A/AAAA at its default port;
   * - otherwise NAPTR (SIP+D2U, SIP+D2T, SIPS+D2T, flag "s", supported transports only, only
   *   SIPS+D2T for sips:) in order/preference, SRV of each replacement; without usable NAPTR
   *   records SRV `_sips._tcp`, `_sip._tcp`, `_sip._udp` for the supported transports in their
   *   order of preference; without SRV records A/AAAA at the default port (UDP for sip: when
   *   supported, else the first supported transport; TLS for sips:).
   *
   * SRV records are tried by priority, weighted-random by weight within a priority (RFC 2782);
   * each target contributes its IPv4 then its IPv6 addresses. Duplicates are removed.
   * A sips: URI is reached over TLS only: `transport=tcp` (or tls) means TLS, `transport=udp`
   * is a failure. Fails when the result would be empty.
   */
  lookupSipProxy(uri: SipURI | string, supportedTransports: readonly string[], timeouts: DNSLookupTimeouts = {}): Promise<Route[]> {
    return this.run('lookupSipProxy', uri, undefined, timeouts, async (run, u) => {
      let supported = checkTransports(supportedTransports);
      // RFC 3263 §4: the TARGET is the maddr parameter when present, else the host.
      const host = targetOf(u);
      const numeric = isIP(host) !== 0;
      const param = u.params.get('transport');

      // RFC 3263 §4.1: a transport parameter decides, for a sips: URI it means TLS over it.
      let transport: RouteTransport | undefined;
      if (param !== undefined && param !== null) {
        const p = param.toLowerCase();
        if (u.secure) {
          if (p !== 'tcp' && p !== 'tls') fail(`${u} is a sips: URI, which needs TLS over TCP, but its transport parameter is ${p}`);
          transport = 'tls';
        } else {
          const t = toRouteTransport(p);
          if (t === undefined) fail(`transport ${p} of ${u} is not one of udp, tcp, tls`);
          transport = t;
        }
        if (!supported.includes(transport)) fail(`transport ${transport} required by ${u} is not supported (supported: ${supported.join(', ')})`);
      }
      if (u.secure) {
        if (!supported.includes('tls')) fail(`${u} is a sips: URI, which needs TLS, and TLS is not supported (supported: ${supported.join(', ')})`);
        supported = ['tls'];
      }
      const defaultTransport = (): RouteTransport => transport ?? (u.secure ? 'tls' : supported.includes('udp') ? 'udp' : supported[0]);

      // Numeric host: no DNS (§4.1, §4.2).
      if (numeric) {
        const t = defaultTransport();
        if (!supported.includes(t)) fail(`transport ${t} required by ${u} is not supported (supported: ${supported.join(', ')})`);
        return [new Route(host, u.port ?? defaultSipPort(t), t)];
      }

      const fromAddresses = async (t: RouteTransport, port: number): Promise<Route[]> =>
        (await run.addresses(host)).map((a) => new Route(a, port, t));

      // A name with an explicit port: A/AAAA only (§4.2).
      if (u.port !== undefined) {
        const t = defaultTransport();
        if (!supported.includes(t)) fail(`transport ${t} required by ${u} is not supported (supported: ${supported.join(', ')})`);
        return fromAddresses(t, u.port);
      }

      // A transport parameter: SRV for it, then A/AAAA (§4.2).
      if (transport !== undefined) {
        const t = transport;
        const srv = await run.srvTargets(SRV_PREFIX[t] + host, this.random);
        if (srv.length > 0) return dedupe(srv.map((s) => new Route(s.address, s.port, t)));
        return fromAddresses(t, defaultSipPort(t));
      }

      // NAPTR (§4.1).
      const naptr = await run.query('NAPTR', host, () => run.resolver.resolveNaptr(host));
      const rank = (t: RouteTransport): number => supported.indexOf(t);
      const pointers = (naptr.answer ?? [])
        .map((r) => ({ r, t: NAPTR_SERVICES[r.service.toLowerCase()] }))
        .filter(({ r, t }) => t !== undefined && supported.includes(t) && r.flags.toLowerCase() === 's' && r.regexp === '' && r.replacement !== '')
        .sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference || rank(a.t) - rank(b.t));
      if (pointers.length > 0) {
        const lists = await Promise.all(pointers.map(({ r }) => run.srvTargets(r.replacement, this.random)));
        const routes = dedupe(lists.flatMap((list, i) => list.map((s) => new Route(s.address, s.port, pointers[i].t))));
        if (routes.length > 0) return routes;
      }

      // No usable NAPTR: SRV for each supported transport, in the application's order (§4.1).
      const lists = await Promise.all(supported.map((t) => run.srvTargets(SRV_PREFIX[t] + host, this.random)));
      const routes = dedupe(lists.flatMap((list, i) => list.map((s) => new Route(s.address, s.port, supported[i]))));
      if (routes.length > 0) return routes;

      // No SRV: A/AAAA at the default port (§4.2).
      const t = defaultTransport();
      return fromAddresses(t, defaultSipPort(t));
    }, (u, run) => `no route to SIP proxy ${u} found: ${run.reason(targetOf(u))}`);
  }

  /**
   * SRV `_msrps._tcp.<host>` (msrprelay, RFC 4976) or `_stun._udp.<host>` (stun), each target
   * resolved to A then AAAA; without SRV records, the host's A/AAAA at the service's default
   * port (2855, 3478) or the URI's port. A numeric host is returned as is. Only the host (and
   * port, for the fallback) of the URI is used.
   */
  lookupService(uri: SipURI | string, service: DNSService, timeouts: DNSLookupTimeouts = {}): Promise<ServiceAddress[]> {
    return this.run('lookupService', uri, service, timeouts, async (run, u) => {
      const spec = SERVICE_SRV[service];
      if (spec === undefined) fail(`unknown service ${JSON.stringify(service)} (expected msrprelay or stun)`);
      const host = hostOf(u);
      if (u.hostType !== 'name') return [{ host, port: u.port ?? spec.port }];
      const srv = await run.srvTargets(spec.prefix + host, this.random);
      const found = srv.length > 0 ? srv.map((s) => ({ host: s.address, port: s.port })) : (await run.addresses(host)).map((a) => ({ host: a, port: u.port ?? spec.port }));
      const seen = new Set<string>();
      return found.filter((f) => {
        const key = `${f.host} ${f.port}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }, (u, run) => `no ${service} server found for ${u.host}: ${run.reason(hostOf(u))}`);
  }

  /**
   * TXT `xcap.<host>`: every character-string of the answer that is an http: or https: URI,
   * in the order given. Fails when there is none.
   */
  lookupXcapServer(uri: SipURI | string, timeouts: DNSLookupTimeouts = {}): Promise<string[]> {
    return this.run('lookupXcapServer', uri, undefined, timeouts, async (run, u) => {
      if (u.hostType !== 'name') fail(`cannot look up an XCAP server for ${u.host}: it is an IP address, not a domain`);
      const name = 'xcap.' + hostOf(u);
      const { answer } = await run.query('TXT', name, () => run.resolver.resolveTxt(name));
      const found: string[] = [];
      for (const record of answer ?? []) for (const value of record) if (isHttpUri(value) && !found.includes(value)) found.push(value);
      if (found.length === 0 && answer && answer.length > 0) fail(`no XCAP server found for ${u.host}: the TXT records of ${name} hold no http or https URI`);
      return found;
    }, (u, run) => `no XCAP server found for ${u.host}: ${run.reason('xcap.' + hostOf(u))}`);
  }

  /**
   * The shared frame of every lookup: checks, resolver, lifetime, notifications.
   * The returned promise never rejects synchronously and is marked handled.
   */
  private run<T extends DNSLookupResult>(
    context: DNSLookupContext,
    uriArg: SipURI | string,
    service: DNSService | undefined,
    timeouts: DNSLookupTimeouts,
    body: (run: LookupRun, uri: SipURI) => Promise<T>,
    emptyMessage: (uri: SipURI, run: LookupRun) => string,
  ): Promise<T> {
    const p = (async (): Promise<T> => {
      await null; // every notification comes after the method returned
      let result: T;
      try {
        result = await this.execute(context, uriArg, service, timeouts, body, emptyMessage);
      } catch (e) {
        const error = e instanceof DNSLookupError ? e : new DNSLookupError(e instanceof Error ? e.message : String(e));
        this.notificationCenter.post('DNSLookupDidFail', this, { error: error.message });
        throw error;
      }
      this.notificationCenter.post('DNSLookupDidSucceed', this, { result });
      return result;
    })();
    p.catch(() => {});
    return p;
  }

  private async execute<T extends DNSLookupResult>(
    context: DNSLookupContext,
    uriArg: SipURI | string,
    service: DNSService | undefined,
    timeouts: DNSLookupTimeouts,
    body: (run: LookupRun, uri: SipURI) => Promise<T>,
    emptyMessage: (uri: SipURI, run: LookupRun) => string,
  ): Promise<T> {
    const uri = toSipURI(uriArg);
    const { timeout, lifetime } = checkTimes(timeouts);
    const nameservers = this.manager.nameservers;
    const resolver = new dnsPromises.Resolver({ timeout: Math.max(1, Math.round(timeout * 1000)), tries: this.tries });
    const needsDns = isIP(context === 'lookupSipProxy' ? targetOf(uri) : hostOf(uri)) === 0;
    if (needsDns) {
      if (nameservers.length === 0) fail(`cannot look up ${uri}: no nameservers are configured`);
      try {
        resolver.setServers(nameservers);
      } catch (e) {
        fail(`cannot use nameservers ${nameservers.join(', ')}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const run = new LookupRun(this, resolver, nameservers, context, uri, service);
    let timer: NodeJS.Timeout | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        run.expired = true;
        resolver.cancel();
        const last = run.failures.length > 0 ? ` (${run.reason(hostOf(uri))})` : '';
        reject(new DNSLookupError(`DNS lookup for ${uri} gave no answer within its lifetime of ${lifetime} s${last}`));
      }, lifetime * 1000);
    });
    const work = body(run, uri);
    work.catch(() => {});
    try {
      const result = await Promise.race([work, expiry]);
      if (result.length === 0) fail(emptyMessage(uri, run));
      return result;
    } catch (e) {
      if (e instanceof Expired) fail(`DNS lookup for ${uri} gave no answer within its lifetime of ${lifetime} s`);
      throw e;
    } finally {
      clearTimeout(timer);
      resolver.cancel();
    }
  }
}
