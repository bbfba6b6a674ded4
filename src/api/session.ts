/**
 * Session (Middleware API §4.2): one INVITE session, incoming or outgoing, and its streams.
 *
 * The signalling is the `session` machine (machines/session.ts), run as an actor created with
 * `createActor` and kept by this object (design, "Measured constraints": sessions are hot-path
 * actors, not children of a parent). This class is the machine's runtime: it provides the
 * machine's named actions with the SIP side (the dialog layer: INVITE, CANCEL, ACK, BYE,
 * re-INVITE, responses) and the media side (SessionMedia: SDP offer/answer over the streams),
 * turns what the network and the streams report into machine events, and posts what the machine
 * emits as notifications with stream objects in place of the machine's stream ids.
 *
 * Methods follow the spec (camelCase). Those whose result comes later return a promise that
 * never rejects for a protocol outcome (an unwanted rejection would crash an application that
 * ignores it): `connect()` / `accept()` resolve with how the session started or failed. Wrong use
 * (a method in a state that does not allow it) throws SessionError at once.
 */
import { createActor, type ActorRefFrom } from 'xstate';
import { session as sessionMachine, sessionState, type SessionEmitted, type SessionState } from '../../machines/session.js';
import type { Dialog, DialogLayer } from '../../actors/dialog-layer.js';
import { inspectionHub } from '../../actors/inspection.js';
import type { ServerTransaction } from '../../actors/transaction-layer.js';
import { digestAuthorizer, type UserAgent } from '../../actors/user-agent.js';
import type { Endpoint, TLSSettings } from '../../actors/transport/types.js';
import { DigestClient } from '../sip/digest.js';
import { NameAddr, parseNameAddr } from '../sip/headers/name-addr.js';
import type { SIPRequest, SIPResponse } from '../sip/message.js';
import { createRequest, toNameAddr } from '../sip/request-builder.js';
import { ownString } from '../sip/dialog-state.js';
import { parseMessage } from '../sip/parser.js';
import { cancelFor } from '../sip/requests.js';
import { randomToken } from '../sip/transaction-keys.js';
import { isSipURI, parseURI, type SipURI, type URI } from '../sip/uri.js';
import { SDPError, writeSDP, type SessionDescription } from '../sdp/session-description.js';
import type { MediaStream, MediaStreamHost, PortRange } from '../streams/media-stream.js';
import { mediaStreamRegistry } from '../streams/registry.js';
import type { NotificationCenter } from './notification-center.js';
import { SessionMedia, sdpOf } from './session-media.js';

declare module './notification-center.js' {
  interface NotificationDataMap {
    SIPSessionNewIncoming: { streams: MediaStream[] };
    SIPSessionNewOutgoing: { streams: MediaStream[] };
    SIPSessionGotRingIndication: Record<string, never>;
    SIPSessionGotProvisionalResponse: { code: number; reason: string };
    SIPSessionWillStart: Record<string, never>;
    SIPSessionDidStart: { streams: MediaStream[] };
    SIPSessionDidFail: { originator: 'local' | 'remote'; code: number; reason: string; failure_reason: string };
    SIPSessionWillEnd: Record<string, never>;
    SIPSessionDidEnd: { originator: 'local' | 'remote'; end_reason: string };
    SIPSessionDidChangeHoldState: { originator: 'local' | 'remote'; on_hold: boolean; partial: boolean };
    SIPSessionGotProposal: { originator: 'local' | 'remote'; streams: MediaStream[] };
    SIPSessionGotRejectProposal: { originator: 'local' | 'remote'; code: number; reason: string; streams: MediaStream[] };
    SIPSessionGotAcceptProposal: { originator: 'local' | 'remote'; streams: MediaStream[]; proposed_streams: MediaStream[] };
    SIPSessionHadProposalFailure: { failure_reason: string; streams: MediaStream[] };
    SIPSessionDidRenegotiateStreams: { action: 'add' | 'remove'; streams: MediaStream[] };
    SIPSessionDidProcessTransaction: {
      originator: 'local' | 'remote';
      method: string;
      code: number;
      reason: string;
      ack_received?: boolean | 'unknown';
    };
  }
}

/** What a session needs from the running application. */
export interface SessionEngine {
  readonly ua: UserAgent;
  readonly dialogs: DialogLayer;
  readonly center: NotificationCenter;
  /** RFC 3263 resolution of a next hop; default: IP literals only. */
  resolve?(uri: SipURI): Promise<Endpoint[]>;
  /** The global rtp.* settings an account falls back on. */
  readonly rtp: { readonly portRange: PortRange; readonly timeout: number };
  /** Called when a session is made / is over (the SessionManager keeps the live ones). */
  onSessionCreated?(session: Session): void;
  onSessionEnded?(session: Session): void;
}

/** The account side of a session (Account and LocalAccount provide it). */
export interface SessionAccount {
  readonly id: string;
  readonly uri: { aor: SipURI; contact: SipURI | undefined };
  readonly credentials: { username: string; password: string };
  readonly displayName?: string | null;
  readonly outboundProxy?: SipURI;
  /** rtp.port_range / rtp.timeout of the account, null for the global ones. */
  readonly rtpSettings?: { portRange: PortRange | null; timeout: number | null };
  /** How many 3xx an outgoing session follows (RFC 3261 §8.1.3.4); default 3. */
  readonly followRedirects?: number;
  tlsSettings?(): TLSSettings | undefined;
  /** Our Contact for a transport ('udp', 'tcp', ...). */
  readonly contact: { get(transport?: string): SipURI };
  /** @internal the running application's session engine (lets `new Session(account)` work). */
  sessionEngine?(): SessionEngine | undefined;
}

export class SessionError extends Error {
  override readonly name = 'SessionError';
}

/** How `connect()` / `accept()` ended. */
export type SessionOutcome =
  | { started: true }
  | { started: false; originator: 'local' | 'remote'; code: number; reason: string; failure_reason: string };

export interface ConnectOptions {
  /** RFC 4579: add `isfocus` to our Contact. */
  isFocus?: boolean;
  subject?: string;
}

let counter = 0;

