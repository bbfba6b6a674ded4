/**
 * SIP requests and responses (RFC 3261 §7).
 *
 * Header fields are kept as an ordered list of (name, raw value) pairs, exactly as received
 * apart from unfolding, so order is never lost and unknown headers pass through verbatim.
 * Typed values are parsed on first access and cached; changing a header drops its cache.
 * Known names are written in canonical spelling (compact forms expanded); Content-Length is
 * always written from the body's actual length.
 */
import { SIPBuildError } from './errors.js';
import { coreSlot, Slot, SLOT_COUNT, SLOT_OF_ID } from './core-slots.js';
import { HEADER_DEFS, headerDef, headerKey } from './header-names.js';
import type { CSeq } from './headers/cseq.js';
import type { MediaType } from './headers/media-type.js';
import type { ContactValue, NameAddr } from './headers/name-addr.js';
import type { Via } from './headers/via.js';
import { CORE_FIELD_PARSERS, TYPED_PARSERS, type TypedHeaderName, type TypedHeaders } from './typed-headers.js';
import { parseURI, type URI } from './uri.js';
import { reasonPhrase } from './status-codes.js';
import { FIELD_STRIDE, packSpan, spanEnd, spanStart, unknownNameSpan } from './wire-fields.js';

const EMPTY = Buffer.alloc(0);

/** Marks a core slot whose header has not been parsed yet (undefined is a valid value). */
const UNSET: unique symbol = Symbol('unset');


function newCore(): unknown[] {
  return [UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET];
}

/**
 * The core array's entry after the slots: the Vias of the first Via field, when the parser
 * left the other Via fields to be parsed on first use of `via` (wire-parser.ts, parseViaHead);
 * UNSET otherwise. `topVia` reads it without parsing the rest.
 */
const VIA_HEAD = SLOT_COUNT;

/** A header value given in code: raw text, a number, or a typed value with toString(). */
export type HeaderValue = string | number | { toString(): string };
export type HeaderFields = ReadonlyArray<readonly [string, HeaderValue]> | Readonly<Record<string, HeaderValue | readonly HeaderValue[]>>;

function text(v: HeaderValue): string {
  const s = typeof v === 'string' ? v : String(v);
  // A CR or LF in a value would inject headers (RFC 3261 §7.3.1 allows neither after unfolding).
  if (/[\r\n]/.test(s)) throw new SIPBuildError('header value contains CR or LF');
  return s;
}

export abstract class SIPMessage {
  /** `SIP/2.0` */
  version = 'SIP/2.0';
  /** @internal the body once it is a Buffer of its own (see `body`). */
  private bodyBuf: Buffer = EMPTY;
  /**
   * @internal set by the parser's fast path: the received message, whose octets in `bodySpan`
   * (packed, wire-fields.ts) are the body. The view is made on first read of `body`: creating
   * a Buffer costs about as much as parsing a header, and many messages are handled without
   * their body being looked at.
   */
  private bodySrc: Buffer | undefined = undefined;
  private bodySpan = 0;

  /** The body, binary-safe. Its length is what Content-Length says on output. */
  get body(): Buffer {
    const src = this.bodySrc;
    if (src !== undefined) {
      this.bodyBuf = src.subarray(spanStart(this.bodySpan), spanEnd(this.bodySpan));
      this.bodySrc = undefined;
    }
    return this.bodyBuf;
  }

  set body(value: Buffer) {
    this.bodyBuf = value;
    this.bodySrc = undefined;
  }

  /**
   * @internal the header section as received (a latin1 string of the message's octets), which
   * `wire` points into; '' for built messages and after the fields were materialised.
   */
  private src = '';
  /**
   * @internal set by the parser's fast path: FIELD_STRIDE numbers per field — HEADER_DEFS id
   * (or an unknown name's span), value span — into `src` (layout: wire-fields.ts). The
   * strings of `names`/`keys`/`values` are cut from `src` only when raw access needs them, so
   * parsing a message allocates no string for a header nobody reads.
   */
  private wire: number[] | undefined = undefined;
  /** @internal field names as they are written (canonical for known headers); see fieldNames(). */
  private nameList: string[] | undefined = undefined;
  /** @internal lower-case keys, compact forms expanded. */
  private keyList: string[] | undefined = undefined;
  /** @internal raw values, unfolded, trimmed. */
  private valueList: string[] | undefined = undefined;
  /**
   * @internal set by the parser: the core Slot of each field (-1 for others), parallel to
   * `keys`, so that finding a core header's fields compares small integers instead of strings.
   * Dropped (undefined) by anything that adds, removes or reorders fields.
   */
  private slots: number[] | undefined = undefined;
  /**
   * @internal typed values of the core headers (core-slots.ts) by Slot, UNSET until parsed:
   * reading them costs an array load, not a string-keyed Map lookup. The Map below is created
   * only when some other typed header is read.
   */
  private core: unknown[] = newCore();
  /** @internal typed values of every other header, created on first use. */
  private cache: Map<string, unknown> | undefined = undefined;

