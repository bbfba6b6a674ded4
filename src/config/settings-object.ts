/**
 * SettingsObject: a group of typed settings that is read directly and changed through a staged
 * editor (R-ACC-2).
 *
 *   account.sip.register_interval                    // read: the committed value, typed
 *   const edit = account.edit();                     // a private staging container
 *   edit.set('sip.register_interval', 300);          // checked at once (SettingsError)
 *   edit.get('sip.register_interval');               // 300 — only this editor sees it
 *   await edit.save();                               // validated, persisted, then visible
 *
 * Why an explicit editor and not `account.x = v; account.save()` as in python: assignments on a
 * shared object are seen by every reader at once and mix with other writers' half-done changes
 * (R-ACC-2). An editor's changes are invisible to everyone — other editors included — until its
 * `save()`, which applies them as one unit: everything or nothing.
 *
 * Consistency rules:
 * - The committed values are one frozen tree, replaced whole by a save: a reader holding
 *   `account.sip` keeps a consistent snapshot; nobody sees half a save.
 * - Saves (and deletes) of every object of one ConfigurationManager run one at a time, each
 *   applied on top of the latest committed state. Two editors changing different settings both
 *   land; changing the same setting, the later save wins — never a mix within one save.
 * - A save checks every setting and every cross-setting rule, writes the whole configuration
 *   through the ConfigurationBackend (atomically), and only then changes memory and posts
 *   `CFGSettingsObjectDidChange` { modified: { 'sip.register_interval': { old, new } } }
 *   (a new object's first save posts `CFGSettingsObjectWasCreated` instead). If anything
 *   fails — validation or I/O — nothing changes, the editor keeps its staged changes, and the
 *   error is thrown.
 * - A save that changes nothing writes nothing and posts nothing.
 *
 * Settings are also readable as typed properties: each subclass merges `ValuesOf<its schema>`
 * into its interface, and `exposeSettings` defines the matching getters.
 */
import type { NotificationCenter } from '../api/notification-center.js';
import { SettingsError } from './errors.js';
import {
  buildValues,
  checkSettingValue,
  defaultOf,
  findSetting,
  jsonEqual,
  settingPaths,
  valueAt,
  type SettingPath,
  type SettingsChanges,
  type SettingsContext,
  type SettingsFields,
  type SettingsGroup,
  type SettingValue,
  type ValuesOf,
} from './schema.js';

/** What changed in one save, by dotted setting path. */
export type SettingsModified = Record<string, { readonly old: unknown; readonly new: unknown }>;

declare module '../api/notification-center.js' {
  interface NotificationDataMap {
    /** A save changed settings; sender: the settings object. */
    CFGSettingsObjectDidChange: { modified: SettingsModified };
    /** A new object (an account) was saved for the first time. */
    CFGSettingsObjectWasCreated: Record<never, never>;
    /** The object was removed from the configuration by `delete()`. */
    CFGSettingsObjectWasDeleted: Record<never, never>;
  }
}

/** What a SettingsObject needs from the ConfigurationManager that owns it. */
export interface SettingsStore {
  readonly notifications: NotificationCenter;
  /** Run `task` after every earlier save/delete of this store, one at a time. */
  exclusive<R>(task: () => Promise<R>): Promise<R>;
  /**
   * Persist the whole configuration with `object`'s stored tree replaced (undefined: removed).
   * Throws (SettingsError, StorageError) without changing anything when it cannot.
   */
  write(object: object, stored: Readonly<Record<string, unknown>> | undefined): Promise<void>;
}

export interface SettingsObjectInit<F extends SettingsFields> {
  readonly schema: SettingsGroup<F>;
  readonly store: SettingsStore;
  /** The id computed defaults may use (the account id); also in error messages. */
  readonly id: string;
  /** How errors name the object: `global`, `account alice@example.com`. */
  readonly label: string;
  /** The stored tree (explicitly set values, plus unknown keys kept as they are). */
  readonly stored?: Readonly<Record<string, unknown>>;
  /** Whether it is in the configuration already (false for a new account until saved). */
  readonly persisted: boolean;
  /** Whether `delete()` is allowed (not for the global settings or the bonjour account). */
  readonly deletable: boolean;
}

type Staged = { readonly kind: 'set'; readonly value: unknown } | { readonly kind: 'reset' };

interface Internals {
  commit(batch: ReadonlyMap<string, Staged>): Promise<SettingsModified>;
  /** The value checked for the setting at `path` (SettingsError when bad or no such setting). */
  check(path: string, value: unknown): unknown;
  /** The default of the setting at `path`. */
  defaultAt(path: string): unknown;
}