/** The Session that runs each session actor (the machine's actions find their runtime here). */
const byActor = new WeakMap<object, Session>();
/** The Session each stream belongs to, and the centers whose stream timeouts are watched. */
const streamOwner = new WeakMap<object, Session>();
const watchedCenters = new WeakSet<object>();

export class Session implements MediaStreamHost {
  /**
   * The machine with its actions provided once for all sessions (a `provide` per session would
   * copy the whole machine for every call): each action finds its Session through `self`.
   */
  private static readonly logic = sessionMachine.provide({
    actions: {
      sendInvite: ({ self }) => void byActor.get(self)?.sendInvite(),
      sendProvisional: ({ self }) => byActor.get(self)?.sendProvisional(),
      send2xx: ({ self }) => byActor.get(self)?.send2xx(),
      retransmit2xx: ({ self }) => byActor.get(self)?.retransmit2xx(),
      reportNoAck: ({ self }) => byActor.get(self)?.reportNoAck(),
      retransmitReinvite2xx: ({ self }) => byActor.get(self)?.retransmitReinvite2xx(),
      reportReinviteNoAck: ({ self }) => byActor.get(self)?.reportReinviteNoAck(),
      sendAck: () => {}, // the dialog layer ACKs every 2xx (§13.2.2.4)
      sendBye: ({ self }) => void byActor.get(self)?.sendBye(),
      sendCancel: ({ self }) => void byActor.get(self)?.sendCancel(),
      sendReInvite: ({ self, context }) => void byActor.get(self)?.sendReInvite(context.pending?.kind ?? 'hold', context.pending?.streams ?? []),
      sendResponse: ({ self }, params: { code: number }) => byActor.get(self)?.sendResponse(params.code),
      startStreams: ({ self }) => void byActor.get(self)?.applyMedia(),
      startEarlyMedia: ({ self }) => void byActor.get(self)?.applyMedia(),
      updateStreams: ({ self }) => void byActor.get(self)?.applyMedia(),
      endStreams: ({ self }) => byActor.get(self)?.finish(),
    },
  });

  readonly id: string;
  readonly account: SessionAccount;
  private readonly engine: SessionEngine;
  private readonly actor: ActorRefFrom<typeof sessionMachine>;
  private readonly media: SessionMedia;
  /** Every stream the session has known; a stream's machine id is `<type>-<index here>` (a few per call: an array, not maps). */
  private known: readonly MediaStream[] = [];

  direction: 'incoming' | 'outgoing' | undefined = undefined;
  transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss' | undefined = undefined;
  startTime: Date | undefined = undefined;
  stopTime: Date | undefined = undefined;
  remoteUserAgent: string | undefined = undefined;
  subject: string | undefined = undefined;
  private localParty: NameAddr | undefined;
  private remoteParty: NameAddr | undefined;
  private proposal: MediaStream[] | undefined;
  private ending: Promise<void> | undefined;
  private settle: ((o: SessionOutcome) => void)[] = [];
  private ended: (() => void)[] = [];

  // ---- SIP state ----
  private dialogValue: Dialog | undefined;

  /** Our dialog (set when it exists); the inspector shows it under this session. */
  private get dialog(): Dialog | undefined {
    return this.dialogValue;
  }

  private set dialog(d: Dialog | undefined) {
    this.dialogValue = d;
    if (d) inspectionHub.adopt(d.actor, this.id);
  }
  /** UAC: our INVITE (or re-INVITE) in progress as sent, and where, for a CANCEL (§9.1). */
  private outgoingInvite: { request: SIPRequest; target: Endpoint } | undefined;
  /** UAS: the initial INVITE's server transaction and our 2xx to it. */
  private inviteTx: ServerTransaction | undefined;
  /** The initial INVITE's CSeq number: its ACK is recognised by it after inviteTx is released. */
  private inviteCSeq: number | undefined;
  private unwatchInviteCancel: (() => void) | undefined;
  private final2xx: SIPResponse | undefined;
  private inviteAnswered = false;
  /** UAS: a remote re-INVITE waiting for our final response. */
  private reinviteTx: ServerTransaction | undefined;
  /** The request being dispatched to the machine right now: its responses go there. */
  private dispatching: ServerTransaction | undefined;
  /** A remote (re-)INVITE came without SDP: our 2xx carried an offer, its ACK carries the answer. */
  private offerInResponse = false;
  /** Our 2xx to a remote re-INVITE until its ACK: the machine's reinvite2xx region times it (§13.3.1.4). */
  private reinvite2xx: { tx: ServerTransaction; response: SIPResponse; cseq: number } | undefined;
  /** Undone when the session finishes (an exactly sized array: kept for the call's life). */
  private disposers: readonly (() => void)[] = [];

  /** Middleware API §4.2 `Session(account)`: in state None. The engine defaults to the running application's. */
  constructor(account: SessionAccount, engine?: SessionEngine) {
    this.account = account;
    const e = engine ?? account.sessionEngine?.();
    if (!e) throw new SessionError('the application is not running: no engine for a session');
    this.engine = e;
    this.id = `session-${++counter}`;
    this.media = new SessionMedia(() => this);
    const { T1, T2 } = e.ua.transactions.timers;
    this.actor = createActor(Session.logic, { id: this.id, input: { id: this.id, T1, T2, seed: (Math.random() * 2 ** 32) >>> 0 }, ...inspectionHub.options });
    byActor.set(this.actor, this);
    inspectionHub.register(this.actor, { id: this.id, kind: Session.logic.id });
    this.actor.on('*', (ev) => this.emitted(ev as SessionEmitted));
    this.actor.start();
    this.engine.onSessionCreated?.(this);
  }

  // ---- attributes (Middleware API §4.2) -------------------------------------------------------

  get state(): SessionState {
    return sessionState(this.actor.getSnapshot());
  }

  /** The session's actor, for the inspector. */
  get machine(): ActorRefFrom<typeof sessionMachine> {
    return this.actor;
  }

  get streams(): MediaStream[] {
    return this.media.streams;
  }

  get proposedStreams(): MediaStream[] | undefined {
    return this.proposal ? [...this.proposal] : undefined;
  }

  get onHold(): boolean {
    return this.media.streams.some((s) => s.onHold);
  }

