/**
 * The inspection hub: the one place that knows every live actor of the SDK and, only while
 * someone listens (the visualizer, a test, a log), streams what they do as plain JSON messages
 * with their secrets redacted (actors/redact.ts).
 *
 * Owners register the actors they create (`register` right after `createActor`, `unregister`
 * when they stop or forget them): a Map set and a Map delete, nothing else, so the hub costs
 * nothing while nobody listens (design, "Measured constraints": an attached `inspect` hook slows
 * actors by 30-46%). While someone listens:
 * - `observer` is the `inspect` option owners give the actors they create then, so those are
 *   followed from their first event;
 * - actors that already existed are followed through their system (`actor.system.inspect`, the
 *   same inspection events), attached when the first listener arrives and dropped when the last
 *   one leaves;
 * - an actor a registered actor spawns or invokes is announced on its first activity, owned by
 *   its parent.
 * Everything is built on XState's `@xstate.snapshot` and `@xstate.event` inspection events
 * (`@xstate.actor` comes before an actor has a snapshot: the announcement waits for `register`).
 *
 * Ownership is logical (design: the owner id given at registration), not XState's parent.
 */
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import { redact } from './redact.js';

export type InspectionMessage =
  | {
      type: 'actor';
      id: string;
      /** The machine's id ('session', 'dialog', 'ict', 'nist'...). */
      kind: string;
      /** The id of the actor that owns it (logical ownership), or null. */
      owner: string | null;
      /** The machine's definition (`machine.toJSON()` as plain JSON), null for other logic. */
      definition: unknown;
      value: unknown;
      context: unknown;
      status: string;
      at: number;
    }
  | { type: 'snapshot'; id: string; value: unknown; context: unknown; status: string; at: number }
  | { type: 'event'; id: string; event: { type: string; [k: string]: unknown }; source: string | null; at: number }
  | { type: 'stopped'; id: string; at: number };

export interface InspectionListener {
  (message: InspectionMessage): void;
}

type Observer = (event: InspectionEvent) => void;
type System = AnyActorRef['system'];

interface Entry {
  readonly actor: AnyActorRef;
  /** The id asked for at registration; `id` once announced (made printable and unique). */
  readonly wanted: string;
  id: string | undefined;
  owner: string | null;
  readonly kind: string | undefined;
  /** Unregistered while followed: waiting for its last snapshot. */
  leaving: boolean;
  gone: boolean;
}

/** Internals of an XState Actor the hub reads (not on the ActorRef interface). */
interface ActorInternals {
  logic?: { id?: string; config?: { id?: string }; root?: unknown; toJSON?: () => unknown };
  options?: { inspect?: unknown };
  _parent?: AnyActorRef;
}

const NO_OPTIONS: { inspect?: Observer } = Object.freeze({});
/** While nobody listens, dead entries an owner forgot to unregister are swept past this size. */
const SWEEP_MIN = 4096;

export class InspectionHub {
  private readonly entries = new Map<AnyActorRef, Entry>();
  /** Announced ids (unique among live actors). */
  private readonly ids = new Map<string, Entry>();
  private readonly listeners = new Set<{ listener: InspectionListener }>();
  /** One `system.inspect` per followed system (a root actor's), while listening. */
  private readonly systems = new Map<System, Subscription>();
  private readonly definitions = new WeakMap<object, unknown>();
  private readonly inspectFn: Observer = (e) => this.inspected(e);
  /** Raw XState inspection events, for bridges to other inspectors (the Stately one). */
  private readonly taps = new Set<(e: InspectionEvent) => void>();
  private readonly listeningOptions: { inspect?: Observer } = Object.freeze({ inspect: this.inspectFn });
  private sweepAt = SWEEP_MIN;

  /** The `inspect` option to pass to createActor: undefined while nobody listens. */
  get observer(): Observer | undefined {
    return this.listeners.size ? this.inspectFn : undefined;
  }

  /**
   * `{ inspect }` while someone listens, `{}` otherwise (the same frozen objects every time): spread
   * it into createActor's options, `createActor(logic, { id, input, ...inspectionHub.options })`.
   */
  get options(): { inspect?: Observer } {
    return this.listeners.size ? this.listeningOptions : NO_OPTIONS;
  }

