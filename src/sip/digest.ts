/**
 * HTTP Digest authentication for SIP: RFC 2617 (with RFC 2069 compatibility), RFC 7616 (SHA-256,
 * SHA-512-256, userhash), RFC 8760 (the SIP update of RFC 3261 §22.4) and RFC 3261 §22.
 *
 * - `computeDigestResponse` is the pure arithmetic of RFC 7616 §3.4.1–§3.4.3.
 * - `buildDigestCredentials` answers one challenge with one Credentials value.
 * - `DigestClient` is the state a UAC keeps per account (RFC 3261 §22.2/§22.3): which challenge to
 *   answer, nonce counts, stale handling, the one-retry rule and pre-emptive re-use.
 * - `verifyCredentials` checks a received Authorization value (server side).
 *
 * Nothing here does I/O; the only side effect is drawing random cnonces.
 */
import { createHash, getHashes, randomBytes, timingSafeEqual } from 'node:crypto';
import { SIPParseError } from './errors.js';
import {
  Challenge,
  Credentials,
  parseChallenges,
  parseCredentials,
  type ChallengeHeader,
  type CredentialsHeader,
} from './headers/auth.js';
import type { SIPRequest, SIPResponse } from './message.js';

// ---------------------------------------------------------------------------------------------
// Errors

export type DigestErrorCode =
  | 'unsupported-algorithm'
  | 'unsupported-qop'
  | 'unsupported-scheme'
  | 'missing-parameter'
  | 'invalid-parameter';

/** Wrong use of the digest functions: an algorithm or qop we cannot compute, a parameter missing or malformed. */
export class DigestError extends Error {
  override readonly name = 'DigestError';
  readonly code: DigestErrorCode;