  /** "the ... header identifying the local party if the session is active, None otherwise". */
  get localIdentity(): NameAddr | undefined {
    return this.active ? this.localParty : undefined;
  }

  get remoteIdentity(): NameAddr | undefined {
    return this.active ? this.remoteParty : undefined;
  }

  private get active(): boolean {
    const s = this.state;
    return s !== 'None' && s !== 'terminated';
  }

  // ---- MediaStreamHost ------------------------------------------------------------------------

  get center(): NotificationCenter {
    return this.engine.center;
  }

  get accountId(): string {
    return this.account.id;
  }

  get localAddress(): string {
    const e = this.engine.ua.endpoints.find((l) => l.protocol === (this.transport ?? 'udp').toUpperCase()) ?? this.engine.ua.endpoints[0];
    const a = e?.address ?? '127.0.0.1';
    // A wildcard listener advertises loopback unless told otherwise (tests, local calls).
    return a === '0.0.0.0' ? '127.0.0.1' : a === '::' ? '::1' : a;
  }

  get rtp(): { portRange: PortRange; timeout: number } {
    const own = this.account.rtpSettings;
    return { portRange: own?.portRange ?? this.engine.rtp.portRange, timeout: own?.timeout ?? this.engine.rtp.timeout };
  }

  // ---- methods --------------------------------------------------------------------------------

  /**
   * Outbound: offer `streams` to `to` through `routes` (the outbound proxy), Middleware API §4.2.
   * Resolves when the session started or failed. Only in state None.
   */
  connect(to: NameAddr | URI | string, routes: readonly (NameAddr | URI | string)[] = [], streams: readonly MediaStream[], options: ConnectOptions = {}): Promise<SessionOutcome> {
    this.expect(['None'], 'connect');
    if (streams.length === 0) throw new SessionError('connect() needs at least one stream');
    this.direction = 'outgoing';
    this.subject = options.subject;
    this.remoteParty = addressOf(to);
    const aor = this.account.uri.aor;
    this.localParty = new NameAddr({ uri: aor, displayName: this.account.displayName ?? undefined, params: { tag: randomToken(10) } });
    this.connectTo = { to: this.remoteParty, routes: routes.length ? routes : this.account.outboundProxy ? [this.account.outboundProxy] : [], isFocus: options.isFocus === true };
    this.media.place(streams);
    const done = this.outcome();
    this.actor.send({ type: 'connect', streams: streams.map((s) => this.streamId(s)) });
    return done;
  }

  private connectTo: { to: NameAddr; routes: readonly (NameAddr | URI | string)[]; isFocus: boolean } | undefined;

  /** Send 180 Ringing to the incoming INVITE (again: another 180). */
  sendRingIndication(): void {
    this.expect(['incoming'], 'send_ring_indication');
    this.actor.send({ type: 'ringIndication' });
  }

  /** Accept an incoming session with `streams` (a subset of the offered ones). Only in state incoming. */
  accept(streams: readonly MediaStream[]): Promise<SessionOutcome> {
    this.expect(['incoming'], 'accept');
    const offered = this.media.streams;
    for (const s of streams) if (!offered.includes(s)) throw new SessionError('accept(): a stream that was not offered');
    // The rest of the offer is refused: port 0 in the answer (RFC 3264 §6).
    for (const s of offered) if (!streams.includes(s)) this.media.remove(s);
    const done = this.outcome();
    void this.prepareAnswer(streams);
    return done;
  }

  /** Refuse an incoming session (486 Busy Here, 603 Decline...). Only in state incoming. */
  reject(code = 603, reason?: string): Promise<void> {
    this.expect(['incoming'], 'reject');
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new SessionError(`reject(): ${code} is not a final error code`);
    this.rejectReason = reason;
    const done = this.whenEnded();
    this.actor.send({ type: 'reject', code, ...(reason !== undefined ? { reason } : {}) });
    return done;
  }

  private rejectReason: string | undefined;

  /** End the session: CANCEL, BYE, or refusing an incoming one, whatever applies now. */
  end(): Promise<void> {
    const s = this.state;
    if (s === 'None' || s === 'terminated') return Promise.resolve();
    const done = this.whenEnded();
    if (s === 'incoming') this.actor.send({ type: 'reject', code: 603 });
    else this.actor.send({ type: 'end' });
    return done;
  }

  /** Put the streams on hold: a re-INVITE as soon as possible (any state). */
  hold(): void {
    this.actor.send({ type: 'hold' });
  }

  unhold(): void {
    this.actor.send({ type: 'unhold' });
  }

  /** Propose a new stream (a re-INVITE). Only in state connected. */
  addStream(stream: MediaStream): void {
    this.expect(['connected'], 'add_stream');
    if (this.media.has(stream)) throw new SessionError('add_stream(): the stream is already in the session');
    this.proposal = [stream];
    this.actor.send({ type: 'propose', action: 'add', streams: [this.streamId(stream)] });
  }

  /** Remove a stream (a re-INVITE; the stream is removed whatever the answer). Only in state connected. */
  removeStream(stream: MediaStream): void {
    this.expect(['connected'], 'remove_stream');
    if (!this.media.has(stream)) throw new SessionError('remove_stream(): not a stream of this session');
    stream.deactivate();
    this.media.remove(stream);
    void stream.end();
    this.actor.send({ type: 'propose', action: 'remove', streams: [this.streamId(stream)] });
  }

  cancelProposal(): void {
    this.actor.send({ type: 'cancelProposal' });
  }

  /** Accept (a subset of) the streams of a remote proposal. Only in state received_proposal. */
  acceptProposal(streams: readonly MediaStream[]): void {
    this.expect(['received_proposal'], 'accept_proposal');
    const proposed = this.proposal ?? [];
    for (const s of streams) if (!proposed.includes(s)) throw new SessionError('accept_proposal(): a stream that was not proposed');
    void this.prepareProposalAnswer(streams);
  }

  rejectProposal(code = 488, reason?: string): void {
    this.expect(['received_proposal'], 'reject_proposal');
    for (const s of this.proposal ?? []) this.media.remove(s);
    this.pendingAnswer = this.media.answer(this.pendingOffer!);
    this.actor.send({ type: 'rejectProposal', code, ...(reason !== undefined ? { reason } : {}) });
  }