  /** @internal names, keys and values as arrays (cut from the wire fields on first use). */
  protected get names(): string[] {
    return this.nameList ?? this.materialize().nameList!;
  }

  protected get keys(): string[] {
    return this.keyList ?? this.materialize().keyList!;
  }

  protected get values(): string[] {
    return this.valueList ?? this.materialize().valueList!;
  }

  /**
   * Turn the parser's wire fields into the name/key/value arrays that every mutation and most
   * raw reads work on (or create empty ones for a built message).
   */
  private materialize(): this {
    const wire = this.wire;
    const names: string[] = [];
    const keys: string[] = [];
    const values: string[] = [];
    if (wire !== undefined) {
      const src = this.src;
      const slots: number[] = [];
      for (let i = 0; i < wire.length; i += FIELD_STRIDE) {
        const id = wire[i];
        if (id >= 0) {
          const def = HEADER_DEFS[id];
          names.push(def.name);
          keys.push(def.key);
        } else {
          const span = unknownNameSpan(id);
          const name = src.slice(spanStart(span), spanEnd(span));
          names.push(name);
          keys.push(name.toLowerCase());
        }
        values.push(src.slice(spanStart(wire[i + 1]), spanEnd(wire[i + 1])));
        slots.push(id >= 0 ? SLOT_OF_ID[id] : -1);
      }
      this.slots = slots;
      this.wire = undefined;
    }
    this.nameList = names;
    this.keyList = keys;
    this.valueList = values;
    return this;
  }

  /** A wire field's value: its packed span cut from `src`. */
  private valueAt(span: number): string {
    return this.src.slice(spanStart(span), spanEnd(span));
  }

  /** @internal used by the parser's fast path: the body is src[start, end), both packable offsets (wire-fields.ts). */
  adoptBody(src: Buffer, start: number, end: number): void {
    this.bodySrc = src;
    this.bodySpan = packSpan(start, end);
  }

  /** @internal used by the parser's fast path: the fields, as offsets into `src`. */
  adoptWire(src: string, wire: number[]): void {
    this.src = src;
    this.wire = wire;
    this.nameList = undefined;
    this.keyList = undefined;
    this.valueList = undefined;
    this.slots = undefined;
  }

  /** @internal used by the parser: a core header's typed value, parsed and checked already. */
  setCore(slot: Slot, value: unknown): void {
    this.core[slot] = value;
  }

  /**
   * @internal used by the parser's fast path: the Vias of the first Via field, the other Via
   * fields to be parsed when `via` is first read.
   */
  setViaHead(vias: Via[]): void {
    this.core[VIA_HEAD] = vias;
  }

  /** @internal used by the parser: the eager field arrays (the general parser fills them in). */
  rawFields(): { names: string[]; keys: string[]; values: string[] } {
    if (this.nameList === undefined) this.materialize();
    return { names: this.nameList!, keys: this.keyList!, values: this.valueList! };
  }

  /** @internal used by the parser: the core Slot of each field of `rawFields()`. */
  setSlots(slots: number[]): void {
    this.slots = slots;
  }

  abstract get isRequest(): boolean;
  abstract startLine(): string;

  // ---- raw access -------------------------------------------------------------------------

  /** @internal used by the parser: append a field without validation or cache handling. */
  pushRaw(name: string, key: string, value: string): void {
    this.names.push(name);
    this.keys.push(key);
    this.values.push(value);
    this.slots = undefined;
  }