  /** Live actors now. */
  get size(): number {
    return this.entries.size;
  }

  /** Inspection subscriptions held now (0 while nobody listens): for tests. */
  get subscriptionCount(): number {
    return this.systems.size;
  }

  /** True while at least one listener is attached. */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  /**
   * Record an actor right after `createActor` (before `start()`, so that its first events are
   * seen): its id, its logical owner's id and its kind (default: the machine's id).
   */
  register(actor: AnyActorRef, info: { id: string; owner?: string; kind?: string }): void {
    if (this.entries.has(actor)) return;
    const entry: Entry = { actor, wanted: info.id, id: undefined, owner: info.owner ?? null, kind: info.kind, leaving: false, gone: false };
    this.entries.set(actor, entry);
    if (this.listeners.size) {
      this.follow(entry);
      this.emit(this.actorMessage(entry));
    } else if (this.entries.size >= this.sweepAt) this.sweep();
  }

  /**
   * Give a registered actor its logical owner after the fact: the dialog layer creates dialogs
   * and the transaction layer transactions before the session that owns them is known. Listeners
   * get the actor again with its new owner (the page moves it under the owner).
   */
  adopt(actor: AnyActorRef, owner: string): void {
    const entry = this.entries.get(actor);
    if (!entry || entry.owner === owner) return;
    entry.owner = owner;
    if (this.listeners.size && entry.id !== undefined && !entry.gone) this.emit(this.actorMessage(entry));
  }

  /** The owner stopped or forgot the actor (safe to call twice, or for an actor never registered). */
  unregister(actor: AnyActorRef): void {
    const entry = this.entries.get(actor);
    if (!entry || entry.leaving) return;
    if (this.listeners.size && statusOf(actor) === 'active') {
      // Owners unregister in the action that leads to the final state: let the final snapshot
      // (and any event still queued) arrive, then say it stopped.
      entry.leaving = true;
      queueMicrotask(() => this.finish(entry));
      return;
    }
    this.finish(entry);
  }

  /**
   * Start listening: an 'actor' message for every live actor first (its current snapshot), then
   * every snapshot, event and stop as they happen. Returns the function that stops listening;
   * when the last listener leaves, every subscription the hub made is dropped.
   */
  listen(listener: InspectionListener): () => void {
    const box = { listener };
    const first = this.listeners.size === 0;
    this.listeners.add(box);
    const replay: InspectionMessage[] = [];
    for (const entry of [...this.entries.values()]) {
      if (entry.leaving) continue;
      if (statusOf(entry.actor) !== 'active') {
        // Finished while nobody listened, and never unregistered.
        this.finish(entry);
        continue;
      }
      if (first) this.follow(entry);
      replay.push(this.actorMessage(entry));
    }
    for (const m of replay) if (this.listeners.has(box)) deliver(box, m);
    return () => {
      if (!this.listeners.delete(box) || this.listeners.size) return;
      for (const sub of this.systems.values()) sub.unsubscribe();
      this.systems.clear();
    };
  }

  /**
   * Receive the raw XState inspection events (`@xstate.actor`, `@xstate.snapshot`,
   * `@xstate.event`) of every inspected actor, for a bridge to another inspector. Only delivered
   * while someone `listen`s (the bridge listens too); unredacted: the bridge must redact.
   */
  tap(fn: (e: InspectionEvent) => void): () => void {
    this.taps.add(fn);
    return () => void this.taps.delete(fn);
  }

  // ---- following -----------------------------------------------------------------------------

  /** Follow an actor's system unless the hub's observer was attached at creation. */
  private follow(entry: Entry): void {
    const root = rootOf(entry.actor);
    if ((root as ActorInternals).options?.inspect === this.inspectFn) return;
    const system = root.system;
    if (!system || this.systems.has(system)) return;
    this.systems.set(system, system.inspect(this.inspectFn));
  }