  constructor(code: DigestErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Algorithms

/** Algorithm names as registered in the IANA "HTTP Digest Algorithm Values" registry (RFC 7616 §6.1). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** qop values this module computes (RFC 7616 §3.3); absent qop means RFC 2069 compatibility. */
export type DigestQop = 'auth' | 'auth-int';

interface AlgorithmInfo {
  readonly name: DigestAlgorithm;
  /** node:crypto hash name. */
  readonly hash: string;
  /** The `-sess` variants hash A1 once more with the nonce and cnonce (RFC 7616 §3.4.2). */
  readonly session: boolean;
  /** Length in hex digits of H(). */
  readonly hexLength: number;
}

const HASHES = new Set(getHashes());

/**
 * Only algorithms node:crypto can compute are registered. SHA-512/256 is the truncated SHA-512
 * variant with its own initial values (FIPS 180-4 §5.3.6), named `sha512-256` by OpenSSL —
 * not the first 256 bits of SHA-512, so it is offered only when OpenSSL provides it.
 */
const ALGORITHMS: ReadonlyMap<string, AlgorithmInfo> = (() => {
  const map = new Map<string, AlgorithmInfo>();
  const add = (base: 'MD5' | 'SHA-256' | 'SHA-512-256', hash: string, hexLength: number): void => {
    if (!HASHES.has(hash)) return;
    map.set(base.toLowerCase(), { name: base, hash, session: false, hexLength });
    const sess = `${base}-sess` as DigestAlgorithm;
    map.set(sess.toLowerCase(), { name: sess, hash, session: true, hexLength });
  };
  add('MD5', 'md5', 32);
  add('SHA-256', 'sha256', 64);
  add('SHA-512-256', 'sha512-256', 64);
  return map;
})();

/** The algorithms this process can compute, in the registry's order. */
export const SUPPORTED_DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze(
  [...ALGORITHMS.values()].map((a) => a.name),
);

function lookupAlgorithm(name: string | undefined): AlgorithmInfo | undefined {
  // RFC 7616 §3.3: "If the algorithm parameter is not present, it is assumed to be MD5."
  return ALGORITHMS.get((name ?? 'MD5').toLowerCase());
}

function algorithmInfo(name: string | undefined): AlgorithmInfo {
  const info = lookupAlgorithm(name);
  if (!info) throw new DigestError('unsupported-algorithm', `unsupported digest algorithm '${name}'`);
  return info;
}

/**
 * The canonical spelling of a digest algorithm name (compared case-insensitively; absent means
 * MD5, RFC 7616 §3.3). Throws DigestError for an algorithm this process cannot compute.
 */
export function parseDigestAlgorithm(name: string | undefined): DigestAlgorithm {
  return algorithmInfo(name).name;
}

/** True when `name` (absent = MD5) is an algorithm this process can compute. */
export function isSupportedDigestAlgorithm(name: string | undefined): boolean {
  return lookupAlgorithm(name) !== undefined;
}

/** H(data) as lower-case hex (RFC 7616 §3.4.1). Strings are hashed as UTF-8 (RFC 7616 §4). */
export function digestHash(algorithm: string | undefined, data: string | Uint8Array): string {
  const info = algorithmInfo(algorithm);
  return createHash(info.hash).update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// The response value

/** The secret of an account: its password, or the stored H(username ":" realm ":" password). */
export type DigestSecret = { readonly password: string } | { readonly ha1: string };

interface DigestParamsBase {
  /** `MD5` when absent (RFC 7616 §3.3); case-insensitive. */
  readonly algorithm?: string;
  /** The user's name in the realm, unhashed even when `userhash` is used (RFC 7616 §3.4.4). */
  readonly username: string;
  readonly realm: string;
  readonly method: string;
  /** digest-uri: the Request-URI exactly as sent (RFC 3261 §22.4 item 3). */
  readonly uri: string;
  readonly nonce: string;
  /** Required with a qop and with the `-sess` algorithms. */
  readonly cnonce?: string;
  /** nonce-count: a number, or the 8 hex digits as sent. Required with a qop. */
  readonly nc?: number | string;
  /** `auth`, `auth-int`, or absent for RFC 2069 compatibility. */
  readonly qop?: string;
  /** The request body for `auth-int`: H(entity-body); absent hashes the empty string. */
  readonly body?: Uint8Array | string;
}

/** Inputs of `computeDigestResponse`: the password or the precomputed HA1, not both. */
export type DigestResponseParams =
  | (DigestParamsBase & { readonly password: string; readonly ha1?: undefined })
  | (DigestParamsBase & {
      /**
       * H(username ":" realm ":" password) in the same algorithm, as a server stores it. For the
       * `-sess` algorithms the session key H(ha1 ":" nonce ":" cnonce) is derived from it here.
       */
      readonly ha1: string;
      readonly password?: undefined;
    });

const NC_HEX = /^[0-9A-Fa-f]{8}$/;
const HEX = /^[0-9A-Fa-f]+$/;

/** nonce-count as the 8 lower-case hex digits hashed into the response (RFC 7616 §3.4). */
export function formatNonceCount(nc: number | string): string {
  if (typeof nc === 'number') {
    if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) {
      throw new DigestError('invalid-parameter', `nc ${nc} is not in 1..0xffffffff`);
    }
    return nc.toString(16).padStart(8, '0');
  }
  // The value is hashed as sent, so an upper-case nc from a peer is kept as it is.
  if (!NC_HEX.test(nc)) throw new DigestError('invalid-parameter', `nc '${nc}' is not 8 hex digits`);
  return nc;
}

/** HA1 = H(A1) (RFC 7616 §3.4.2, RFC 2617 §3.2.2.2), including the `-sess` step. */
export function computeHA1(
  params: Pick<DigestParamsBase, 'algorithm' | 'username' | 'realm' | 'nonce' | 'cnonce'> & DigestSecretInput,
): string {
  const info = algorithmInfo(params.algorithm);
  let ha1: string;
  if (params.ha1 !== undefined) {
    if (!HEX.test(params.ha1) || params.ha1.length !== info.hexLength) {
      throw new DigestError('invalid-parameter', `ha1 must be ${info.hexLength} hex digits for ${info.name}`);
    }
    ha1 = params.ha1.toLowerCase();
  } else if (params.password !== undefined) {
    ha1 = digestHash(info.name, `${params.username}:${params.realm}:${params.password}`);
  } else {
    throw new DigestError('missing-parameter', 'a password or an ha1 is required');
  }
  if (!info.session) return ha1;
  // A1 = H(username ":" realm ":" passwd) ":" nonce ":" cnonce for the -sess algorithms.
  if (params.cnonce === undefined) throw new DigestError('missing-parameter', `${info.name} requires a cnonce`);
  return digestHash(info.name, `${ha1}:${params.nonce}:${params.cnonce}`);
}

type DigestSecretInput = { readonly password: string; readonly ha1?: undefined } | { readonly ha1: string; readonly password?: undefined };

/**
 * The `response` value (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1):
 *
 *   qop absent:          H(HA1 ":" nonce ":" HA2)                                  (RFC 2069)
 *   qop auth / auth-int: H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
 *
 * with HA2 = H(method ":" uri) for `auth` and no qop, H(method ":" uri ":" H(body)) for `auth-int`
 * (RFC 7616 §3.4.3). Throws DigestError for an unknown algorithm or qop, or a missing cnonce/nc.
 */
export function computeDigestResponse(params: DigestResponseParams): string {
  const info = algorithmInfo(params.algorithm);
  const qop = params.qop;
  if (qop !== undefined && qop !== 'auth' && qop !== 'auth-int') {
    throw new DigestError('unsupported-qop', `unsupported qop '${qop}'`);
  }
  const ha1 = computeHA1({ ...params, algorithm: info.name });
  const a2 =
    qop === 'auth-int'
      ? `${params.method}:${params.uri}:${digestHash(info.name, params.body ?? '')}`
      : `${params.method}:${params.uri}`;
  const ha2 = digestHash(info.name, a2);
  if (qop === undefined) return digestHash(info.name, `${ha1}:${params.nonce}:${ha2}`);
  if (params.cnonce === undefined || params.nc === undefined) {
    // RFC 7616 §3.4: cnonce and nc MUST be sent whenever qop is.
    throw new DigestError('missing-parameter', 'cnonce and nc are required with a qop');
  }
  const nc = formatNonceCount(params.nc);
  return digestHash(info.name, `${ha1}:${params.nonce}:${nc}:${params.cnonce}:${qop}:${ha2}`);
}

// ---------------------------------------------------------------------------------------------
// Answering one challenge

/** A random client nonce: 128 bits, hex (RFC 7616 §5.12 wants it unpredictable). */
export function generateCnonce(): string {
  return randomBytes(16).toString('hex');
}

export interface DigestCredentialsInput {
  readonly username: string;
  readonly secret: DigestSecret;
  readonly method: string;
  /** The Request-URI as sent. */
  readonly uri: string;
  readonly body?: Uint8Array | string;
  /** 1 for the first request with this nonce (RFC 7616 §3.4). */
  readonly nc: number;
  /** Required when the challenge offers a qop or uses a `-sess` algorithm. */
  readonly cnonce?: string;
  /** The qop to use: must be one the challenge offers. Absent: `auth` if offered, else `auth-int`, else none. */
  readonly qop?: DigestQop;
  /** Send H(username ":" realm) when the challenge says `userhash=true` (RFC 7616 §3.4.4). Default true. */
  readonly userhash?: boolean;
}

function requireDigest(challenge: Challenge): { realm: string; nonce: string } {
  if (!challenge.isDigest) throw new DigestError('unsupported-scheme', `'${challenge.scheme}' is not Digest`);
  const realm = challenge.realm;
  const nonce = challenge.nonce;
  if (realm === undefined) throw new DigestError('missing-parameter', 'the challenge has no realm');
  if (nonce === undefined) throw new DigestError('missing-parameter', 'the challenge has no nonce');
  return { realm, nonce };
}

/** The qop to answer with: `preferred` if offered, else `auth`, else `auth-int`; null when none can be used. */
function chooseQop(offered: readonly string[], preferred: DigestQop | undefined): DigestQop | undefined | null {
  if (offered.length === 0) return undefined; // RFC 2069 compatibility: answer without qop.
  const lower = offered.map((q) => q.toLowerCase());
  if (preferred !== undefined && lower.includes(preferred)) return preferred;
  if (lower.includes('auth')) return 'auth';
  if (lower.includes('auth-int')) return 'auth-int';
  return null;
}

/** Why a Digest challenge cannot be answered by this module, or undefined when it can. */
function unanswerable(challenge: Challenge, allowed: ReadonlySet<DigestAlgorithm> | undefined): string | undefined {
  if (!challenge.isDigest) return `scheme '${challenge.scheme}' is not supported`;
  if (challenge.realm === undefined) return 'the challenge has no realm';
  if (challenge.nonce === undefined) return 'the challenge has no nonce';
  const info = lookupAlgorithm(challenge.algorithm);
  if (!info) return `algorithm '${challenge.algorithm}' is not supported`;
  if (allowed && !allowed.has(info.name)) return `algorithm '${info.name}' is not allowed by local policy`;
  const qop = chooseQop(challenge.qop, undefined);
  if (qop === null) return `none of the qop values '${challenge.qop.join(',')}' is supported`;
  // RFC 2617 §3.2.2: cnonce "MUST NOT be specified if the server did not send a qop directive",
  // yet a -sess A1 needs one: such a challenge cannot be answered consistently.
  if (info.session && qop === undefined) return `${info.name} without qop cannot be answered`;
  return undefined;
}

/**
 * Credentials answering one Digest challenge (RFC 7616 §3.4, RFC 3261 §22.4): realm, nonce,
 * opaque and algorithm echoed from the challenge, `uri` as given, qop/cnonce/nc when the
 * challenge offers a qop. Throws DigestError for a challenge that is not Digest, lacks a realm
 * or nonce, names an unsupported algorithm, or offers only unknown qop values.
 */
export function buildDigestCredentials(challenge: Challenge, input: DigestCredentialsInput): Credentials {
  const { realm, nonce } = requireDigest(challenge);
  const info = algorithmInfo(challenge.algorithm);
  const offered = challenge.qop;
  let qop: DigestQop | undefined;
  if (input.qop !== undefined && offered.length > 0) {
    if (!offered.some((q) => q.toLowerCase() === input.qop)) {
      throw new DigestError('unsupported-qop', `qop '${input.qop}' is not offered (${offered.join(',')})`);
    }
    qop = input.qop;
  } else {
    const chosen = chooseQop(offered, input.qop);
    if (chosen === null) throw new DigestError('unsupported-qop', `none of the qop values '${offered.join(',')}' is supported`);
    qop = chosen;
  }
  const needsCnonce = qop !== undefined || info.session;
  if (needsCnonce && input.cnonce === undefined) throw new DigestError('missing-parameter', 'a cnonce is required');
  if (info.session && qop === undefined) {
    throw new DigestError('unsupported-qop', `${info.name} requires a qop to carry the cnonce`);
  }
  const cnonce = qop !== undefined ? input.cnonce : undefined;
  const response = computeDigestResponse({
    algorithm: info.name,
    username: input.username,
    realm,
    ...secretInput(input.secret),
    method: input.method,
    uri: input.uri,
    nonce,
    cnonce,
    nc: qop !== undefined ? input.nc : undefined,
    qop,
    body: input.body,
  });
  const hashUser = challenge.userhash && input.userhash !== false;
  return Credentials.digest({
    username: hashUser ? digestHash(info.name, `${input.username}:${realm}`) : input.username,
    realm,
    nonce,
    uri: input.uri,
    response,
    // Echoed as received (RFC 2617 §3.2.2: one of the values the server offered); when the
    // challenge had none, MD5 is implied and nothing is added.
    algorithm: challenge.algorithm,
    cnonce,
    opaque: challenge.opaque,
    qop,
    nc: qop !== undefined ? input.nc : undefined,
    userhash: hashUser ? true : undefined,
  });
}

function secretInput(secret: DigestSecret): DigestSecretInput {
  return 'ha1' in secret ? { ha1: secret.ha1 } : { password: secret.password };
}

// ---------------------------------------------------------------------------------------------
// Server side

export interface VerifyCredentialsOptions {
  /**
   * The user's real name, needed when the credentials say `userhash=true` (the header then
   * carries H(username ":" realm), RFC 7616 §3.4.4, and A1 is computed with the real name).
   */
  readonly username?: string;
  /** Algorithms accepted; all supported ones by default. */
  readonly algorithms?: readonly DigestAlgorithm[];
}

/**
 * True when Digest `credentials` carry the right `response` for this method and body
 * (`secret` is the password, or an object with the password or the stored HA1).
 *
 * Only the arithmetic is checked. Whether the nonce is one this server issued and still fresh,
 * whether nc increased (replay), and whether `uri` matches the Request-URI are the caller's
 * business (RFC 7616 §3.5, RFC 3261 §22.4 item 3). Malformed or unsupported credentials give false.
 */
export function verifyCredentials(
  credentials: Credentials,
  method: string,
  body: Uint8Array | string | undefined,
  secret: string | DigestSecret,
  options: VerifyCredentialsOptions = {},
): boolean {
  if (!credentials.isDigest) return false;
  const info = lookupAlgorithm(credentials.algorithm);
  if (!info) return false;
  if (options.algorithms && !options.algorithms.includes(info.name)) return false;
  const { realm, nonce, uri, response } = credentials;
  let username = credentials.username;
  if (realm === undefined || nonce === undefined || uri === undefined || response === undefined || username === undefined) {
    return false;
  }
  if (credentials.userhash) {
    if (options.username === undefined) return false;
    const expected = digestHash(info.name, `${options.username}:${realm}`);
    if (!equalHex(expected, username)) return false;
    username = options.username;
  }
  const qop = credentials.qop;
  if (qop !== undefined && qop !== 'auth' && qop !== 'auth-int') return false;
  if (qop !== undefined && (credentials.cnonce === undefined || credentials.nc === undefined)) return false;
  if (info.session && credentials.cnonce === undefined) return false;
  const sec = typeof secret === 'string' ? { password: secret } : secret;
  let expected: string;
  try {
    expected = computeDigestResponse({
      algorithm: info.name,
      username,
      realm,
      ...secretInput(sec),
      method,
      uri,
      nonce,
      cnonce: credentials.cnonce,
      nc: qop !== undefined ? credentials.nc : undefined,
      qop,
      body,
    });
  } catch (e) {
    if (e instanceof DigestError) return false;
    throw e;
  }
  return equalHex(expected, response);
}

/** Constant-time comparison of two hex strings, case-insensitive. */
function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'latin1');
  const y = Buffer.from(b.toLowerCase(), 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------
// The UAC's state

/** One account: a user name and password, optionally limited to one realm. */
export interface DigestAccount {
  readonly username: string;
  readonly password: string;
  /** Use this account only for this realm (compared exactly). Absent: any realm. */
  readonly realm?: string;
}

export interface DigestClientOptions {
  /**
   * qop to use when a challenge offers both: `auth` by default; `auth-int` also protects the
   * body (RFC 7616 §3.3). A challenge offering only one gets that one.
   */
  readonly qop?: DigestQop;
  /**
   * Algorithms this client is willing to use (local policy, RFC 8760 §2.4 "unless a local
   * policy dictates otherwise"), e.g. without MD5 to refuse downgrades (RFC 8760 §3). All
   * supported ones by default. The order of this list does not matter: the server's does.
   */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Hash the username when a challenge says `userhash=true` (RFC 7616 §3.4.4). Default true. */
  readonly userhash?: boolean;
  /**
   * Realms whose credentials may be re-used pre-emptively on requests of any Call-ID: the
   * realm of the UA's own outbound proxy or registrar (RFC 3261 §22.3 "MAY cache credentials
   * for that realm across dialogs"). Other realms are re-used only within the Call-ID they
   * were challenged on.
   */
  readonly sharedRealms?: readonly string[];
  /** Consecutive `stale=true` answers allowed per realm before giving up (default 3). */
  readonly maxStaleRetries?: number;
  /** Source of cnonces; random by default. For tests. */
  readonly cnonce?: () => string;
}

/** An Authorization or Proxy-Authorization field to put on the request. */
export type AuthorizationField = readonly [CredentialsHeader, string];

/** A challenge left unanswered in a response that was otherwise answered. */
export interface SkippedChallenge {
  readonly header: ChallengeHeader;
  readonly realm: string | undefined;
  readonly reason: string;
}

export type DigestFailureReason =
  /** The response is not a 401 or 407. */
  | 'not-a-challenge'
  /** No Digest challenge with a supported algorithm and qop (unknown schemes are ignored, RFC 8760 §2.4). */
  | 'unsupported'
  /** Supported challenges, but no account for their realms. */
  | 'no-credentials'
  /** A realm challenged again, not stale, right after we answered it: the password is wrong. */
  | 'rejected'
  /** `stale=true` over and over for one realm (more than `maxStaleRetries` in a row). */
  | 'stale-loop';

export type DigestAnswer =
  | {
      readonly ok: true;
      /**
       * Every Authorization / Proxy-Authorization field the retried request must carry,
       * replacing any it had (see `setAuthorization`): the answers to this response's
       * challenges plus the credentials still held for other realms of this Call-ID.
       */
      readonly headers: readonly AuthorizationField[];
      /** Realms answered from this response, in order. */
      readonly realms: readonly string[];
      /** Challenges of this response that were left unanswered, and why. */
      readonly skipped: readonly SkippedChallenge[];
    }
  | {
      readonly ok: false;
      readonly reason: DigestFailureReason;
      /** The realm concerned, for `rejected` and `stale-loop`. */
      readonly realm?: string;
      readonly message: string;
      readonly skipped: readonly SkippedChallenge[];
    };

type Kind = 'www' | 'proxy';

const CHALLENGE_HEADER: Record<Kind, ChallengeHeader> = { www: 'WWW-Authenticate', proxy: 'Proxy-Authenticate' };
const CREDENTIALS_HEADER: Record<Kind, CredentialsHeader> = { www: 'Authorization', proxy: 'Proxy-Authorization' };

/** What the client holds for one protection space: (header kind, realm). */
interface RealmState {
  readonly kind: Kind;
  readonly realm: string;
  challenge: Challenge;
  account: DigestAccount;
  /** Call-ID of the request the challenge answered; bounds pre-emptive re-use (RFC 3261 §22.3). */
  callId: string | undefined;
  /** For the -sess algorithms: the cnonce the session key was derived with, kept for the nonce's life. */
  sessionCnonce: string | undefined;
  /** The credentials `answer` produced last: a non-stale challenge to exactly these means rejection. */
  lastAnswer: { nonce: string; nc: string | undefined; cnonce: string | undefined; response: string } | undefined;
  /** `stale=true` answers in a row. */
  staleRun: number;
}

/**
 * The state a UAC keeps per account to answer 401/407 challenges (RFC 3261 §22.2, §22.3;
 * RFC 7616 §3.4; RFC 8760 §2.4).
 *
 *   const auth = new DigestClient({ username: 'alice', password: 's3cret' });
 *   const a = auth.answer(response401, sentRequest);
 *   if (a.ok) { setAuthorization(retry, a.headers); send(retry); } else giveUp(a.reason);
 *   ...
 *   setAuthorization(refresh, auth.authorizationFor(refresh)); // next nc, no round trip
 *
 * Challenges are grouped by header (WWW-Authenticate → Authorization, Proxy-Authenticate →
 * Proxy-Authorization) and realm; each group gets one answer. Within a group the topmost
 * challenge the client supports wins (RFC 8760 §2.4); unknown schemes and algorithms are
 * ignored. A realm that challenges again the exact credentials `answer` produced, without
 * `stale=true`, ends in `rejected`: one retry per realm per challenge, never a loop.
 */
export class DigestClient {
  private readonly accounts: readonly DigestAccount[];
  private readonly options: DigestClientOptions;
  private readonly allowed: ReadonlySet<DigestAlgorithm> | undefined;
  private readonly shared: ReadonlySet<string>;
  private readonly states = new Map<string, RealmState>();
  /** nonce-count last used, per (realm, nonce) (RFC 7616 §3.4: counts requests sent with a nonce). */
  private readonly counts = new Map<string, number>();

  constructor(accounts: DigestAccount | readonly DigestAccount[], options: DigestClientOptions = {}) {
    const list: readonly DigestAccount[] = isAccountList(accounts) ? [...accounts] : [accounts];
    if (list.length === 0) throw new DigestError('missing-parameter', 'at least one account is required');
    this.accounts = list;
    this.options = options;
    if (options.algorithms) {
      for (const a of options.algorithms) {
        if (!ALGORITHMS.has(a.toLowerCase())) throw new DigestError('unsupported-algorithm', `unsupported digest algorithm '${a}'`);
      }
      this.allowed = new Set(options.algorithms);
    }
    this.shared = new Set(options.sharedRealms ?? []);
  }

  /**
   * Answer a 401/407 to `request` (the request as it was sent: its method, Request-URI, body,
   * Call-ID and any credentials it carried are read).
   */
  answer(response: SIPResponse, request: SIPRequest): DigestAnswer {
    const skipped: SkippedChallenge[] = [];
    if (response.status !== 401 && response.status !== 407) {
      return { ok: false, reason: 'not-a-challenge', message: `status ${response.status} is not a challenge`, skipped };
    }

    // A forking proxy aggregates the challenges of every branch (RFC 3261 §16.7 step 6), so both
    // header kinds may appear in either status; each kind is answered with its own header.
    const groups = new Map<string, { kind: Kind; realm: string; challenges: Challenge[] }>();
    for (const kind of ['proxy', 'www'] as const) {
      for (const challenge of readChallenges(response, kind, skipped)) {
        const realm = challenge.realm;
        if (!challenge.isDigest || realm === undefined) {
          // RFC 8760 §2.4 / RFC 7235 §2.1: a challenge the client does not understand is ignored.
          skipped.push({ header: CHALLENGE_HEADER[kind], realm, reason: unanswerable(challenge, this.allowed) ?? 'unusable' });
          continue;
        }
        const key = stateKey(kind, realm);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { kind, realm, challenges: [] }));
        group.challenges.push(challenge);
      }
    }

    interface Plan {
      kind: Kind;
      realm: string;
      challenge: Challenge;
      account: DigestAccount;
      stale: boolean;
    }
    const plans: Plan[] = [];
    let unsupportedOnly = true;
    for (const { kind, realm, challenges } of groups.values()) {
      // RFC 8760 §2.4: "it SHOULD use the topmost header field that it supports". The server
      // lists them most preferred first (§2.3); the local policy is `options.algorithms`.
      let chosen: Challenge | undefined;
      for (const c of challenges) {
        const why = unanswerable(c, this.allowed);
        if (why === undefined) {
          chosen ??= c;
        } else {
          skipped.push({ header: CHALLENGE_HEADER[kind], realm, reason: why });
        }
      }
      if (!chosen) continue;
      unsupportedOnly = false;
      const account = this.accountFor(realm);
      if (!account) {
        skipped.push({ header: CHALLENGE_HEADER[kind], realm, reason: 'no account for this realm' });
        continue;
      }
      plans.push({ kind, realm, challenge: chosen, account, stale: chosen.stale });
    }

    if (plans.length === 0) {
      const reason: DigestFailureReason = unsupportedOnly ? 'unsupported' : 'no-credentials';
      const message = unsupportedOnly
        ? 'no supported Digest challenge in the response'
        : `no account for realm(s) ${[...groups.values()].map((g) => `'${g.realm}'`).join(', ')}`;
      return { ok: false, reason, message, skipped };
    }

    // The one-retry rule, decided for every realm before any state changes.
    const maxStale = this.options.maxStaleRetries ?? 3;
    for (const plan of plans) {
      const state = this.states.get(stateKey(plan.kind, plan.realm));
      const sent = sentCredentials(request, plan.kind, plan.realm);
      if (!sent.length) continue; // first challenge for this realm on this request
      const last = state?.lastAnswer;
      const answeredByUs = last !== undefined && sent.some((c) => sameAnswer(c, last));
      if (plan.stale) {
        // RFC 7616 §3.3: stale=true means the nonce expired, not the password: retry with the
        // new nonce without counting a failure — but not forever.
        if (state && state.staleRun >= maxStale) {
          this.drop(plan.kind, plan.realm);
          return {
            ok: false,
            reason: 'stale-loop',
            realm: plan.realm,
            message: `realm '${plan.realm}' answered stale=true ${state.staleRun + 1} times in a row`,
            skipped,
          };
        }
        continue;
      }
      if (answeredByUs) {
        // RFC 7616 §3.3: without stale=true, "the username and/or password are invalid".
        this.drop(plan.kind, plan.realm);
        return {
          ok: false,
          reason: 'rejected',
          realm: plan.realm,
          message: `realm '${plan.realm}' rejected the credentials of ${plan.account.username}`,
          skipped,
        };
      }
      // Credentials this client did not produce in answer to a challenge (pre-emptive ones with
      // an old nonce, or added by someone else): one fresh answer is still due.
    }

    const answered = new Set<string>();
    const headers: AuthorizationField[] = [];
    for (const plan of plans) {
      const key = stateKey(plan.kind, plan.realm);
      const previous = this.states.get(key);
      const sent = sentCredentials(request, plan.kind, plan.realm);
      const staleRun = plan.stale && sent.length > 0 ? (previous?.staleRun ?? 0) + 1 : 0;
      const state = this.learn(plan.kind, plan.realm, plan.challenge, plan.account, request.callId, previous);
      state.staleRun = staleRun;
      const credentials = this.credentialsFor(state, request);
      state.lastAnswer = {
        nonce: plan.challenge.nonce!,
        nc: credentials.nc,
        cnonce: credentials.cnonce,
        response: credentials.response!,
      };
      answered.add(key);
      headers.push([CREDENTIALS_HEADER[plan.kind], credentials.toString()]);
    }
    // Keep the credentials for realms challenged earlier on this Call-ID (a proxy's 407 followed
    // by the registrar's 401): RFC 3261 §22.3 "it should incorporate credentials for that realm
    // in all subsequent requests that contain the same Call-ID".
    for (const [key, state] of this.states) {
      if (answered.has(key) || !this.appliesTo(state, request)) continue;
      headers.push([CREDENTIALS_HEADER[state.kind], this.credentialsFor(state, request).toString()]);
    }
    return { ok: true, headers, realms: plans.map((p) => p.realm), skipped };
  }

