/**
 * Dialog state and requests within a dialog (RFC 3261 §12), as plain data and pure functions.
 *
 * The dialog machine (machines/dialog.ts) keeps a DialogState in its context; the dialog layer
 * looks dialogs up by `dialogIdOf(message)`, builds in-dialog requests with
 * `buildInDialogRequest` / `buildAck`, and checks what arrives with `checkRemoteSeq` and
 * `applyTargetRefresh`. Nothing here mutates its arguments: every change returns a new state.
 *
 * Text, not objects: URIs and addresses are kept as the text they serialize to, so a state is
 * cheap to copy, compare, log and store, and stays valid after the messages it came from are gone.
 */
import { applyRouteSet, markStrictRouted } from './routing.js';
import { SIPBuildError } from './errors.js';
import { NameAddr, parseNameAddr } from './headers/name-addr.js';
import { SIPRequest, type HeaderFields, type HeaderValue, type SIPResponse } from './message.js';
import { parseURI, type URI } from './uri.js';

/** RFC 3261 §12: "dialog ID, local sequence number, remote sequence number, local URI, remote
 * URI, remote target, a boolean flag called "secure", and a route set". */
export interface DialogState {
  readonly callId: string;
  /** Our tag: the From tag of requests we send (UAC) or the To tag of our response (UAS). */
  readonly localTag: string;
  /** The peer's tag; '' when it sent none (an RFC 2543 peer, §12.1.1: "which may be null"). */
  readonly remoteTag: string;
  /** The CSeq number of the last request we sent (0 = "empty" for a UAS-created dialog, see uasDialogState). */
  readonly localSeq: number;
  /** The CSeq number of the last request received; undefined = "empty" (a UAC-created dialog). */
  readonly remoteSeq: number | undefined;
  /** Our address as a name-addr without tag, e.g. `"Alice" <sip:alice@atlanta.com>`. */
  readonly localUri: string;
  /** The peer's address as a name-addr without tag. */
  readonly remoteUri: string;
  /** Where requests go: the URI of the peer's Contact. */
  readonly remoteTarget: string;
  /** The route set in order, each value a name-addr with all its parameters. */
  readonly routeSet: readonly string[];
  /** §12.1: the dialog was made over TLS with a SIPS Request-URI. */
  readonly secure: boolean;
}

/** Which end of the message's transaction we are: 'uac' sent the request, 'uas' received it. */
export type DialogSide = 'uac' | 'uas';

/**
 * §12.2.1.2, §12.2.2: the requests whose Contact replaces the remote target. RFC 5057 §5.4: "The
 * currently defined target refresh requests are INVITE, UPDATE, SUBSCRIBE, NOTIFY, and REFER."
 */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export function isTargetRefresh(method: string): boolean {
  return TARGET_REFRESH_METHODS.has(method);
}

// ---------------------------------------------------------------------------------------------
// Dialog identification (§12: "Call-ID, local tag, remote tag").