  private expect(states: SessionState[], method: string): void {
    if (!states.includes(this.state)) throw new SessionError(`${method}() is not allowed in state ${this.state}`);
  }

  // ---- promises -------------------------------------------------------------------------------

  private outcome(): Promise<SessionOutcome> {
    return new Promise((resolve) => this.settle.push(resolve));
  }

  private whenEnded(): Promise<void> {
    if (this.state === 'terminated') return Promise.resolve();
    return new Promise((resolve) => this.ended.push(resolve));
  }

  // ---- stream ids (the machine sees ids; notifications carry the objects) ---------------------

  private streamId(s: MediaStream): string {
    let i = this.known.indexOf(s);
    if (i < 0) {
      // Exactly sized copies, not push (which reserves 16 slots): kept for the call's life.
      i = this.known.length;
      this.known = [...this.known, s];
    }
    return `${s.type}-${i}`;
  }

  /**
   * Watch a stream for what ends the session: AudioStreamDidTimeout (no RTP for rtp.timeout
   * seconds, Middleware API §4.6) ends it with end_reason 'rtp timeout'. One subscription per
   * notification center serves every session (a subscription per stream would cost each call).
   */
  private watch(stream: MediaStream): void {
    streamOwner.set(stream, this);
    if (watchedCenters.has(this.engine.center)) return;
    watchedCenters.add(this.engine.center);
    this.engine.center.named('AudioStreamDidTimeout').subscribe((n) => {
      const owner = streamOwner.get(n.sender);
      if (owner?.state === 'connected') owner.actor.send({ type: 'end', reason: 'rtp timeout' });
    });
  }

  private objects(ids: readonly string[]): MediaStream[] {
    return ids.map((id) => this.known[Number(id.slice(id.lastIndexOf('-') + 1))]).filter((s): s is MediaStream => s !== undefined);
  }

  // ---- notifications --------------------------------------------------------------------------

  private emitted(e: SessionEmitted): void {
    const post = (data: Record<string, unknown>) => this.engine.center.post(e.type, this, data as never);
    switch (e.type) {
      case 'SIPSessionNewIncoming':
      case 'SIPSessionNewOutgoing':
      case 'SIPSessionDidStart':
      case 'SIPSessionGotProposal':
      case 'SIPSessionHadProposalFailure':
      case 'SIPSessionDidRenegotiateStreams': {
        const { type: _t, streams, ...rest } = e;
        if (e.type === 'SIPSessionDidStart') this.startTime = new Date();
        post({ ...rest, streams: this.objects(streams) });
        // accept_proposal's error case ("SIPSessionHadProposalFailure is sent instead and a
        // rejection is sent": 488) ends the proposal like a rejection: proposed_streams is None
        // again, and the proposed streams that did not become part of the session are ended.
        if (e.type === 'SIPSessionHadProposalFailure') {
          const dropped = (this.proposal ?? []).filter((s) => !this.media.has(s));
          this.proposal = undefined;
          for (const s of dropped) void s.end().catch(() => {});
        }
        break;
      }
      case 'SIPSessionGotRejectProposal':
      case 'SIPSessionGotAcceptProposal': {
        const { type: _t, streams, ...rest } = e;
        const data: Record<string, unknown> = { ...rest, streams: this.objects(streams) };
        if (e.type === 'SIPSessionGotAcceptProposal') data.proposed_streams = this.objects(e.proposed_streams);
        if (e.originator === 'local' || e.type === 'SIPSessionGotRejectProposal') this.proposal = undefined;
        post(data);
        if (e.type === 'SIPSessionGotAcceptProposal') this.proposal = undefined;
        break;
      }
      case 'SIPSessionDidChangeHoldState': {
        const { type: _t, ...rest } = e;
        post({ ...rest, on_hold: this.onHold, partial: this.partialHold() });
        break;
      }
      default: {
        const { type: _t, ...rest } = e;
        if (e.type === 'SIPSessionDidFail' || e.type === 'SIPSessionDidEnd') this.stopTime = new Date();
        post(rest);
      }
    }
    if (e.type === 'SIPSessionDidStart') for (const r of this.settle.splice(0)) r({ started: true });
    if (e.type === 'SIPSessionDidFail') {
      for (const r of this.settle.splice(0)) r({ started: false, originator: e.originator, code: e.code, reason: e.reason, failure_reason: e.failure_reason });
    }
    if (e.type === 'SIPSessionDidFail' || e.type === 'SIPSessionDidEnd') for (const r of this.ended.splice(0)) r();
  }

  /** §4.2 SIPSessionDidChangeHoldState.partial: some stream held and some hold-capable one not. */
  private partialHold(): boolean {
    const capable = this.media.streams.filter((s) => s.holdSupported);
    return capable.some((s) => s.onHold) && capable.some((s) => !s.onHold);
  }

  private processed(originator: 'local' | 'remote', method: string, response: SIPResponse, ack?: boolean | 'unknown'): void {
    // Nothing follows SIPSessionDidEnd / DidFail: a transaction that completes later (the 487 of
    // a re-INVITE our BYE crossed) is not the application's business any more.
    if (this.stopTime) return;
    this.engine.center.post('SIPSessionDidProcessTransaction', this, {
      originator,
      method,
      code: response.status,
      reason: response.reason,
      ...(method === 'INVITE' ? { ack_received: ack ?? 'unknown' } : {}),
    });
  }

  // ---- UAC: the INVITE ------------------------------------------------------------------------

  private async sendInvite(): Promise<void> {
    const target = this.connectTo!;
    let offer: SessionDescription;
    let request: SIPRequest;
    try {
      for (const s of this.media.streams) this.watch(s);
      await Promise.all(this.media.streams.map((s) => s.initialize(this, 'outgoing')));
      offer = this.media.offer();
      this.media.local = offer;
      const uri = target.to.uri;
      this.transport = transportOf(uri);
      const contact = new NameAddr({ uri: this.account.contact.get(this.transport), params: target.isFocus ? { isfocus: null } : undefined });
      request = createRequest({
        method: 'INVITE',
        uri,
        from: this.localParty!,
        to: new NameAddr({ uri, displayName: target.to.displayName }),
        routes: target.routes,
        contact,
        body: writeSDP(offer),
        contentType: 'application/sdp',
        userAgent: this.engine.ua.userAgent,
        headers: [
          ...(this.subject !== undefined ? ([['Subject', this.subject]] as [string, string][]) : []),
          ['Allow', ALLOW],
          ['Supported', 'replaces, norefersub'],
        ],
      });
    } catch (e) {
      this.actor.send({ type: 'error', code: 0, reason: '', why: (e as Error).message });
      return;
    }
    await this.inviteLoop(request, this.account.followRedirects ?? 3);
  }