// Reachable only from this module: editors commit through it, users cannot bypass an editor.
const internals = new WeakMap<object, Internals>();

function cloneJSON<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of `stored` with the staged changes applied; reset settings lose their explicit value. */
function applyBatch(stored: Readonly<Record<string, unknown>>, batch: ReadonlyMap<string, Staged>): Record<string, unknown> {
  const out = cloneJSON(stored) as Record<string, unknown>;
  for (const [path, change] of batch) {
    const parts = path.split('.');
    const leaf = parts.pop()!;
    const chain: Record<string, unknown>[] = [out];
    let node = out;
    for (const part of parts) {
      let next = node[part];
      if (!isObject(next)) {
        if (change.kind === 'reset') break;
        next = node[part] = {};
      }
      node = next as Record<string, unknown>;
      chain.push(node);
    }
    if (chain.length !== parts.length + 1) continue; // reset under a missing group: nothing set
    if (change.kind === 'set') node[leaf] = cloneJSON(change.value);
    else {
      delete node[leaf];
      // Drop groups the reset left empty, so the file holds only what was set.
      for (let i = parts.length; i > 0 && Object.keys(chain[i]!).length === 0; i--) delete chain[i - 1]![parts[i - 1]!];
    }
  }
  return out;
}

export abstract class SettingsObject<F extends SettingsFields = SettingsFields> {
  readonly schema: SettingsGroup<F>;
  readonly label: string;
  #store: SettingsStore;
  #context: SettingsContext;
  #stored: Readonly<Record<string, unknown>>;
  #values: ValuesOf<F>;
  #persisted: boolean;
  #deletable: boolean;
  #deleted = false;