  private inspected(e: InspectionEvent): void {
    if (!this.listeners.size) return;
    for (const tap of this.taps) {
      try {
        tap(e);
      } catch {
        // a bridge's failure never reaches the actors
      }
    }
    if (e.type === '@xstate.snapshot') {
      const entry = this.entryOf(e.actorRef as AnyActorRef);
      if (!entry) return;
      const snapshot = e.snapshot as SnapshotLike;
      this.emit({ type: 'snapshot', id: this.idOf(entry), ...stateOf(snapshot), at: Date.now() });
      if (snapshot.status !== 'active') this.finish(entry);
    } else if (e.type === '@xstate.event') {
      const entry = this.entryOf(e.actorRef as AnyActorRef);
      if (!entry) return;
      const source = e.sourceRef ? (this.entries.get(e.sourceRef as AnyActorRef) ?? this.entryOf(e.sourceRef as AnyActorRef)) : undefined;
      this.emit({
        type: 'event',
        id: this.idOf(entry),
        event: eventOf(e.event),
        source: source ? this.idOf(source) : e.sourceRef ? String((e.sourceRef as AnyActorRef).id) : null,
        at: Date.now(),
      });
    }
  }

  /** A registered actor, or a child of one (announced now, owned by its parent). */
  private entryOf(ref: AnyActorRef): Entry | undefined {
    const known = this.entries.get(ref);
    if (known) return known.gone ? undefined : known;
    const parentRef = (ref as ActorInternals)._parent;
    if (!parentRef) return undefined;
    const parent = this.entryOf(parentRef);
    const snapshot = ref.getSnapshot() as SnapshotLike | undefined;
    if (!parent || !snapshot || snapshot.status !== 'active') return undefined;
    const parentId = this.idOf(parent);
    const entry: Entry = { actor: ref, wanted: `${parentId}/${ref.id}`, id: undefined, owner: parentId, kind: undefined, leaving: false, gone: false };
    this.entries.set(ref, entry);
    this.emit(this.actorMessage(entry));
    return entry;
  }

  /** Remove an entry; 'stopped' to the listeners if any. */
  private finish(entry: Entry): void {
    if (entry.gone) return;
    entry.gone = true;
    if (this.entries.get(entry.actor) === entry) this.entries.delete(entry.actor);
    if (entry.id !== undefined && this.ids.get(entry.id) === entry) this.ids.delete(entry.id);
    if (!(entry.actor as ActorInternals)._parent) {
      const system = entry.actor.system;
      const sub = system && this.systems.get(system);
      if (sub) {
        sub.unsubscribe();
        this.systems.delete(system);
      }
    }
    if (this.listeners.size && entry.id !== undefined) this.emit({ type: 'stopped', id: entry.id, at: Date.now() });
  }

  /** Drop the entries of actors that ended without being unregistered (bounds a leak). */
  private sweep(): void {
    for (const entry of [...this.entries.values()]) if (statusOf(entry.actor) !== 'active') this.finish(entry);
    this.sweepAt = Math.max(SWEEP_MIN, 2 * this.entries.size);
  }

  // ---- messages ------------------------------------------------------------------------------

  private emit(message: InspectionMessage): void {
    for (const box of this.listeners) deliver(box, message);
  }

  /** The entry's id, made printable and unique among live actors the first time it is shown. */
  private idOf(entry: Entry): string {
    if (entry.id !== undefined) return entry.id;
    const base = entry.wanted.replace(/[\u0000-\u001f\u007f]+/g, ' ');
    let id = base;
    for (let n = 2; this.ids.has(id); n++) id = `${base}#${n}`;
    entry.id = id;
    this.ids.set(id, entry);
    return id;
  }

  private actorMessage(entry: Entry): InspectionMessage {
    const logic = (entry.actor as ActorInternals).logic;
    return {
      type: 'actor',
      id: this.idOf(entry),
      kind: entry.kind ?? logic?.id ?? logic?.config?.id ?? (typeof entry.actor.src === 'string' ? entry.actor.src : 'actor'),
      owner: entry.owner,
      definition: this.definitionOf(logic),
      ...stateOf(entry.actor.getSnapshot() as SnapshotLike | undefined),
      at: Date.now(),
    };
  }

