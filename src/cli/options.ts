/**
 * The options every sub-command shares (design, "The command line"): --account, --password,
 * --config, --proxy, --listen (repeatable), --dns, --json, --trace, --inspect. Each command
 * adds its own; anything unknown is an error with a one-line reason.
 */
import { readFileSync } from 'node:fs';

export interface SharedOptions {
  account?: string;
  password?: string;
  config?: string;
  proxy?: string;
  listen: { protocol: 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS'; address: string; port: number }[];
  dns: string[];
  json: boolean;
  trace: boolean;
  inspect?: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs<E extends Record<string, string | boolean | string[] | undefined>> {
  shared: SharedOptions;
  extra: E;
  positional: string[];
}

/** An option a command adds: `flag` takes no value, `value` one, `list` may repeat. */
export type OptionSpec = Record<string, 'flag' | 'value' | 'list'>;

const SHARED: OptionSpec = { account: 'value', password: 'value', config: 'value', proxy: 'value', listen: 'list', dns: 'list', json: 'flag', trace: 'flag', inspect: 'value' };

/** `udp:127.0.0.1:5062`, `tcp:[::1]:5070`, `tls:127.0.0.1:0` */
export function parseListen(spec: string): SharedOptions['listen'][number] {
  const m = /^(udp|tcp|tls|ws|wss):(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d{1,5})$/i.exec(spec);
  if (!m) throw new UsageError(`--listen ${spec}: expected TRANSPORT:ADDRESS:PORT, e.g. udp:127.0.0.1:5062`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen ${spec}: port out of range`);
  return { protocol: m[1].toUpperCase() as SharedOptions['listen'][number]['protocol'], address: m[2].replace(/^\[|\]$/g, ''), port };
}

export function parseArgs<E extends Record<string, string | boolean | string[] | undefined>>(args: string[], own: OptionSpec = {}): ParsedArgs<E> {
  const spec = { ...SHARED, ...own };
  const values: Record<string, string | boolean | string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    // --inspect may be followed by another option rather than a port.
    const standsAlone = eq < 0 && name === 'inspect' && (args[i + 1] === undefined || args[i + 1].startsWith('--'));
    let value = eq >= 0 ? a.slice(eq + 1) : standsAlone ? undefined : args[++i];
    if (value === undefined) {
      // --inspect may stand alone: the default port.
      if (name === 'inspect') value = '0';
      else throw new UsageError(`--${name} needs a value`);
    }
    if (kind === 'list') values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    else values[name] = value;
  }
  const shared: SharedOptions = {
    account: values.account as string | undefined,
    password: values.password as string | undefined,
    config: values.config as string | undefined,
    proxy: values.proxy as string | undefined,
    listen: ((values.listen as string[] | undefined) ?? []).map(parseListen),
    dns: (values.dns as string[] | undefined) ?? [],
    json: values.json === true,
    trace: values.trace === true,
    inspect: values.inspect === undefined ? undefined : Number(values.inspect),
  };
  if (shared.inspect !== undefined && (!Number.isInteger(shared.inspect) || shared.inspect < 0 || shared.inspect > 65535)) throw new UsageError('--inspect: bad port');
  for (const d of shared.dns) if (!/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\])(:\d+)?$/.test(d)) throw new UsageError(`--dns ${d}: expected ADDRESS[:PORT]`);
  if (shared.config) applyConfig(shared);
  const extra: Record<string, string | boolean | string[] | undefined> = {};
  for (const k of Object.keys(own)) extra[k] = values[k];
  return { shared, extra: extra as E, positional };
}

/** --config FILE: a JSON object with account, password, proxy, listen, dns (options win over it). */
function applyConfig(shared: SharedOptions): void {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(shared.config!, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${shared.config}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`--config ${shared.config}: expected a JSON object`);
  const o = data as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new UsageError(`--config: '${k}' must be a string`);
    return v;
  };
  shared.account ??= str('account');
  shared.password ??= str('password');
  shared.proxy ??= str('proxy');
  if (!shared.listen.length && Array.isArray(o.listen)) shared.listen = o.listen.map((l) => parseListen(String(l)));
  if (!shared.dns.length && Array.isArray(o.dns)) shared.dns = o.dns.map(String);
}