/** Tags and Call-IDs cannot contain '|' (RFC 3261 §25.1: token, word), so the key is unambiguous. */
function key(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** The dialog ID as one string: Call-ID, local tag, remote tag. */
export function dialogId(state: DialogState): string {
  return key(state.callId, state.localTag, state.remoteTag);
}

/**
 * The ID of the dialog a message belongs to, seen from our end. §12: "at the UAC, the remote tag
 * is the To tag and the local tag the From tag; at the UAS, the other way round". So a request we
 * receive (side 'uas', the default for requests) has local tag = To tag, remote tag = From tag; a
 * response we receive (side 'uac', the default for responses) has local tag = From tag, remote tag
 * = To tag. Undefined when the message has no Call-ID or no local tag (a request without To tag
 * is outside any dialog, §12.2).
 */
export function dialogIdOf(message: SIPRequest | SIPResponse, side: DialogSide = message.isRequest ? 'uas' : 'uac'): string | undefined {
  const callId = message.callId;
  const from = message.from?.tag;
  const to = message.to?.tag;
  const local = side === 'uac' ? from : to;
  const remote = side === 'uac' ? to : from;
  if (callId === undefined || local === undefined) return undefined;
  return key(callId, local, remote ?? '');
}

/** Whether a message we received belongs to this dialog (§12.2.2 for requests, §12.2.1.2 for responses). */
export function matchesDialog(message: SIPRequest | SIPResponse, state: DialogState): boolean {
  return dialogIdOf(message) === dialogId(state);
}

// ---------------------------------------------------------------------------------------------
// Creation (§12.1).

/** A name-addr without its tag, as text. */
function addressText(a: NameAddr): string {
  if (a.tag === undefined) return a.toString();
  const copy = a.clone();
  copy.tag = undefined;
  return copy.toString();
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new SIPBuildError(`cannot create a dialog: ${what}`);
  return value;
}

/** The URI of the first address in Contact (not `*`), as text. */
function contactTarget(message: SIPRequest | SIPResponse): string | undefined {
  for (const c of message.contact) if (c instanceof NameAddr) return c.uri.toString();
  return undefined;
}

/** §12.1.1, §12.1.2: "If the request was sent over TLS, and the Request-URI contained a SIPS URI, the "secure" flag is set to TRUE." */
function isSecure(request: SIPRequest, overTls: boolean): boolean {
  return overTls && request.uri.scheme === 'sips';
}

/**
 * §12.1.2 UAC behaviour: the state of the dialog a 1xx with a To tag, or a 2xx, to our INVITE
 * (or a NOTIFY/2xx to our SUBSCRIBE) creates.
 *
 * "The route set MUST be set to the list of URIs in the Record-Route header field from the
 * response, taken in reverse order and preserving all URI parameters. If no Record-Route header
 * field is present in the response, the route set MUST be set to the empty set. ... The remote
 * target MUST be set to the URI from the Contact header field of the response. The local
 * sequence number MUST be set to the value of the sequence number in the CSeq header field of the
 * request. The remote sequence number MUST be empty ... The local tag MUST be set to the value of
 * the tag in the From header field in the request, and the remote tag MUST be set to the value of
 * the tag in the To header field of the response. ... The remote URI MUST be set to the URI in
 * the To field, and the local URI MUST be set to the URI in the From field."
 *
 * `overTls`: the request was sent over TLS; `secure` is that and a SIPS Request-URI. A response
 * without Contact (some 1xx) leaves the Request-URI as the remote target until a 2xx brings one.
 */
/**
 * A copy of `s` that does not keep the message it was cut from alive: V8 represents substrings
 * of the received message as slices of it, so a dialog that lasts an hour would otherwise hold
 * its INVITE's whole text.
 */
export function ownString(s: string): string {
  return (' ' + s).slice(1);
}

export function uacDialogState(request: SIPRequest, response: SIPResponse, overTls = false): DialogState {
  const from = required(request.from, 'the request has no From');
  const to = required(request.to, 'the request has no To');
  return {
    callId: ownString(required(request.callId, 'the request has no Call-ID')),
    localTag: ownString(required(from.tag, 'the request has no From tag')),
    remoteTag: ownString(response.to?.tag ?? ''),
    localSeq: required(request.cseq, 'the request has no CSeq').seq,
    remoteSeq: undefined,
    localUri: addressText(from),
    remoteUri: addressText(to),
    remoteTarget: contactTarget(response) ?? request.uri.toString(),
    routeSet: response.recordRoute.map(String).reverse(),
    secure: isSecure(request, overTls),
  };
}

/**
 * §12.1.1 UAS behaviour: the state of the dialog our 1xx (with our To tag) or 2xx creates.
 *
 * "The route set MUST be set to the list of URIs in the Record-Route header field from the
 * request, taken in order and preserving all URI parameters. ... The remote target MUST be set
 * to the URI from the Contact header field of the request. The remote sequence number MUST be
 * set to the value of the sequence number in the CSeq header field of the request. The local
 * sequence number MUST be empty. ... The remote tag MUST be set to the value of the tag in the
 * From header field in the request, and the local tag MUST be set to the value of the tag in the
 * To header field in the response. ... The remote URI MUST be set to the URI in the From field,
 * and the local URI MUST be set to the URI in the To field."
 *
 * The "empty" local sequence number is `initialLocalSeq`, 0 by default: §12.2.1.1 says "If the
 * local sequence number is empty, an initial value MUST be chosen using the guidelines of
 * Section 8.1.1.5" (any value below 2^31), so our first request in the dialog carries
 * `initialLocalSeq + 1` — CSeq 1 by default. Pass another start (below 2^31 - 1) to choose one.
 */
export function uasDialogState(request: SIPRequest, response: SIPResponse, overTls = false, initialLocalSeq = 0): DialogState {
  if (!Number.isInteger(initialLocalSeq) || initialLocalSeq < 0 || initialLocalSeq >= 0x7fffffff) {
    throw new SIPBuildError(`initial local CSeq ${initialLocalSeq} is not below 2^31 - 1`);
  }
  const from = required(request.from, 'the request has no From');
  const to = required(request.to, 'the request has no To');
  return {
    callId: ownString(required(request.callId, 'the request has no Call-ID')),
    localTag: ownString(required(response.to?.tag, 'the response has no To tag')),
    remoteTag: ownString(from.tag ?? ''),
    localSeq: initialLocalSeq,
    remoteSeq: required(request.cseq, 'the request has no CSeq').seq,
    localUri: addressText(to),
    remoteUri: addressText(from),
    remoteTarget: contactTarget(request) ?? from.uri.toString(),
    routeSet: request.recordRoute.map(String),
    secure: isSecure(request, overTls),
  };
}

/**
 * §13.2.2.4: a 2xx for an early dialog of ours (UAC). "If the dialog identifier in the 2xx
 * response matches the dialog identifier of an existing dialog, the dialog MUST be transitioned
 * to the "confirmed" state, and the route set for the dialog MUST be recomputed based on the 2xx
 * response" — the Record-Route of the 2xx, reversed (§12.1.2) — and, §12.2.1.2, "When a UAC
 * receives a 2xx response to a target refresh request, it MUST replace the dialog's remote
 * target URI with the URI from the Contact header field in that response, if present."
 */
export function confirmUacState(state: DialogState, response: SIPResponse): DialogState {
  return {
    ...state,
    routeSet: response.recordRoute.map(String).reverse(),
    remoteTarget: contactTarget(response) ?? state.remoteTarget,
  };
}

// ---------------------------------------------------------------------------------------------
// Requests within a dialog, UAC side (§12.2.1).

export interface InDialogRequestOptions {
  body?: Buffer | string;
  /** Content-Type of the body (default text/plain when there is a body). */
  contentType?: string;
  /** More header fields (Contact, Event, Authorization...), appended after the dialog's own. */
  headers?: HeaderFields;
}

function buildError(what: string, e: unknown): never {
  throw new SIPBuildError(`dialog state: bad ${what}: ${e instanceof Error ? e.message : String(e)}`);
}

function parseAddress(text: string, header: string): NameAddr {
  try {
    return parseNameAddr(text, header);
  } catch (e) {
    return buildError(`${header} '${text}'`, e);
  }
}

function parseTarget(text: string): URI {
  try {
    return parseURI(text);
  } catch (e) {
    return buildError(`remote target '${text}'`, e);
  }
}


/** `address;tag=tag`, or the address alone for a null tag (§12.2.1.1). */
function tagged(address: string, tag: string, header: string): NameAddr {
  const a = parseAddress(address, header);
  a.tag = tag === '' ? undefined : tag;
  return a;
}

function appendFields(req: SIPRequest, headers: HeaderFields | undefined): void {
  if (!headers) return;
  const entries: ReadonlyArray<readonly [string, HeaderValue | readonly HeaderValue[]]> = Array.isArray(headers)
    ? (headers as ReadonlyArray<readonly [string, HeaderValue]>)
    : Object.entries(headers as Readonly<Record<string, HeaderValue | readonly HeaderValue[]>>);
  for (const [name, value] of entries) {
    if (Array.isArray(value)) for (const v of value as readonly HeaderValue[]) req.append(name, v);
    else req.append(name, value as HeaderValue);
  }
}

/** The request of §12.2.1.1 with the given CSeq: Request-URI and Route from the route set. */
function inDialogRequest(state: DialogState, method: string, seq: number, options: InDialogRequestOptions): SIPRequest {
  // §12.2.1.1 (see routing.ts): loose or strict routing by the first route.
  const routed = applyRouteSet(parseTarget(state.remoteTarget), state.routeSet.map((r) => parseAddress(r, 'Route')));
  const requestUri = routed.requestUri;
  const routes = routed.routes;
  const req = new SIPRequest({ method, uri: requestUri });
  if (routed.strict) markStrictRouted(req);
  for (const r of routes) req.append('Route', r);
  req.append('Max-Forwards', 70);
  // "The URI in the To field of the request MUST be set to the remote URI from the dialog state.
  // The tag in the To header field of the request MUST be set to the remote tag of the dialog ID.
  // The From URI of the request MUST be set to the local URI from the dialog state. The tag in
  // the From header field of the request MUST be set to the local tag of the dialog ID. If the
  // value of the remote or local tags is null, the tag parameter MUST be omitted".
  req.append('From', tagged(state.localUri, state.localTag, 'From'));
  req.append('To', tagged(state.remoteUri, state.remoteTag, 'To'));
  // "The Call-ID of the request MUST be set to the Call-ID of the dialog."
  req.append('Call-ID', state.callId);
  req.append('CSeq', `${seq} ${method}`);
  appendFields(req, options.headers);
  if (options.body !== undefined) req.setBody(options.body, options.contentType ?? (options.body.length ? 'text/plain' : undefined));
  return req;
}

/**
 * The CSeq number of our next request in the dialog. §12.2.1.1: "Requests within a dialog MUST
 * contain strictly monotonically increasing and contiguous CSeq sequence numbers
 * (increasing-by-one) in each direction (excepting ACK and CANCEL of course, whose numbers equal
 * the requests being acknowledged or cancelled)."
 */
export function nextLocalSeq(state: DialogState): number {
  return state.localSeq + 1;
}

/** Whether a request of `method` takes a new CSeq number in its direction (everything but ACK and CANCEL). */
export function takesNewCSeq(method: string): boolean {
  return method !== 'ACK' && method !== 'CANCEL';
}

/**
 * §12.2.1.1: a new request within the dialog, and the dialog state after it (local sequence
 * number advanced by one). No Via: the transport layer adds it (§8.1.1.7, §18.1.1). ACK for a
 * 2xx is `buildAck`; a CANCEL is built from the request it cancels (`cancelFor`, §9.1).
 */
export function buildInDialogRequest(
  state: DialogState,
  method: string,
  options: InDialogRequestOptions = {},
): { request: SIPRequest; state: DialogState } {
  if (!takesNewCSeq(method)) {
    throw new SIPBuildError(`${method} is not a new request in a dialog: use ${method === 'ACK' ? 'buildAck' : 'cancelFor'}`);
  }
  const seq = nextLocalSeq(state);
  return { request: inDialogRequest(state, method, seq, options), state: { ...state, localSeq: seq } };
}

/**
 * §13.2.2.4: the ACK for a 2xx to our INVITE (initial or re-INVITE). "The header fields of the
 * ACK are constructed in the same way as for any request sent within a dialog (see Section 12)
 * with the exception of the CSeq and the header fields related to authentication. The sequence
 * number of the CSeq header field MUST be the same as the INVITE being acknowledged, but the
 * CSeq method MUST be ACK. The ACK MUST contain the same credentials as the INVITE." (Pass the
 * INVITE's Authorization / Proxy-Authorization in `headers`, and the answer in `body` when the
 * 2xx carried an offer.) The dialog state does not change.
 */
export function buildAck(state: DialogState, inviteCSeq: number, options: InDialogRequestOptions = {}): SIPRequest {
  return inDialogRequest(state, 'ACK', inviteCSeq, options);
}

// ---------------------------------------------------------------------------------------------
// Requests and responses received within a dialog.

/**
 * The remote target after a target refresh (§12.2.2 for a request we receive, §12.2.1.2 for a
 * 2xx to one we sent): "When a UAS receives a target refresh request, it MUST replace the
 * dialog's remote target URI with the URI from the Contact header field in that request, if
 * present." / "When a UAC receives a 2xx response to a target refresh request, it MUST replace
 * the dialog's remote target URI with the URI from the Contact header field in that response, if
 * present." Anything else (other methods, non-2xx responses, no Contact) returns `state` itself.
 * Seed defect 8 was a re-INVITE that never updated the remote target.
 */
export function applyTargetRefresh(state: DialogState, message: SIPRequest | SIPResponse): DialogState {
  let method: string | undefined;
  if (message instanceof SIPRequest) method = message.method;
  else if (message.status >= 200 && message.status < 300) method = message.cseq?.method;
  if (method === undefined || !isTargetRefresh(method)) return state;
  const target = contactTarget(message);
  return target === undefined || target === state.remoteTarget ? state : { ...state, remoteTarget: target };
}

export type RemoteSeqCheck = { ok: true; state: DialogState } | { ok: false; status: 500 };

/**
 * §12.2.2: "If the remote sequence number is empty, it MUST be set to the value of the sequence
 * number in the CSeq header field value in the request. If the remote sequence number was not
 * empty, but the sequence number of the request is lower than the remote sequence number, the
 * request is out of order and MUST be rejected with a 500 (Server Internal Error) response. If
 * the remote sequence number was not empty, and the sequence number of the request is greater
 * than the remote sequence number, the request is in order." Gaps are legal (a challenged request
 * is retried with a new CSeq). Seed defect 7 set the local number here instead of the remote one.
 *
 * ACK and CANCEL carry the number of the request they belong to and never get a response of
 * their own, so they always pass and leave the state alone. A request without CSeq cannot be
 * ordered and fails.
 */
export function checkRemoteSeq(state: DialogState, request: SIPRequest): RemoteSeqCheck {
  if (!takesNewCSeq(request.method)) return { ok: true, state };
  const seq = request.cseq?.seq;
  if (seq === undefined || (state.remoteSeq !== undefined && seq < state.remoteSeq)) return { ok: false, status: 500 };
  return { ok: true, state: seq === state.remoteSeq ? state : { ...state, remoteSeq: seq } };
}