  /**
   * The HEADER_DEFS id of a known header when the fields are still wire offsets (so that a
   * lookup compares small integers and cuts only the value it returns); -1 otherwise.
   */
  private wireId(name: string): number {
    if (this.wire === undefined) return -1;
    const def = headerDef(name);
    return def === undefined ? -1 : def.id;
  }

  /** The first field value of a header (any spelling, compact forms included). */
  get(name: string): string | undefined {
    const id = this.wireId(name);
    if (id >= 0) {
      const wire = this.wire!;
      for (let i = 0; i < wire.length; i += FIELD_STRIDE) if (wire[i] === id) return this.valueAt(wire[i + 1]);
      return undefined;
    }
    const key = headerKey(name);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.values[i];
    return undefined;
  }

  /** Every field value of a header, in order, one per field line. */
  getAll(name: string): string[] {
    const out: string[] = [];
    const id = this.wireId(name);
    if (id >= 0) {
      const wire = this.wire!;
      for (let i = 0; i < wire.length; i += FIELD_STRIDE) if (wire[i] === id) out.push(this.valueAt(wire[i + 1]));
      return out;
    }
    const key = headerKey(name);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) out.push(this.values[i]);
    return out;
  }

  has(name: string): boolean {
    return this.count(name) > 0;
  }

  /** Number of field lines of a header. */
  count(name: string): number {
    let n = 0;
    const id = this.wireId(name);
    if (id >= 0) {
      const wire = this.wire!;
      for (let i = 0; i < wire.length; i += FIELD_STRIDE) if (wire[i] === id) n++;
      return n;
    }
    const key = headerKey(name);
    for (const k of this.keys) if (k === key) n++;
    return n;
  }

  /** All fields in order as [name, value]. */
  fields(): [string, string][] {
    return this.names.map((n, i) => [n, this.values[i]]);
  }

  /** Replace every field of a header by the given value(s), at the position of the first one. */
  set(name: string, value: HeaderValue | readonly HeaderValue[]): this {
    const def = headerDef(name);
    const key = def?.key ?? name.toLowerCase();
    const spelled = def?.name ?? name;
    const vals = (Array.isArray(value) ? value : [value as HeaderValue]).map(text);
    let at = this.keys.indexOf(key);
    this.removeKey(key);
    this.slots = undefined;
    if (at < 0 || at > this.keys.length) at = this.keys.length;
    this.names.splice(at, 0, ...vals.map(() => spelled));
    this.keys.splice(at, 0, ...vals.map(() => key));
    this.values.splice(at, 0, ...vals);
    return this;
  }

  /** Add a field after the last one (or at the end). */
  append(name: string, value: HeaderValue): this {
    const def = headerDef(name);
    const key = def?.key ?? name.toLowerCase();
    const at = this.keys.lastIndexOf(key);
    const pos = at < 0 ? this.keys.length : at + 1;
    this.slots = undefined;
    this.names.splice(pos, 0, def?.name ?? name);
    this.keys.splice(pos, 0, key);
    this.values.splice(pos, 0, text(value));
    this.invalidate(key);
    return this;
  }

  /** Add a field before the first one of its name (a new top Via, a pre-loaded Route). */
  prepend(name: string, value: HeaderValue): this {
    const def = headerDef(name);
    const key = def?.key ?? name.toLowerCase();
    const at = this.keys.indexOf(key);
    const pos = at < 0 ? 0 : at;
    this.slots = undefined;
    this.names.splice(pos, 0, def?.name ?? name);
    this.keys.splice(pos, 0, key);
    this.values.splice(pos, 0, text(value));
    this.invalidate(key);
    return this;
  }

  /** Remove every field of a header; returns how many were removed. */
  remove(name: string): number {
    return this.removeKey(headerKey(name));
  }

  /** Remove the first element of a list header (the top Via when a response goes upstream). */
  removeFirst(name: string): boolean {
    const key = headerKey(name);
    const i = this.keys.indexOf(key);
    if (i < 0) return false;
    const def = headerDef(name);
    if (def?.list) {
      const elements = splitList(this.values[i]);
      if (elements.length > 1) {
        this.values[i] = elements.slice(1).join(', ');
        this.invalidate(key);
        return true;
      }
    }
    this.names.splice(i, 1);
    this.keys.splice(i, 1);
    this.values.splice(i, 1);
    this.slots = undefined;
    this.invalidate(key);
    return true;
  }

  /** Drop the cached typed value of a header whose fields changed. */
  private invalidate(key: string): void {
    const slot = coreSlot(key);
    if (slot >= 0) {
      this.core[slot] = UNSET;
      if (slot === Slot.Via) this.core[VIA_HEAD] = UNSET;
    } else this.cache?.delete(key);
  }

  private removeKey(key: string): number {
    let n = 0;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] !== key) continue;
      this.names.splice(i, 1);
      this.keys.splice(i, 1);
      this.values.splice(i, 1);
      this.slots = undefined;
      n++;
    }
    this.invalidate(key);
    return n;
  }

  // ---- typed access -----------------------------------------------------------------------

  /**
   * A typed value computed from all fields of `key` by `parse` (given each field value) and
   * cached until the header changes. Parse errors are SIPParseError naming the header.
   */
  typed<T>(key: string, parse: (values: string[]) => T): T {
    const slot = coreSlot(key);
    if (slot !== -1) {
      const v = this.core[slot];
      if (v !== UNSET) return v as T;
      const parsed = parse(this.slotValues(slot, key));
      this.core[slot] = parsed;
      if (slot === Slot.Via) this.core[VIA_HEAD] = UNSET; // topVia now reads `parsed`
      return parsed;
    }
    const cache = (this.cache ??= new Map());
    if (cache.has(key)) return cache.get(key) as T;
    const v = parse(this.valuesOf(key));
    cache.set(key, v);
    return v;
  }

  /** Every field value of a lower-case key, in order. */
  private valuesOf(key: string): string[] {
    const vals: string[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) vals.push(this.values[i]);
    return vals;
  }

  /** Every field value of a core header, in order. */
  private slotValues(slot: Slot, key: string): string[] {
    const vals: string[] = [];
    const wire = this.wire;
    if (wire !== undefined) {
      const src = this.src;
      for (let i = 0; i < wire.length; i += FIELD_STRIDE) {
        const id = wire[i];
        if (id >= 0 && SLOT_OF_ID[id] === slot) vals.push(src.slice(spanStart(wire[i + 1]), spanEnd(wire[i + 1])));
      }
      return vals;
    }
    const slots = this.slots;
    if (slots === undefined) return this.valuesOf(key);
    for (let i = 0; i < slots.length; i++) if (slots[i] === slot) vals.push(this.values[i]);
    return vals;
  }

  /** A core header's typed value: cached in its slot, parsed by TYPED_PARSERS on first use. */
  private coreValue(slot: Slot, key: TypedHeaderName): unknown {
    const v = this.core[slot];
    if (v !== UNSET) return v;
    const parsed = this.parseCore(slot, key);
    this.core[slot] = parsed;
    return parsed;
  }

  /**
   * TYPED_PARSERS[key] applied to the header's fields, with the table entry named statically so
   * that each call site sees one function (a keyed lookup by a variable name is much slower).
   */
  private parseCore(slot: Slot, key: TypedHeaderName): unknown {
    switch (slot) {
      case Slot.Via: return this.parseVias();
      case Slot.Contact: return TYPED_PARSERS.contact(this.slotValues(slot, key));
      case Slot.Route: return TYPED_PARSERS.route(this.slotValues(slot, key));
      case Slot.RecordRoute: return TYPED_PARSERS['record-route'](this.slotValues(slot, key));
    }
    // Single-field headers: TYPED_PARSERS applies `first`, i.e. the parser to the first field.
    const v = this.firstSlotValue(slot, key);
    if (v === undefined) return undefined;
    switch (slot) {
      case Slot.From: return CORE_FIELD_PARSERS.from(v);
      case Slot.To: return CORE_FIELD_PARSERS.to(v);
      case Slot.CallId: return CORE_FIELD_PARSERS['call-id'](v);
      case Slot.CSeq: return CORE_FIELD_PARSERS.cseq(v);
      case Slot.MaxForwards: return CORE_FIELD_PARSERS['max-forwards'](v);
      case Slot.ContentLength: return CORE_FIELD_PARSERS['content-length'](v);
    }
  }

  /**
   * Every Via; the first field's from VIA_HEAD when the parser left the others for now. A
   * malformed field throws SIPParseError and leaves the head as it was, so `topVia` still reads.
   */
  private parseVias(): Via[] {
    const head = this.core[VIA_HEAD] as Via[] | typeof UNSET;
    const values = this.slotValues(Slot.Via, 'via');
    if (head === UNSET) return TYPED_PARSERS.via(values);
    const vias = head.concat(TYPED_PARSERS.via(values.slice(1)));
    this.core[VIA_HEAD] = UNSET;
    return vias;
  }

  /**
   * @internal used by the general parser and `topVia`: the first Via field parsed (SIPParseError
   * when it is malformed), which holds the top Via; the other fields are parsed on first use of
   * `via`.
   */
  parseViaHead(): Via[] {
    const values = this.slotValues(Slot.Via, 'via');
    const head = TYPED_PARSERS.via(values.slice(0, 1));
    if (values.length === 1) this.core[Slot.Via] = head;
    else this.core[VIA_HEAD] = head;
    return head;
  }

  /** The first field value of a core header, or undefined. */
  private firstSlotValue(slot: Slot, key: string): string | undefined {
    const wire = this.wire;
    if (wire !== undefined) {
      for (let i = 0; i < wire.length; i += FIELD_STRIDE) {
        const id = wire[i];
        if (id >= 0 && SLOT_OF_ID[id] === slot) return this.valueAt(wire[i + 1]);
      }
      return undefined;
    }
    const slots = this.slots;
    if (slots === undefined) return this.get(key);
    for (let i = 0; i < slots.length; i++) if (slots[i] === slot) return this.values[i];
    return undefined;
  }

  /**
   * The typed value of a header sipstate has a grammar for (see TypedHeaders), parsed from all
   * its fields on first use and cached. Throws SIPParseError when a field is malformed.
   */
  header<K extends TypedHeaderName>(name: K): TypedHeaders[K] {
    const slot = coreSlot(name);
    if (slot !== -1) return this.coreValue(slot, name) as TypedHeaders[K];
    return this.typed(name, TYPED_PARSERS[name] as (values: string[]) => TypedHeaders[K]);
  }

  /**
   * Every Via, top first (RFC 3261 §20.42). The parser checks only the first Via field (the
   * top Via); the others are parsed here on first use, and a malformed one throws SIPParseError.
   */
  get via(): Via[] {
    return this.coreValue(Slot.Via, 'via') as Via[];
  }

  /** The top Via (RFC 3261 §17.2.3, §18.2.1): what the transaction layer and transports read. */
  get topVia(): Via | undefined {
    const head = this.core[VIA_HEAD];
    if (head !== UNSET) return (head as Via[])[0];
    const all = this.core[Slot.Via];
    if (all !== UNSET) return (all as Via[])[0];
    // Only the first field: the others may be anything a previous hop wrote (see `via`).
    return this.parseViaHead()[0];
  }

  get from(): NameAddr | undefined {
    return this.coreValue(Slot.From, 'from') as NameAddr | undefined;
  }

  get to(): NameAddr | undefined {
    return this.coreValue(Slot.To, 'to') as NameAddr | undefined;
  }

  get callId(): string | undefined {
    return this.coreValue(Slot.CallId, 'call-id') as string | undefined;
  }

  get cseq(): CSeq | undefined {
    return this.coreValue(Slot.CSeq, 'cseq') as CSeq | undefined;
  }

  get contact(): ContactValue[] {
    return this.coreValue(Slot.Contact, 'contact') as ContactValue[];
  }

  get route(): NameAddr[] {
    return this.coreValue(Slot.Route, 'route') as NameAddr[];
  }

  get recordRoute(): NameAddr[] {
    return this.coreValue(Slot.RecordRoute, 'record-route') as NameAddr[];
  }

  /** Max-Forwards 0..255 (RFC 3261 §20.22), undefined when absent. */
  get maxForwards(): number | undefined {
    return this.coreValue(Slot.MaxForwards, 'max-forwards') as number | undefined;
  }

  /** The Content-Length header as received, undefined when absent (the body length is `body.length`). */
  get contentLength(): number | undefined {
    return this.coreValue(Slot.ContentLength, 'content-length') as number | undefined;
  }

  /** Expires (RFC 3261 §20.19): delta-seconds up to 2^32-1. */
  get expires(): number | undefined {
    return this.header('expires');
  }

  get contentType(): MediaType | undefined {
    return this.header('content-type');
  }

  /** The media type of the body, lower-case `type/subtype` without parameters. */
  get mimeType(): string | undefined {
    const v = this.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  }

  // ---- body -------------------------------------------------------------------------------

  /** Set the body and its Content-Type (or remove Content-Type when the body is empty). */
  setBody(body: Buffer | string, contentType?: string): this {
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (contentType !== undefined) this.set('Content-Type', contentType);
    else if (this.body.length === 0) this.remove('Content-Type');
    return this;
  }

  // ---- output -----------------------------------------------------------------------------

  /** The header section with canonical names and the real Content-Length, ending in CRLFCRLF. */
  headerSection(): string {
    let out = this.startLine() + '\r\n';
    let wroteLength = false;
    for (let i = 0; i < this.names.length; i++) {
      if (this.keys[i] === 'content-length') {
        if (wroteLength) continue;
        wroteLength = true;
        out += 'Content-Length: ' + this.body.length + '\r\n';
        continue;
      }
      out += this.names[i] + ': ' + this.values[i] + '\r\n';
    }
    if (!wroteLength) out += 'Content-Length: ' + this.body.length + '\r\n';
    return out + '\r\n';
  }

  toBuffer(): Buffer {
    const head = this.headerSection();
    const headLength = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafe(headLength + this.body.length);
    out.write(head, 0, 'utf8');
    this.body.copy(out, headLength);
    return out;
  }

  /** The message as text; the body is decoded as UTF-8 (use toBuffer() for binary bodies). */
  toString(): string {
    return this.headerSection() + this.body.toString('utf8');
  }

  /** Copy every field of `other` for the names given (in their order), replacing ours. */
  protected copyFields(from: SIPMessage, names: readonly string[]): void {
    this.slots = undefined;
    for (const name of names) {
      const key = headerKey(name);
      for (let i = 0; i < from.keys.length; i++) {
        if (from.keys[i] !== key) continue;
        this.names.push(from.names[i]);
        this.keys.push(key);
        this.values.push(from.values[i]);
      }
    }
  }

  protected addFields(headers: HeaderFields | undefined): void {
    if (!headers) return;
    const entries: [string, HeaderValue | readonly HeaderValue[]][] = Array.isArray(headers)
      ? (headers as ReadonlyArray<readonly [string, HeaderValue]>).map(([k, v]) => [k, v])
      : Object.entries(headers as Record<string, HeaderValue | readonly HeaderValue[]>);
    for (const [name, value] of entries) {
      if (Array.isArray(value)) for (const v of value) this.append(name, v as HeaderValue);
      else this.append(name, value as HeaderValue);
    }
  }
}

