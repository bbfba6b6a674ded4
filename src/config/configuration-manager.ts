/**
 * ConfigurationManager: loads the settings tree from the storage's ConfigurationBackend into
 * typed objects, and writes it back whole on every save.
 *
 * Stored layout (config.json for FileStorage):
 *
 *   {
 *     "global":          { "sip": { "listen_address": "0.0.0.0" }, ... },
 *     "accounts":        { "alice@example.com": { "enabled": true, ... }, ... },
 *     "bonjour_account": { ... },
 *     ...anything else: kept as it is
 *   }
 *
 * Only explicitly set values are stored. Keys this version does not know — at the top, or
 * inside an object — are preserved on every save (a newer version's settings survive a run of
 * an older one). Accounts keep their insertion order (R-ACC-4): the order of `accounts` in the
 * file, new accounts appended on their first save. JSON objects keep key order for any key that
 * is not an array index, and an account id always contains '@'.
 *
 * Loading is all or nothing: a malformed file is a StorageError, a malformed value a
 * SettingsError naming the object and setting; the manager then stays unloaded and `load()` may
 * be called again once the cause is fixed (R-APP-2: SIPApplication.start can be retried).
 */
import { defaultNotificationCenter, type NotificationCenter } from '../api/notification-center.js';
import type { ConfigurationBackend, ISIPSimpleStorage } from '../storage/types.js';
import { AccountSettings, BonjourAccountSettings, checkAccountId } from './account-settings.js';
import { SettingsError } from './errors.js';
import { GlobalSettings } from './global-settings.js';
import { describeValue } from './datatypes.js';
import type { SettingsObject, SettingsStore } from './settings-object.js';

const GLOBAL = 'global';
const ACCOUNTS = 'accounts';
const BONJOUR = 'bonjour_account';

export interface ConfigurationManagerOptions {
  /** Where settings objects post their notifications (default: the process-wide center). */
  notifications?: NotificationCenter;
}

interface Loaded {
  root: Record<string, unknown>;
  global: GlobalSettings;
  bonjour: BonjourAccountSettings;
  /** Saved accounts, in stored order. */
  accounts: Map<string, AccountSettings>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class ConfigurationManager {
  readonly backend: ConfigurationBackend;
  readonly notifications: NotificationCenter;
  #loaded: Loaded | undefined;
  #loading: Promise<void> | undefined;
  #queue: Promise<void> = Promise.resolve();
  readonly #store: SettingsStore;

  constructor(storage: ISIPSimpleStorage, options: ConfigurationManagerOptions = {}) {
    this.backend = storage.configurationBackend;
    this.notifications = options.notifications ?? defaultNotificationCenter;
    this.#store = {
      notifications: this.notifications,
      exclusive: (task) => this.#exclusive(task),
      write: (object, stored) => this.#write(object, stored),
    };
  }

  get loaded(): boolean {
    return this.#loaded !== undefined;
  }

  /**
   * Read the configuration and build every settings object. Resolves at once when already
   * loaded. On failure (StorageError, SettingsError) nothing is kept, and it may be retried.
   */
  load(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    this.#loading ??= this.#exclusive(async () => {
      try {
        if (!this.#loaded) this.#loaded = this.#build(await this.backend.load());
      } finally {
        this.#loading = undefined;
      }
    });
    return this.#loading;
  }

  get global(): GlobalSettings {
    return this.#state().global;
  }

  get bonjourAccount(): BonjourAccountSettings {
    return this.#state().bonjour;
  }

  /** The saved accounts, in insertion order (R-ACC-4). */
  get accounts(): AccountSettings[] {
    return [...this.#state().accounts.values()];
  }

  hasAccount(id: string): boolean {
    return this.#state().accounts.has(id);
  }

  getAccount(id: string): AccountSettings | undefined {
    return this.#state().accounts.get(id);
  }

  /**
   * A new account with default settings. It is stored (and listed in `accounts`, and announced
   * with CFGSettingsObjectWasCreated) on its first successful save. Throws SettingsError for a
   * bad id or one a saved account already has.
   */
  createAccount(id: string): AccountSettings {
    const state = this.#state();
    checkAccountId(id);
    if (state.accounts.has(id)) throw new SettingsError('id', `${id} already exists`, `account ${id}`);
    return new AccountSettings(id, this.#store);
  }

  #state(): Loaded {
    if (!this.#loaded) throw new SettingsError('', 'the configuration is not loaded yet: call load() first', 'configuration');
    return this.#loaded;
  }

  #build(root: Record<string, unknown>): Loaded {
    const section = (key: string): Record<string, unknown> | undefined => {
      const v = root[key];
      if (v === undefined) return undefined;
      if (!isObject(v)) throw new SettingsError(key, `${describeValue(v)} is not a JSON object`, 'configuration');
      return v;
    };
    const global = new GlobalSettings(this.#store, section(GLOBAL));
    const bonjour = new BonjourAccountSettings(this.#store, section(BONJOUR));
    const accounts = new Map<string, AccountSettings>();
    for (const [id, stored] of Object.entries(section(ACCOUNTS) ?? {})) {
      if (!isObject(stored)) throw new SettingsError('', `${describeValue(stored)} is not a JSON object`, `account ${id}`);
      accounts.set(id, new AccountSettings(id, this.#store, stored));
    }
    return { root, global, bonjour, accounts };
  }

  /** One save or delete at a time, each seeing the previous one's result. */
  #exclusive<R>(task: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Write the whole tree with one object's part replaced; memory changes only on success. */
  async #write(object: object, stored: Readonly<Record<string, unknown>> | undefined): Promise<void> {
    const state = this.#state();
    const root = { ...state.root };
    let account: AccountSettings | undefined;
    if (object === state.global) setOrDelete(root, GLOBAL, stored);
    else if (object === state.bonjour) setOrDelete(root, BONJOUR, stored);
    else if (object instanceof AccountSettings) {
      const saved = state.accounts.get(object.id);
      if (saved !== undefined && saved !== object) throw new SettingsError('id', `${object.id} already exists`, object.label);
      if (saved === undefined && stored === undefined) return;
      account = object;
      const accounts = isObject(root[ACCOUNTS]) ? { ...(root[ACCOUNTS] as Record<string, unknown>) } : {};
      setOrDelete(accounts, object.id, stored);
      root[ACCOUNTS] = accounts;
    } else {
      throw new SettingsError('', 'belongs to another ConfigurationManager', (object as SettingsObject).label);
    }
    await this.backend.save(root);
    state.root = root;
    if (account) {
      if (stored === undefined) state.accounts.delete(account.id);
      else state.accounts.set(account.id, account);
    }
  }
}

function setOrDelete(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

export interface LoadedSettings {
  manager: ConfigurationManager;
  global: GlobalSettings;
  bonjourAccount: BonjourAccountSettings;
  /** In insertion order (R-ACC-4). */
  accounts: AccountSettings[];
}

/** Load the configuration of `storage` (see ConfigurationManager.load for errors). */
export async function loadSettings(storage: ISIPSimpleStorage, options: ConfigurationManagerOptions = {}): Promise<LoadedSettings> {
  const manager = new ConfigurationManager(storage, options);
  await manager.load();
  return { manager, global: manager.global, bonjourAccount: manager.bonjourAccount, accounts: manager.accounts };
}