  /** Throws SettingsError when a stored value is malformed (naming it). */
  constructor(init: SettingsObjectInit<F>) {
    this.schema = init.schema;
    this.label = init.label;
    this.#store = init.store;
    this.#context = Object.freeze({ id: init.id });
    this.#stored = init.stored ?? {};
    this.#values = buildValues(init.schema, this.#stored, this.#context, init.label);
    this.#persisted = init.persisted;
    this.#deletable = init.deletable;
    internals.set(this, {
      commit: (batch) => this.#commit(batch),
      check: (path, value) => checkSettingValue(this.#setting(path), path, value, this.label),
      defaultAt: (path) => defaultOf(this.#setting(path), this.#context),
    });
  }

  /** All committed values, as one frozen tree. */
  get values(): ValuesOf<F> {
    return this.#values;
  }

  /** The committed value at a dotted path. */
  get<P extends SettingPath<F>>(path: P): SettingValue<F, P> {
    this.#setting(path);
    return valueAt(this.#values, path) as SettingValue<F, P>;
  }

  /** Whether the setting has an explicit value (stored), rather than its default. */
  isSet(path: SettingPath<F>): boolean {
    this.#setting(path);
    return valueAt(this.#stored, path) !== undefined;
  }

  /** The value the setting has when not set explicitly. */
  defaultOf<P extends SettingPath<F>>(path: P): SettingValue<F, P> {
    return defaultOf(this.#setting(path), this.#context) as SettingValue<F, P>;
  }

  /** Whether it is in the stored configuration (a new account is not until its first save). */
  get saved(): boolean {
    return this.#persisted;
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  /** A new private staging container for changes to this object. */
  edit(): SettingsEditor<F> {
    this.#assertAlive();
    return new SettingsEditor(this);
  }

  /** Stage `changes` in a new editor and save it: `await account.update({ enabled: true })`. */
  update(changes: SettingsChanges<F>): Promise<SettingsModified> {
    const editor = this.edit();
    for (const [path, value] of Object.entries(changes)) if (value !== undefined) editor.set(path as SettingPath<F>, value as SettingValue<F, SettingPath<F>>);
    return editor.save();
  }

  /** Remove the object from the configuration; posts CFGSettingsObjectWasDeleted. */
  delete(): Promise<void> {
    if (!this.#deletable) return Promise.reject(new SettingsError('', 'cannot be deleted', this.label));
    return this.#store.exclusive(async () => {
      if (this.#deleted) return;
      const wasPersisted = this.#persisted;
      if (wasPersisted) await this.#store.write(this, undefined);
      this.#deleted = true;
      this.#persisted = false;
      if (wasPersisted) this.#store.notifications.post('CFGSettingsObjectWasDeleted', this, {});
    });
  }

  /** The setting at `path`, or a SettingsError naming it. */
  #setting(path: string) {
    const s = typeof path === 'string' ? findSetting(this.schema as unknown as SettingsGroup<SettingsFields>, path) : undefined;
    if (!s) throw new SettingsError(String(path), 'no such setting', this.label);
    return s;
  }

  #assertAlive(): void {
    if (this.#deleted) throw new SettingsError('', 'was deleted', this.label);
  }

  #commit(batch: ReadonlyMap<string, Staged>): Promise<SettingsModified> {
    return this.#store.exclusive(async () => {
      this.#assertAlive();
      // Applied to the latest committed state (saves are serialised), so concurrent editors'
      // saves stack instead of overwriting each other with stale copies.
      const stored = applyBatch(this.#stored, batch);
      const values = buildValues(this.schema, stored, this.#context, this.label);
      const modified: SettingsModified = {};
      for (const [path] of settingPaths(this.schema as unknown as SettingsGroup<SettingsFields>)) {
        const before = valueAt(this.#values, path);
        const after = valueAt(values, path);
        if (!jsonEqual(before, after)) modified[path] = Object.freeze({ old: before, new: after });
      }
      const wasPersisted = this.#persisted;
      if (wasPersisted && jsonEqual(stored, this.#stored)) return modified;
      await this.#store.write(this, stored);
      this.#stored = stored;
      this.#values = values;
      this.#persisted = true;
      if (!wasPersisted) this.#store.notifications.post('CFGSettingsObjectWasCreated', this, {});
      else if (Object.keys(modified).length > 0) this.#store.notifications.post('CFGSettingsObjectDidChange', this, { modified });
      return modified;
    });
  }
}

/**
 * Staged changes to one SettingsObject, private to whoever holds the editor. `save()` may be
 * called again after more changes; after a successful save the editor is empty.
 */
export class SettingsEditor<F extends SettingsFields = SettingsFields> {
  readonly target: SettingsObject<F>;
  #staged = new Map<string, Staged>();
  #target: Internals;

  constructor(target: SettingsObject<F>) {
    this.target = target;
    this.#target = internals.get(target)!;
  }

  /** Stage a value; a bad value or unknown path throws SettingsError now. */
  set<P extends SettingPath<F>>(path: P, value: SettingValue<F, P>): this {
    const checked = this.#target.check(path, value);
    this.#staged.set(path, { kind: 'set', value: checked });
    return this;
  }

  /** Stage a return to the default (the explicit value is removed from storage on save). */
  reset(path: SettingPath<F>): this {
    this.#target.defaultAt(path); // throws for an unknown path
    this.#staged.set(path, { kind: 'reset' });
    return this;
  }

  /** The value as this editor sees it: staged, else committed. */
  get<P extends SettingPath<F>>(path: P): SettingValue<F, P> {
    const s = this.#staged.get(path);
    if (s?.kind === 'set') return s.value as SettingValue<F, P>;
    if (s?.kind === 'reset') return this.#target.defaultAt(path) as SettingValue<F, P>;
    return this.target.get(path);
  }

  /** The paths with staged changes, in the order first staged. */
  get pending(): string[] {
    return [...this.#staged.keys()];
  }

  /** Drop every staged change. */
  discard(): void {
    this.#staged.clear();
  }

  /**
   * Validate and persist the staged changes as one unit, then make them visible and post
   * CFGSettingsObjectDidChange. Resolves with what changed. On any error nothing changes and
   * the changes stay staged (fix and save again, or discard).
   */
  async save(): Promise<SettingsModified> {
    const batch = new Map(this.#staged);
    const modified = await this.#target.commit(batch);
    // Keep what was staged while the save ran.
    for (const [path, change] of batch) if (this.#staged.get(path) === change) this.#staged.delete(path);
    return modified;
  }
}

/**
 * Define a getter on `prototype` for each top-level setting or group of `schema`, returning the
 * committed value (the properties `ValuesOf<schema>` promises through interface merging).
 */
export function exposeSettings(prototype: object, schema: SettingsGroup<SettingsFields>): void {
  for (const name of Object.keys(schema.fields)) {
    if (name in prototype) throw new TypeError(`setting ${name} would hide ${prototype.constructor.name}.${name}`);
    Object.defineProperty(prototype, name, {
      get(this: SettingsObject) {
        return (this.values as Record<string, unknown>)[name];
      },
      enumerable: false,
      configurable: false,
    });
  }
}