  /** Send the INVITE; on a 3xx, follow the first Contact (RFC 3261 §8.1.3.4) while allowed. */
  private async inviteLoop(request: SIPRequest, redirects: number): Promise<void> {
    const authorize = digestAuthorizer(this.account.credentials.password ? new DigestClient(this.account.credentials) : undefined);
    const result = await this.engine.dialogs.invite(request, {
      authorize,
      owner: this.id,
      onAttempt: (req, target) => {
        this.outgoingInvite = { request: req, target };
      },
      onProvisional: (res, d) => {
        if (res.status === 100) {
          // hop by hop, but it releases a CANCEL waiting for a provisional response (§9.1)
          this.actor.send({ type: 'provisional', code: 100, reason: res.reason });
          return;
        }
        this.remoteUserAgent ??= res.get('Server') ?? res.get('User-Agent');
        let sdp: SessionDescription | undefined;
        try {
          sdp = sdpOf(res.body, res.mimeType);
        } catch {
          sdp = undefined; // a broken early SDP is ignored; the 2xx's counts
        }
        if (sdp && sdp.media.length === this.media.local?.media.length) this.media.remote = sdp;
        if (d) this.dialog = d;
        this.actor.send({ type: 'provisional', code: res.status, reason: res.reason, sdp: sdp !== undefined });
      },
    });
    const res = result.response;
    this.outgoingInvite = undefined;
    if (!result.local) this.processed('local', 'INVITE', res, res.status >= 200 && res.status < 300 ? true : undefined);
    if (res.status >= 200 && res.status < 300 && result.dialog) {
      this.dialog = result.dialog;
      this.remoteParty = new NameAddr({ uri: this.remoteParty!.uri, displayName: this.remoteParty!.displayName, params: { tag: res.to?.tag ?? '' } });
      this.remoteUserAgent ??= res.get('Server') ?? res.get('User-Agent');
      this.engine.dialogs.setHandler(result.dialog, (_d, tx) => this.inDialog(tx), (_d, ack) => this.gotAck(ack));
      let answer: SessionDescription | undefined;
      try {
        answer = sdpOf(res.body, res.mimeType);
      } catch {
        answer = undefined;
      }
      if (answer && answer.media.length === this.media.local!.media.length) this.media.remote = answer;
      if (!this.media.remote) {
        // RFC 3264 §5: the 2xx must carry the answer; without one there is no session to have.
        this.actor.send({ type: 'answered', code: res.status });
        this.actor.send({ type: 'end' });
        return;
      }
      this.actor.send({ type: 'answered', code: res.status });
      return;
    }
    if (res.status >= 300 && res.status < 400 && redirects > 0 && !result.local && this.state === 'outgoing') {
      const next = res.contact.find((c): c is NameAddr => c instanceof NameAddr);
      const snap = this.actor.getSnapshot();
      const cancelling = snap.matches({ outgoing: 'cancelPending' }) || snap.matches({ outgoing: 'cancelling' });
      if (next && isSipURI(next.uri) && !cancelling) {
        const retry = parseMessage(request.toBuffer()) as SIPRequest;
        retry.uri = next.uri;
        retry.remove('Via');
        retry.remove('Authorization');
        retry.remove('Proxy-Authorization');
        retry.set('CSeq', `${(request.cseq?.seq ?? 1) + 1} INVITE`);
        return this.inviteLoop(retry, redirects - 1);
      }
    }
    if (result.local && res.status === 408) this.actor.send({ type: 'timeout' });
    else this.actor.send({ type: 'failed', code: res.status, reason: res.reason });
  }

  private async sendCancel(): Promise<void> {
    const inv = this.outgoingInvite;
    if (!inv) return;
    const cancel = cancelFor(inv.request);
    const result = await this.engine.ua.send(cancel, { targets: [inv.target], owner: this.id });
    if (!result.local) this.processed('local', 'CANCEL', result.response);
  }

  private async sendBye(): Promise<void> {
    // A remote re-INVITE still waiting for accept_proposal / reject_proposal is answered now
    // (487), not when the BYE completes: the peer need not wait a BYE's round trip (or 64·T1).
    const pending = this.reinviteTx;
    if (pending && !answered(pending)) pending.respond(pending.reply(487));
    const d = this.dialog;
    if (!d || d.status === 'terminated') {
      this.actor.send({ type: 'byeAnswered', code: 0 });
      return;
    }
    try {
      const result = await this.engine.dialogs.request(d, 'BYE', { authorize: this.authorizer(), owner: this.id });
      if (!result.local) this.processed('local', 'BYE', result.response);
      this.actor.send(result.local && result.response.status === 408 ? { type: 'timeout' } : { type: 'byeAnswered', code: result.response.status });
    } catch {
      this.actor.send({ type: 'byeAnswered', code: 0 });
    }
  }

  private authorizer() {
    return digestAuthorizer(this.account.credentials.password ? new DigestClient(this.account.credentials) : undefined);
  }

  // ---- UAS: the INVITE ------------------------------------------------------------------------