export interface RequestInit {
  method: string;
  uri: URI | string;
  headers?: HeaderFields;
  body?: Buffer | string;
}

/**
 * Passed by fromWire to the public constructors, which then skip validation: the parser fills
 * the fields in itself. Going through the constructor (rather than Object.create) gives parsed
 * and built messages the same hidden class, with every field stored in the object itself.
 */
const FROM_WIRE_REQUEST: RequestInit = Object.freeze({ method: '', uri: '' });
const FROM_WIRE_RESPONSE: ResponseInit = Object.freeze({ status: 0 });

export class SIPRequest extends SIPMessage {
  method: string = '';
  private uriText: string | undefined = undefined;
  private parsedUri: URI | undefined = undefined;

  constructor(init: RequestInit) {
    super();
    if (init === FROM_WIRE_REQUEST) return;
    if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(init.method)) throw new SIPBuildError(`bad method '${init.method}'`);
    this.method = init.method;
    if (typeof init.uri === 'string') {
      try {
        this.parsedUri = parseURI(init.uri);
      } catch (e) {
        throw new SIPBuildError(`bad Request-URI '${init.uri}': ${(e as Error).message}`);
      }
    } else this.parsedUri = init.uri;
    this.addFields(init.headers);
    if (init.body !== undefined) this.body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
  }

  /**
   * @internal the parser's constructor: the URI text as received, validated already; `uri` is
   * undefined when the parser only checked it (it is then parsed on first use).
   */
  static fromWire(method: string, uriText: string, uri: URI | undefined, version: string): SIPRequest {
    const r = new SIPRequest(FROM_WIRE_REQUEST);
    r.method = method;
    r.uriText = uriText;
    r.parsedUri = uri;
    r.version = version;
    return r;
  }

  get isRequest(): true {
    return true;
  }

  get uri(): URI {
    return this.parsedUri ?? (this.parsedUri = parseURI(this.uriText!, 'Request-URI'));
  }

  set uri(value: URI) {
    this.parsedUri = value;
    this.uriText = undefined;
  }

  /** The Request-URI as received (or as it will be written). */
  get requestUri(): string {
    return this.uriText ?? this.uri.toString();
  }

  startLine(): string {
    return `${this.method} ${this.requestUri} ${this.version}`;
  }

  /**
   * A response to this request with Via, From, To, Call-ID and CSeq copied (RFC 3261 §8.2.6.2),
   * and Timestamp for a 100 (§8.2.6.1). `toTag` is added to To when it has none.
   */
  createResponse(status: number, reason?: string, options: { toTag?: string; headers?: HeaderFields; body?: Buffer | string } = {}): SIPResponse {
    const res = new SIPResponse({ status, reason });
    res.copyFieldsFrom(this, status === 100 ? ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Timestamp'] : ['Via', 'From', 'To', 'Call-ID', 'CSeq']);
    if (options.toTag !== undefined && status !== 100) {
      const to = res.to;
      if (to && to.tag === undefined) {
        const copy = to.clone();
        copy.tag = options.toTag;
        res.set('To', copy);
      }
    }
    res.addFieldsFrom(options.headers);
    if (options.body !== undefined) res.body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
    return res;
  }
}

