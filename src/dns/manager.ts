/**
 * DNSManager (Middleware API §5.1): the nameservers every DNSLookup uses.
 *
 * Differences from the python original, on purpose:
 * - It never falls back to public resolvers (8.8.8.8, 8.8.4.4): this SDK sends no traffic off
 *   the machine unless the user configured it. The nameservers are the system's
 *   (`dns.getServers()`, read from /etc/resolv.conf; reading them sends nothing) or the ones
 *   configured with `setNameservers` (the CLI's `--dns 127.0.0.1:5353`).
 * - Probing sends a query only when a probe name is configured (`probeName`); there is no
 *   built-in probe domain. Without one, `start()` takes the candidates as they are.
 *
 * When probing, each candidate gets one cheap A query for the probe name with a short timeout.
 * A server that answers (records, NODATA or NXDOMAIN) works; one that times out, refuses or
 * fails does not. The working ones are used, in the configured order; when none works the
 * candidates are kept anyway (local nameservers are always preferred, there is nothing else),
 * and while any candidate fails the probe is repeated every `probeInterval` seconds.
 *
 * Notifications (sender: the manager): `DNSResolverDidInitialize` { nameservers } the first
 * time the nameservers are set, `DNSNameserversDidChange` { nameservers } when they change.
 */
import { getServers, promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import { defaultNotificationCenter, type NotificationCenter } from '../api/notification-center.js';
import { DNSArgumentError } from './errors.js';

declare module '../api/notification-center.js' {
  interface NotificationDataMap {
    DNSResolverDidInitialize: { nameservers: string[] };
    DNSNameserversDidChange: { nameservers: string[] };
  }
}

export interface DNSManagerOptions {
  /** Where the manager posts; the default center otherwise. */
  notificationCenter?: NotificationCenter;
  /** Nameservers to use instead of the system's ('127.0.0.1', '127.0.0.1:5353', '[::1]:53'). */
  nameservers?: readonly string[];
  /** The name queried (type A) to probe nameservers; no probing (no traffic) when unset. */
  probeName?: string;
  /** Seconds a probe waits for one server (default 2). */
  probeTimeout?: number;
  /** Seconds between probes while a candidate fails them (default 60). */
  probeInterval?: number;
  /** The system's nameservers (default `dns.getServers()`); replaceable for tests. */
  systemNameservers?: () => string[];
}

/** DNS error codes that prove the server answered: the name or the data does not exist. */
const ANSWERED = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Check and normalise one nameserver: 'a.b.c.d', 'a.b.c.d:port', an IPv6 address, or
 * '[v6]:port'. Throws DNSArgumentError.
 */
export function checkNameserver(server: string): string {
  if (typeof server !== 'string' || server.length === 0) throw new DNSArgumentError(`nameserver must be a non-empty string, got ${JSON.stringify(server)}`);
  const s = server.trim();
  let host = s;
  let port: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new DNSArgumentError(`nameserver ${JSON.stringify(server)}: missing ']'`);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) throw new DNSArgumentError(`nameserver ${JSON.stringify(server)}: unexpected text after ']'`);
      port = rest.slice(1);
    }
    if (isIP(host) !== 6) throw new DNSArgumentError(`nameserver ${JSON.stringify(server)}: not an IPv6 address`);
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      port = s.slice(colon + 1);
    }
    if (isIP(host) !== 4) throw new DNSArgumentError(`nameserver ${JSON.stringify(server)}: not an IP address (names are not resolved)`);
  }
  if (port !== undefined) {
    const n = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) throw new DNSArgumentError(`nameserver ${JSON.stringify(server)}: port must be 1..65535`);
    return isIP(host) === 6 ? `[${host}]:${n}` : `${host}:${n}`;
  }
  return host;
}