  /** @internal the SessionManager hands over a new INVITE with its offer (undefined: none, we offer in the 200). */
  receive(tx: ServerTransaction, offer: SessionDescription | undefined, streams: readonly (MediaStream | undefined)[]): void {
    const req = tx.request;
    this.direction = 'incoming';
    this.inviteTx = tx;
    inspectionHub.adopt(tx.actor, this.id);
    this.inviteCSeq = req.cseq?.seq;
    this.transport = (tx.inbound.local.protocol.toLowerCase()) as Session['transport'];
    // Copies, not slices of the INVITE's text (see ownString): a session may last for hours.
    this.remoteParty = parseNameAddr(ownString(req.get('From') ?? ''), 'From');
    this.localParty = new NameAddr({ uri: parseURI(ownString(req.to!.uri.toString())), displayName: req.to!.displayName, params: { tag: tx.toTag } });
    const ua = req.get('User-Agent');
    const subject = req.get('Subject');
    this.remoteUserAgent = ua === undefined ? undefined : ownString(ua);
    this.subject = subject === undefined ? undefined : ownString(subject);
    this.media.remote = offer;
    this.offerInResponse = offer === undefined;
    streams.forEach((s, i) => {
      if (s) this.media.placeAt(i, s);
    });
    this.unwatchInviteCancel = this.engine.ua.watchCancel(tx, () => this.actor.send({ type: 'cancel' }));
    this.actor.send({ type: 'incoming', streams: streams.filter((s): s is MediaStream => s !== undefined).map((s) => this.streamId(s)) });
  }

  /** accept(): set the accepted streams up, then let the machine send the 2xx. */
  private async prepareAnswer(streams: readonly MediaStream[]): Promise<void> {
    try {
      for (const s of streams) this.watch(s);
      await Promise.all(streams.map((s) => s.initialize(this, 'incoming')));
      const offer = this.media.remote;
      this.media.local = offer ? this.media.answer(offer) : this.media.offer();
      if (offer && this.media.local.media.every((m) => m.port === 0)) throw new SessionError('no stream could be accepted');
    } catch (e) {
      // RFC 3261 §13.3.1.3 / RFC 3264 §6: nothing acceptable → 488.
      this.actor.send({ type: 'error', code: 488, reason: 'Not Acceptable Here', why: (e as Error).message });
      return;
    }
    this.actor.send({ type: 'accept', streams: streams.map((s) => this.streamId(s)) });
  }

  private sendProvisional(): void {
    const tx = this.inviteTx;
    if (!tx || this.inviteAnswered) return;
    const res = tx.reply(180, 'Ringing', [['Contact', `<${this.contactFor(tx).toString()}>`]]);
    tx.respond(res);
  }

  private contactFor(tx: ServerTransaction): SipURI {
    return this.account.contact.get(tx.inbound.local.protocol.toLowerCase());
  }

  private send2xx(): void {
    const tx = this.inviteTx!;
    const res = tx.reply(200, 'OK', [
      ['Contact', `<${this.contactFor(tx).toString()}>`],
      ['Allow', ALLOW],
      ['Supported', 'replaces, norefersub'],
      ['Server', this.engine.ua.userAgent],
    ]);
    res.setBody(writeSDP(this.media.local!), 'application/sdp');
    this.final2xx = res;
    this.inviteAnswered = true;
    tx.respond(res);
    this.dialog = this.engine.dialogs.createUas(tx.request, res, tx.inbound.local.protocol === 'TLS');
    this.engine.dialogs.setHandler(this.dialog, (_d, t) => this.inDialog(t), (_d, ack) => this.gotAck(ack));
  }

  private reportNoAck(): void {
    if (this.final2xx) this.processed('remote', 'INVITE', this.final2xx, false);
  }

  private retransmit2xx(): void {
    if (this.inviteTx && this.final2xx) this.inviteTx.respond(this.final2xx);
  }

  /** A final response to the request being handled (or the pending INVITE / re-INVITE). */
  private sendResponse(code: number): void {
    const tx = this.dispatching ?? this.reinviteTx ?? (this.inviteAnswered ? undefined : this.inviteTx);
    if (!tx) return;
    const isInvite = tx.request.method === 'INVITE';
    const headers: [string, string][] = [];
    if (code === 491 || code === 500) headers.push(['Retry-After', String(1 + Math.floor(Math.random() * 5))]);
    const reason = tx === this.inviteTx && this.rejectReason !== undefined && code >= 300 ? this.rejectReason : undefined;
    const res = tx.reply(code, reason, headers);
    if (isInvite && code >= 200 && code < 300) {
      res.append('Contact', `<${this.contactFor(tx).toString()}>`);
      if (this.pendingAnswer) res.setBody(writeSDP(this.pendingAnswer), 'application/sdp');
    }
    tx.respond(res);
    if (tx === this.inviteTx) this.inviteAnswered = true;
    if (isInvite && tx !== this.inviteTx) {
      // Reported when the ACK comes (ack_received true) or never does (false): for a 2xx the
      // dialog waits for it (below), for a non-2xx the transaction absorbs it (§17.2.1).
      if (code >= 300) void tx.ackOutcome().then((ack) => this.processed('remote', 'INVITE', res, ack));
      if (code >= 200 && code < 300) {
        if (this.pendingAnswer) this.media.local = this.pendingAnswer;
        if (this.pendingOffer && !this.offerInReinviteResponse) this.media.remote = this.pendingOffer;
        this.reinvite2xx = { tx, response: res, cseq: tx.request.cseq?.seq ?? 0 };
      }
      this.pendingAnswer = undefined;
      this.pendingOffer = undefined;
      if (tx === this.reinviteTx) this.reinviteTx = undefined;
    } else if (tx.request.method !== 'INVITE') this.processed('remote', tx.request.method, res);
    else if (code >= 300) this.processed('remote', 'INVITE', res);
  }

  // ---- in the dialog --------------------------------------------------------------------------

  private pendingOffer: SessionDescription | undefined;
  private pendingAnswer: SessionDescription | undefined;
  private offerInReinviteResponse = false;

  /** A request in our dialog (§12.2.2): BYE, re-INVITE, or something we answer ourselves. */
  private inDialog(tx: ServerTransaction): void {
    const req = tx.request;
    inspectionHub.adopt(tx.actor, this.id);
    this.dispatching = tx;
    try {
      switch (req.method) {
        case 'BYE':
          this.actor.send({ type: 'bye' });
          break;
        case 'INVITE':
          this.remoteReinvite(tx);
          break;
        case 'OPTIONS':
          tx.respond(tx.reply(200, 'OK', [['Allow', ALLOW]]));
          break;
        default:
          tx.respond(tx.reply(501));
      }
    } finally {
      this.dispatching = undefined;
    }
    // Never leave a request unanswered (a re-INVITE the machine keeps waits in reinviteTx).
    if (tx !== this.reinviteTx && !answered(tx)) tx.respond(tx.reply(req.method === 'INVITE' ? 491 : 481, undefined, [['Retry-After', '1']]));
  }