export interface ResponseInit {
  status: number;
  reason?: string;
  headers?: HeaderFields;
  body?: Buffer | string;
}

export class SIPResponse extends SIPMessage {
  status: number = 0;
  reason: string = '';

  constructor(init: ResponseInit) {
    super();
    if (init === FROM_WIRE_RESPONSE) return;
    if (!Number.isInteger(init.status) || init.status < 100 || init.status > 699) throw new SIPBuildError(`bad status code ${init.status}`);
    this.status = init.status;
    this.reason = init.reason ?? reasonPhrase(init.status);
    if (/[\r\n]/.test(this.reason)) throw new SIPBuildError('reason phrase contains CR or LF');
    this.addFields(init.headers);
    if (init.body !== undefined) this.body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
  }

  /** @internal the parser's constructor. */
  static fromWire(status: number, reason: string, version: string): SIPResponse {
    const r = new SIPResponse(FROM_WIRE_RESPONSE);
    r.status = status;
    r.reason = reason;
    r.version = version;
    return r;
  }

  get isRequest(): false {
    return false;
  }

  /** 1xx */
  get provisional(): boolean {
    return this.status < 200;
  }

  startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }

  /** @internal */
  copyFieldsFrom(req: SIPRequest, names: readonly string[]): void {
    this.copyFields(req, names);
  }

  /** @internal */
  addFieldsFrom(headers: HeaderFields | undefined): void {
    this.addFields(headers);
  }
}