function seconds(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new DNSArgumentError(`DNSManager: ${what} must be a positive number of seconds`);
  return value;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class DNSManager {
  readonly notificationCenter: NotificationCenter;
  /** The name probed, or undefined for no probing (the default). */
  readonly probeName: string | undefined;
  readonly probeTimeout: number;
  readonly probeInterval: number;

  private readonly systemNameservers: () => string[];
  private configured: string[] | undefined;
  private current: string[] | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private probing: dnsPromises.Resolver[] = [];
  /** Bumped by every probe and by stop(), so a stale probe's result is dropped. */
  private generation = 0;

  /** Constructing sends nothing and posts nothing; `start()` does. Throws DNSArgumentError. */
  constructor(options: DNSManagerOptions = {}) {
    this.notificationCenter = options.notificationCenter ?? defaultNotificationCenter;
    this.probeName = options.probeName === undefined || options.probeName === '' ? undefined : options.probeName;
    this.probeTimeout = seconds(options.probeTimeout, 2, 'probeTimeout');
    this.probeInterval = seconds(options.probeInterval, 60, 'probeInterval');
    this.systemNameservers = options.systemNameservers ?? getServers;
    if (options.nameservers !== undefined) this.configured = options.nameservers.map(checkNameserver);
  }

  /**
   * The nameservers lookups use: while running, the ones the last probe set; otherwise (or
   * before the first probe ends) the candidates, configured else the system's. May be empty
   * when the system has none.
   */
  get nameservers(): string[] {
    return [...(this.running && this.current !== undefined ? this.current : this.candidates())];
  }

  /** The nameservers set with `setNameservers` (or the constructor), undefined for the system's. */
  get configuredNameservers(): string[] | undefined {
    return this.configured ? [...this.configured] : undefined;
  }

  /** Whether `start()` was called and `stop()` was not. */
  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Use these nameservers instead of the system's (null or [] goes back to the system's).
   * Checked at once (DNSArgumentError). When running, they are probed (if a probe name is set)
   * and applied, which posts DNSNameserversDidChange when the list changes.
   */
  setNameservers(nameservers: readonly string[] | null): void {
    const list = nameservers === null ? undefined : nameservers.map(checkNameserver);
    this.configured = list !== undefined && list.length > 0 ? list : undefined;
    if (this.running) void this.probe();
  }

  /**
   * Start: probe the candidates (when a probe name is set) and set the nameservers, posting
   * DNSResolverDidInitialize the first time. Resolves once they are set; never rejects.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.probe();
  }

  /** Stop probing: cancels a probe in flight and the next scheduled one. */
  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const r of this.probing) r.cancel();
    this.probing = [];
  }

  private candidates(): string[] {
    if (this.configured) return this.configured;
    const system: string[] = [];
    for (const s of this.systemNameservers()) {
      try {
        system.push(checkNameserver(s));
      } catch {
        // getServers() only returns addresses; skip anything else.
      }
    }
    return system;
  }

  private async probe(): Promise<void> {
    const generation = ++this.generation;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const candidates = this.candidates();
    let working = candidates;
    const probeName = this.probeName;
    if (probeName !== undefined && candidates.length > 0) {
      const results = await Promise.all(candidates.map((server) => this.probeOne(server, probeName)));
      if (generation !== this.generation) return;
      const ok = candidates.filter((_, i) => results[i]);
      if (ok.length > 0) working = ok;
      if (ok.length < candidates.length && this.running) {
        this.timer = setTimeout(() => void this.probe(), this.probeInterval * 1000);
        this.timer.unref();
      }
    }
    if (generation !== this.generation) return;
    this.apply(working);
  }

  private async probeOne(server: string, name: string): Promise<boolean> {
    const resolver = new dnsPromises.Resolver({ timeout: Math.max(1, Math.round(this.probeTimeout * 1000)), tries: 1 });
    this.probing.push(resolver);
    try {
      resolver.setServers([server]);
      await resolver.resolve4(name);
      return true;
    } catch (e) {
      return ANSWERED.has((e as NodeJS.ErrnoException).code ?? '');
    } finally {
      this.probing = this.probing.filter((r) => r !== resolver);
    }
  }

  private apply(nameservers: string[]): void {
    if (this.current === undefined) {
      this.current = [...nameservers];
      this.notificationCenter.post('DNSResolverDidInitialize', this, { nameservers: [...nameservers] });
    } else if (!sameList(this.current, nameservers)) {
      this.current = [...nameservers];
      this.notificationCenter.post('DNSNameserversDidChange', this, { nameservers: [...nameservers] });
    }
  }
}

/** The process-wide manager (the spec's singleton); construct others for tests. */
export const defaultDNSManager = new DNSManager();