  /** A remote re-INVITE (§14.2): a hold change, a stream proposal, or an offer request. */
  private remoteReinvite(tx: ServerTransaction): void {
    const req = tx.request;
    let offer: SessionDescription | undefined;
    try {
      offer = sdpOf(req.body, req.mimeType);
    } catch (e) {
      tx.respond(tx.reply(e instanceof SDPError ? 400 : 488, e instanceof SDPError ? `Bad SDP: ${e.message}`.slice(0, 100).replace(/[\r\n]/g, ' ') : undefined));
      return;
    }
    if (req.body.length > 0 && !offer) {
      tx.respond(tx.reply(415, undefined, [['Accept', 'application/sdp']]));
      return;
    }
    const snap = this.actor.getSnapshot();
    const free = snap.matches({ connected: { proposal: 'none' } }) || snap.matches({ connected: { proposal: 'glareWait' } });
    if (!free) {
      // §14.2: 491 while our re-INVITE is in progress, 500 while theirs waits: the machine says which.
      this.actor.send({ type: 'remoteUpdate', hold: this.remoteHeld() });
      return;
    }
    this.disposers = [...this.disposers, this.engine.ua.watchCancel(tx, () => this.actor.send({ type: 'cancel' }))];
    if (!offer) {
      // RFC 3264 §5 / RFC 3261 §14.2: no offer in the re-INVITE: ours goes in the 200, the answer in the ACK.
      this.offerInReinviteResponse = true;
      this.pendingAnswer = this.media.offer();
      this.pendingOffer = undefined;
      this.actor.send({ type: 'remoteUpdate', hold: this.remoteHeld() });
      return;
    }
    this.offerInReinviteResponse = false;
    if (this.media.local && offer.media.length < this.media.local.media.length) {
      tx.respond(tx.reply(488, 'Not Acceptable Here'));
      return;
    }
    const analysis = this.media.analyse(offer);
    if (analysis.refused) {
      tx.respond(tx.reply(488, 'Not Acceptable Here'));
      return;
    }
    for (const s of analysis.removed) {
      s.deactivate();
      this.media.remove(s);
      void s.end();
    }
    if (analysis.removed.length) this.engine.center.post('SIPSessionDidRenegotiateStreams', this, { action: 'remove', streams: analysis.removed });
    this.pendingOffer = offer;
    const proposed: MediaStream[] = [];
    for (const i of analysis.added) {
      const s = this.newStreamFor(offer, i);
      if (!s) continue; // no stream type takes it: answered with port 0
      proposed.push(s);
      this.media.placeAt(i, s);
    }
    if (proposed.length) {
      this.reinviteTx = tx;
      this.proposal = proposed;
      this.actor.send({ type: 'remoteProposal', streams: proposed.map((s) => this.streamId(s)) });
      return;
    }
    this.pendingAnswer = this.media.answer(offer);
    this.actor.send({ type: 'remoteUpdate', hold: analysis.hold });
  }

  private remoteHeld(): boolean {
    return this.media.streams.some((s) => s.onHoldByRemote);
  }

  /**
   * @internal A stream for an m= line the remote proposes in a re-INVITE (RFC 3264 §8.2: "the
   * offerer adds a media stream"). The SessionManager sets its registry's lookup on every session
   * it knows (incoming and outgoing); a session outside any manager takes the process-wide
   * registry (Middleware API §4.4).
   */
  newStreamFor: (offer: SessionDescription, index: number) => MediaStream | undefined = (offer, index) => {
    for (const t of mediaStreamRegistry) {
      const s = t.newFromSdp(offer, index);
      if (s) return s;
    }
    return undefined;
  };

  private async prepareProposalAnswer(streams: readonly MediaStream[]): Promise<void> {
    const proposed = this.proposal ?? [];
    for (const s of proposed) if (!streams.includes(s)) this.media.remove(s);
    try {
      for (const s of streams) this.watch(s);
      await Promise.all(streams.map((s) => s.initialize(this, 'incoming')));
      this.pendingAnswer = this.media.answer(this.pendingOffer!);
    } catch (e) {
      for (const s of streams) this.media.remove(s);
      this.pendingAnswer = this.media.answer(this.pendingOffer!);
      this.actor.send({ type: 'proposalFailure', error: (e as Error).message });
      return;
    }
    this.actor.send({ type: 'acceptProposal', streams: streams.map((s) => this.streamId(s)) });
  }

  /** §13.3.1.4: the machine's reinvite2xx region retransmits our 2xx to a re-INVITE until its ACK. */
  private retransmitReinvite2xx(): void {
    const r = this.reinvite2xx;
    if (r) r.tx.respond(r.response);
  }

  /** 64·T1 without that ACK: reported, and the machine ends the session ("SHOULD be terminated"). */
  private reportReinviteNoAck(): void {
    const r = this.reinvite2xx;
    this.reinvite2xx = undefined;
    if (r) this.processed('remote', 'INVITE', r.response, false);
  }

  /** The ACK of one of our 2xx (§13.3.1.4): the initial INVITE's, or a re-INVITE's. */
  private gotAck(ack: SIPRequest): void {
    const seq = ack.cseq?.seq;
    const r = this.reinvite2xx;
    if (r && seq === r.cseq) {
      this.reinvite2xx = undefined;
      this.processed('remote', 'INVITE', r.response, true);
      this.actor.send({ type: 'reinviteAck' });
      if (this.offerInReinviteResponse) {
        this.offerInReinviteResponse = false;
        this.takeAnswerFrom(ack);
        void this.applyMedia();
      }
      return;
    }
    if (this.inviteCSeq !== undefined && seq === this.inviteCSeq) {
      if (this.offerInResponse) {
        this.offerInResponse = false;
        this.takeAnswerFrom(ack);
      }
      if (this.state === 'accepting' && this.final2xx) this.processed('remote', 'INVITE', this.final2xx, true);
      this.actor.send({ type: 'ack' });
      // The INVITE transaction is done with (§13.3.1.4: retransmissions cease with the ACK): a
      // long call must not keep its request, our 2xx and the transaction actor alive.
      this.unwatchInviteCancel?.();
      this.unwatchInviteCancel = undefined;
      this.inviteTx = undefined;
      this.final2xx = undefined;
    }
  }