  /**
   * Pre-emptive credentials for a new request (a REGISTER refresh, an in-dialog request): one
   * field per realm held for the request's Call-ID or listed in `sharedRealms`, each with the
   * next nonce-count, so no new challenge round trip is needed (RFC 7616 §3.4 nc, RFC 3261
   * §22.3). With `realms`, exactly those realms held are used, whatever the Call-ID.
   */
  authorizationFor(request: SIPRequest, options: { readonly realms?: readonly string[] } = {}): AuthorizationField[] {
    const out: AuthorizationField[] = [];
    for (const state of this.states.values()) {
      const wanted = options.realms ? options.realms.includes(state.realm) : this.appliesTo(state, request);
      if (!wanted) continue;
      out.push([CREDENTIALS_HEADER[state.kind], this.credentialsFor(state, request).toString()]);
    }
    return out;
  }

  /** The realms held, with their header kind and the algorithm chosen. */
  get realms(): { header: CredentialsHeader; realm: string; algorithm: DigestAlgorithm }[] {
    return [...this.states.values()].map((s) => ({
      header: CREDENTIALS_HEADER[s.kind],
      realm: s.realm,
      algorithm: parseDigestAlgorithm(s.challenge.algorithm),
    }));
  }

  /** Forget one realm (both header kinds), or everything. */
  forget(realm?: string): void {
    for (const [key, state] of [...this.states]) {
      if (realm === undefined || state.realm === realm) this.drop(state.kind, state.realm, key);
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private accountFor(realm: string): DigestAccount | undefined {
    return this.accounts.find((a) => a.realm === realm) ?? this.accounts.find((a) => a.realm === undefined);
  }

  private appliesTo(state: RealmState, request: SIPRequest): boolean {
    if (this.shared.has(state.realm)) return true;
    const callId = request.callId;
    return callId !== undefined && callId === state.callId;
  }

  private learn(
    kind: Kind,
    realm: string,
    challenge: Challenge,
    account: DigestAccount,
    callId: string | undefined,
    previous: RealmState | undefined,
  ): RealmState {
    const nonce = challenge.nonce!;
    if (previous) {
      const oldNonce = previous.challenge.nonce!;
      if (oldNonce !== nonce || !sameAlgorithm(previous.challenge, challenge)) previous.sessionCnonce = undefined;
      previous.challenge = challenge;
      previous.account = account;
      previous.callId = callId;
      if (oldNonce !== nonce) this.pruneCount(realm, oldNonce);
      return previous;
    }
    const state: RealmState = {
      kind,
      realm,
      challenge,
      account,
      callId,
      sessionCnonce: undefined,
      lastAnswer: undefined,
      staleRun: 0,
    };
    this.states.set(stateKey(kind, realm), state);
    return state;
  }

  /** Credentials for `request` from a held challenge, consuming the next nonce-count. */
  private credentialsFor(state: RealmState, request: SIPRequest): Credentials {
    const challenge = state.challenge;
    const nonce = challenge.nonce!;
    const info = algorithmInfo(challenge.algorithm);
    const qop = chooseQop(challenge.qop, this.options.qop);
    const countKey = `${state.realm}\u0000${nonce}`;
    const nc = (this.counts.get(countKey) ?? 0) + 1;
    this.counts.set(countKey, nc);
    const draw = this.options.cnonce ?? generateCnonce;
    let cnonce: string | undefined;
    if (info.session) {
      // The -sess session key H(HA1:nonce:cnonce) is fixed by the first cnonce used with a nonce
      // (RFC 2617 §3.2.2.2); keeping that cnonce for the nonce's life satisfies servers that
      // cache the key and servers that recompute it from each request alike.
      cnonce = state.sessionCnonce ??= draw();
    } else if (qop !== undefined) {
      cnonce = draw();
    }
    return buildDigestCredentials(challenge, {
      username: state.account.username,
      secret: { password: state.account.password },
      method: request.method,
      uri: request.requestUri,
      body: request.body,
      nc,
      cnonce,
      qop: qop ?? undefined,
      userhash: this.options.userhash,
    });
  }

  private drop(kind: Kind, realm: string, key: string = stateKey(kind, realm)): void {
    const state = this.states.get(key);
    if (!state) return;
    this.states.delete(key);
    this.pruneCount(realm, state.challenge.nonce!);
  }

  /** Forget a nonce-count no held state uses any more. */
  private pruneCount(realm: string, nonce: string): void {
    for (const s of this.states.values()) if (s.realm === realm && s.challenge.nonce === nonce) return;
    this.counts.delete(`${realm}\u0000${nonce}`);
  }
}

function isAccountList(a: DigestAccount | readonly DigestAccount[]): a is readonly DigestAccount[] {
  return Array.isArray(a);
}

function stateKey(kind: Kind, realm: string): string {
  return `${kind}\u0000${realm}`;
}

function sameAlgorithm(a: Challenge, b: Challenge): boolean {
  return parseDigestAlgorithm(a.algorithm) === parseDigestAlgorithm(b.algorithm);
}

function sameAnswer(c: Credentials, last: NonNullable<RealmState['lastAnswer']>): boolean {
  return c.nonce === last.nonce && c.nc === last.nc && c.cnonce === last.cnonce && c.response === last.response;
}

/**
 * Every challenge of one header kind, field by field, so one malformed field does not hide the
 * others (the typed `header()` accessor would throw for the whole list).
 */
function readChallenges(response: SIPResponse, kind: Kind, skipped: SkippedChallenge[]): Challenge[] {
  const name = CHALLENGE_HEADER[kind];
  const out: Challenge[] = [];
  for (const value of response.getAll(name)) {
    try {
      out.push(...parseChallenges(value, name));
    } catch (e) {
      if (!(e instanceof SIPParseError)) throw e;
      skipped.push({ header: name, realm: undefined, reason: `malformed: ${e.message}` });
    }
  }
  return out;
}

/** The Digest credentials `request` carried for one realm in the header of `kind`. */
function sentCredentials(request: SIPRequest, kind: Kind, realm: string): Credentials[] {
  const name = CREDENTIALS_HEADER[kind];
  const out: Credentials[] = [];
  for (const value of request.getAll(name)) {
    try {
      const c = parseCredentials(value, name);
      if (c.isDigest && c.realm === realm) out.push(c);
    } catch (e) {
      if (!(e instanceof SIPParseError)) throw e;
    }
  }
  return out;
}

/**
 * Replace the Authorization and Proxy-Authorization fields of `request` by `fields` (an
 * `answer(...).headers` or `authorizationFor(...)` result). Returns the request.
 */
export function setAuthorization(request: SIPRequest, fields: readonly AuthorizationField[]): SIPRequest {
  request.remove('Authorization');
  request.remove('Proxy-Authorization');
  for (const [name, value] of fields) request.append(name, value);
  return request;
}