export type SIPMessageObject = SIPRequest | SIPResponse;

/**
 * Split a list header value on the commas that separate elements (RFC 3261 §7.3.1), never
 * inside a quoted-string or angle brackets.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60) depth++;
    else if (c === 62 && depth > 0) depth--;
    else if (c === 44 && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/**
 * A response to a request the parser refused, built from the raw headers it could still read
 * (RFC 3261 §8.2.6.2: Via, From, To, Call-ID and CSeq are copied; a To tag is added). Used by
 * transports to answer 400 / 505 / 513 for a malformed request.
 */
export function responseFromSalvage(
  salvage: { readonly via: readonly string[]; readonly from: string; readonly to: string; readonly callId: string; readonly cseq: string },
  status: number,
  reason?: string,
  toTag?: string,
): SIPResponse {
  const res = new SIPResponse({ status, reason });
  for (const via of salvage.via) res.append('Via', via);
  res.append('From', salvage.from);
  // Add a tag only when To has none; the To value may itself be malformed, so keep it textual.
  res.append('To', toTag && !/;\s*tag\s*=/i.test(salvage.to) ? `${salvage.to};tag=${toTag}` : salvage.to);
  res.append('Call-ID', salvage.callId);
  res.append('CSeq', salvage.cseq);
  return res;
}