  private takeAnswerFrom(ack: SIPRequest): void {
    try {
      const answer = sdpOf(ack.body, ack.mimeType);
      if (answer && this.media.local && answer.media.length === this.media.local.media.length) this.media.remote = answer;
    } catch {
      // A broken answer in an ACK cannot be refused (§13.3.1.4): the session ends.
      this.actor.send({ type: 'end' });
    }
  }

  // ---- our re-INVITEs -------------------------------------------------------------------------

  private async sendReInvite(kind: 'add' | 'remove' | 'hold' | 'unhold', ids: readonly string[]): Promise<void> {
    const d = this.dialog;
    if (!d) return;
    const streams = this.objects(ids);
    const heldBefore = new Map(this.media.streams.map((s) => [s, s.onHoldByLocal]));
    try {
      if (kind === 'add') {
        for (const s of streams) this.watch(s);
        await Promise.all(streams.map((s) => s.initialize(this, 'outgoing')));
        this.media.place(streams);
      }
      if (kind === 'hold') for (const s of this.media.streams) if (s.holdSupported) s.hold();
      if (kind === 'unhold') for (const s of this.media.streams) if (s.holdSupported) s.unhold();
    } catch (e) {
      this.actor.send({ type: 'proposalAnswered', code: 500, reason: (e as Error).message.replace(/[\r\n]/g, ' ').slice(0, 100) });
      return;
    }
    const offer = this.media.offer();
    const result = await this.engine.dialogs.reinvite(d, {
      body: writeSDP(offer),
      contentType: 'application/sdp',
      headers: [['Contact', `<${this.account.contact.get(this.transport).toString()}>`]],
      authorize: this.authorizer(),
      owner: this.id,
      onAttempt: (request, target) => {
        this.outgoingInvite = { request, target };
      },
      onProvisional: (res) => {
        if (res.status > 100) this.engine.center.post('SIPSessionGotProvisionalResponse', this, { code: res.status, reason: res.reason });
      },
    });
    this.outgoingInvite = undefined;
    const res = result.response;
    if (!result.local) this.processed('local', 'INVITE', res, res.status >= 200 && res.status < 300 ? true : undefined);
    let answer: SessionDescription | undefined;
    if (res.status >= 200 && res.status < 300) {
      try {
        answer = sdpOf(res.body, res.mimeType);
      } catch {
        answer = undefined;
      }
    }
    if (answer && answer.media.length === offer.media.length) {
      this.media.local = offer;
      this.media.remote = answer;
    } else {
      // §14.1: a failed re-INVITE leaves the session as it was: hold state and streams included.
      for (const [s, held] of heldBefore) {
        if (s.onHoldByLocal !== held) {
          if (held) s.hold();
          else s.unhold();
        }
      }
      if (kind === 'add') {
        for (const s of streams) {
          this.media.remove(s);
          void s.end();
        }
      }
    }
    if (result.local && res.status === 408) this.actor.send({ type: 'timeout' });
    else if (res.status >= 200 && res.status < 300 && !answer) this.actor.send({ type: 'proposalAnswered', code: 488, reason: 'No SDP answer' });
    else this.actor.send({ type: 'proposalAnswered', code: res.status, reason: res.reason });
  }

  // ---- media ------------------------------------------------------------------------------------

  private async applyMedia(): Promise<void> {
    const failed = await this.media.apply();
    for (const s of failed) {
      this.engine.center.post('SIPSessionDidRenegotiateStreams', this, { action: 'remove', streams: [s] });
      this.media.remove(s);
      void s.end();
    }
  }

  /** The session is over: streams ended, transactions answered, timers stopped (terminated's entry). */
  private finish(): void {
    this.reinvite2xx = undefined;
    this.unwatchInviteCancel?.();
    this.unwatchInviteCancel = undefined;
    const disposers = this.disposers;
    this.disposers = [];
    for (const d of disposers) d();
    const streams = [...new Set([...this.media.streams, ...(this.proposal ?? []), ...this.known])];
    for (const s of streams) {
      try {
        s.deactivate();
      } catch {
        // a stream's own failure does not stop the others from ending
      }
      void s.end().catch(() => {});
    }
    // Nothing waits for an answer from a session that is gone.
    for (const tx of [this.reinviteTx, this.inviteAnswered ? undefined : this.inviteTx]) {
      if (tx && !answered(tx)) tx.respond(tx.reply(487));
    }
    this.reinviteTx = undefined;
    if (this.dialog && this.dialog.status !== 'terminated' && this.state !== 'terminating') this.engine.dialogs.terminate(this.dialog);
    setImmediate(() => {
      this.actor.stop();
      inspectionHub.unregister(this.actor);
      this.engine.onSessionEnded?.(this);
    });
  }

  /** @internal the application stops: end now (a BYE or CANCEL goes out) and wait for the end. */
  shutdown(): Promise<void> {
    this.ending ??= this.end();
    return this.ending;
  }
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, NOTIFY, REFER, SUBSCRIBE, INFO';

/** The address a session is given (`connect(to)`), or SessionError. */
function addressOf(v: NameAddr | URI | string): NameAddr {
  try {
    return toNameAddr(v);
  } catch (e) {
    throw new SessionError((e as Error).message);
  }
}

function transportOf(uri: URI): 'udp' | 'tcp' | 'tls' | 'ws' | 'wss' {
  if (!isSipURI(uri)) return 'udp';
  const t = uri.transport?.toLowerCase();
  if (t === 'tcp' || t === 'tls' || t === 'ws' || t === 'wss') return t;
  return uri.secure ? 'tls' : 'udp';
}

/** Whether a server transaction has sent its final response. */
function answered(tx: ServerTransaction): boolean {
  if (tx.answered) return true;
  const snap = tx.actor.getSnapshot() as { value: unknown; status: string };
  return snap.status !== 'active' || (snap.value !== 'proceeding' && snap.value !== 'trying');
}