  /** `machine.toJSON()` as plain JSON, once per machine definition (shared by every actor of it). */
  private definitionOf(logic: ActorInternals['logic']): unknown {
    if (!logic || typeof logic.toJSON !== 'function' || !logic.root) return null;
    // `provide()` makes a new machine with the same config: one definition for all of them.
    const key = logic.config ?? logic;
    let definition = this.definitions.get(key);
    if (definition === undefined) {
      try {
        definition = plainDefinition(logic.toJSON(), 0, new Set());
      } catch (e) {
        definition = { error: `no definition: ${e instanceof Error ? e.message : String(e)}` };
      }
      this.definitions.set(key, definition);
    }
    return definition;
  }
}

interface SnapshotLike {
  status?: string;
  value?: unknown;
  context?: unknown;
}

function statusOf(actor: AnyActorRef): string | undefined {
  return (actor.getSnapshot() as SnapshotLike | undefined)?.status;
}

function rootOf(actor: AnyActorRef): AnyActorRef {
  let a = actor;
  for (let p = (a as ActorInternals)._parent; p; p = (a as ActorInternals)._parent) a = p;
  return a;
}

function stateOf(snapshot: SnapshotLike | undefined): { value: unknown; context: unknown; status: string } {
  return {
    // State values are state names: nothing to redact, and already plain JSON.
    value: snapshot?.value ?? null,
    context: snapshot?.context === undefined ? null : redact(snapshot.context),
    status: snapshot?.status ?? 'active',
  };
}

function eventOf(event: unknown): { type: string; [k: string]: unknown } {
  const copy = redact(event);
  const type = (event as { type?: unknown } | null)?.type;
  if (copy && typeof copy === 'object' && !Array.isArray(copy)) return { ...(copy as Record<string, unknown>), type: typeof type === 'string' ? type : String(type) };
  return { type: typeof type === 'string' ? type : 'unknown', value: copy };
}

function deliver(box: { listener: InspectionListener }, message: InspectionMessage): void {
  try {
    box.listener(message);
  } catch {
    // A listener's failure must not reach the actor that is being inspected.
  }
}

/** A guard as text: 'isProvisional', 'and(isFinal, not(is2xx))'. */
function guardText(g: unknown): string {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const f = g as { name?: string; guards?: unknown[]; stateValue?: unknown };
    if (Array.isArray(f.guards)) return `${f.name || 'guard'}(${f.guards.map(guardText).join(', ')})`;
    if (f.stateValue !== undefined) return `stateIn(${JSON.stringify(f.stateValue)})`;
    return f.name || 'guard';
  }
  if (g && typeof g === 'object' && typeof (g as { type?: unknown }).type === 'string') return (g as { type: string }).type;
  return String(g);
}

/** A state machine definition as plain JSON (as JSON.stringify would see it; functions named). */
function plainDefinition(v: unknown, depth: number, seen: Set<object>, key = '', fromToJSON = false): unknown {
  if (key === 'guard' && v !== undefined) return guardText(v);
  if (typeof v === 'function') return `<function ${(v as { name?: string }).name || 'anonymous'}>`;
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' || typeof v === 'symbol' ? String(v) : v;
  if (seen.has(v) || depth > 64) return '[circular]';
  const json = (v as { toJSON?: unknown }).toJSON;
  // Like JSON.stringify: a value's toJSON() once, then the result's own properties.
  if (typeof json === 'function' && !fromToJSON && !(v instanceof Date)) {
    const own = json.call(v);
    if (own !== v) return plainDefinition(own, depth, seen, key, true);
  }
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((item) => plainDefinition(item, depth + 1, seen) ?? null);
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
      return `<${(v as { constructor?: { name?: string } }).constructor?.name ?? 'object'}>`;
    }
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      if (k === 'toJSON' || item === undefined) continue;
      out[k] = plainDefinition(item, depth + 1, seen, k);
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

/** The process-wide hub. */
export const inspectionHub = new InspectionHub();
