/**
 * Session timer headers (RFC 4028 §4 Session-Expires, §5 Min-SE):
 *
 *   Session-Expires = ("Session-Expires" / "x") HCOLON delta-seconds *(SEMI se-params)
 *   se-params       = refresher-param / generic-param
 *   refresher-param = "refresher" EQUAL ("uas" / "uac")
 *   Min-SE          = "Min-SE" HCOLON delta-seconds *(SEMI generic-param)
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Params, Scanner, isToken } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** What `Params.from` accepts: a record of values, or another `Params` to copy. */
export type SessionTimerParamsInit = Parameters<typeof Params.from>[0];

export type Refresher = 'uac' | 'uas';

/** RFC 4028 §4: the lowest Session-Expires / Min-SE a UA may send (90 seconds). */
export const MIN_SESSION_EXPIRES = 90;

const HT = 9;
const MAX_DELTA = 0xffffffff;

function guard<T>(header: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SIPParseError) throw e;
    throw new SIPParseError(`${header}: unparsable value (${e instanceof Error ? e.message : String(e)})`, {
      header,
      statusCode: 400,
    });
  }
}

function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 && c !== HT) return true;
  }
  return false;
}

function checkSeconds(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_DELTA) throw new SIPBuildError(`${what} ${n} is not delta-seconds`);
}

function checkBuildParams(params: Params, reserved?: string): void {
  for (const [name, v] of params.entries()) {
    if (!isToken(name)) throw new SIPBuildError(`parameter name '${show(name)}' is not a token`);
    if (v !== null && hasControl(v)) throw new SIPBuildError(`parameter '${show(name)}' holds a control character`);
    if (reserved && name.toLowerCase() === reserved) throw new SIPBuildError(`give '${reserved}' as a field, not in params`);
  }
}

/** delta-seconds followed by generic-params; shared by both headers. */
function readDeltaAndParams(s: Scanner): { seconds: number; params: Params; at: number } {
  s.skipWs();
  const seconds = s.uint(MAX_DELTA, 'delta-seconds');
  const at = s.pos;
  const params = s.params();
  s.expectEnd(`';' or end of value`);
  const seen = new Set<string>();
  for (const [name, v] of params.entries()) {
    const key = name.toLowerCase();
    if (seen.has(key)) s.fail(`duplicate parameter '${show(name)}'`, at);
    seen.add(key);
    if (v !== null && hasControl(v)) s.fail(`control character in parameter '${show(name)}'`, at);
  }
  return { seconds, params, at };
}

export interface SessionExpiresJSON {
  seconds: number;
  refresher?: Refresher;
  params: Record<string, string | null>;
}

/** A Session-Expires value. `params` holds the parameters other than `refresher`. */
export class SessionExpires {
  readonly seconds: number;
  readonly refresher: Refresher | undefined;
  readonly params: Params;

  constructor(seconds: number, refresher?: Refresher, params?: SessionTimerParamsInit) {
    checkSeconds(seconds, 'Session-Expires');
    if (refresher !== undefined && refresher !== 'uac' && refresher !== 'uas') {
      throw new SIPBuildError(`refresher must be 'uac' or 'uas', not '${String(refresher)}'`);
    }
    this.seconds = seconds;
    this.refresher = refresher;
    this.params = Params.from(params);
    checkBuildParams(this.params, 'refresher');
  }

  toString(): string {
    const r = this.refresher === undefined ? '' : `;refresher=${this.refresher}`;
    return `${this.seconds}${r}${this.params.toString()}`;
  }

  toJSON(): SessionExpiresJSON {
    const json: SessionExpiresJSON = { seconds: this.seconds, params: this.params.toJSON() };
    if (this.refresher !== undefined) json.refresher = this.refresher;
    return json;
  }
}

/** Session-Expires (RFC 4028 §4; compact form `x`). `refresher` is lower-cased. */
export function parseSessionExpires(value: string, header = 'Session-Expires'): SessionExpires {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    const { seconds, params, at } = readDeltaAndParams(s);
    let refresher: Refresher | undefined;
    const r = params.get('refresher');
    if (r !== undefined) {
      const lower = r?.toLowerCase();
      if (lower !== 'uac' && lower !== 'uas') s.fail(`refresher must be uac or uas`, at);
      refresher = lower;
      params.delete('refresher');
    }
    return new SessionExpires(seconds, refresher, params);
  });
}

export interface MinSEJSON {
  seconds: number;
  params: Record<string, string | null>;
}

/** A Min-SE value. */
export class MinSE {
  readonly seconds: number;
  readonly params: Params;

  constructor(seconds: number, params?: SessionTimerParamsInit) {
    checkSeconds(seconds, 'Min-SE');
    this.seconds = seconds;
    this.params = Params.from(params);
    checkBuildParams(this.params);
  }

  toString(): string {
    return `${this.seconds}${this.params.toString()}`;
  }

  toJSON(): MinSEJSON {
    return { seconds: this.seconds, params: this.params.toJSON() };
  }
}

/** Min-SE (RFC 4028 §5). */
export function parseMinSE(value: string, header = 'Min-SE'): MinSE {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    const { seconds, params } = readDeltaAndParams(s);
    return new MinSE(seconds, params);
  });
}
