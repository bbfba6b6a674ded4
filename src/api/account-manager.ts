/**
 * AccountManager (Middleware API §6.1): keeps the accounts in insertion order (R-ACC-4), starts
 * and stops them with the application, finds the account for a contact URI, and tracks the
 * default account. An account added at any moment after the configuration is loaded — while
 * the application starts, or long after — is activated as soon as the engine runs (R-ACC-3).
 */
import type { Subscription } from 'rxjs';
import type { ConfigurationManager } from '../config/index.js';
import type { SipURI } from '../sip/uri.js';
import { Account, AccountError, LocalAccount, type AccountEngine, type AnyAccount } from './account.js';
import type { NotificationCenter } from './notification-center.js';

declare module './notification-center.js' {
  interface NotificationDataMap {
    SIPAccountManagerDidAddAccount: { account: AnyAccount };
    SIPAccountManagerDidRemoveAccount: { account: AnyAccount };
    SIPAccountManagerDidChangeDefaultAccount: { old_account: AnyAccount | undefined; account: AnyAccount | undefined };
  }
}

export class AccountManager {
  private readonly accounts = new Map<string, AnyAccount>();
  private engine: AccountEngine | undefined;
  private configuration: ConfigurationManager | undefined;
  private center: NotificationCenter | undefined;
  private started = false;
  private observers: Subscription[] = [];

  /** @internal the application loaded its configuration: load the accounts (spec: `start`). */
  load(configuration: ConfigurationManager, center: NotificationCenter): void {
    this.configuration = configuration;
    this.center = center;
    this.accounts.clear();
    this.add(new LocalAccount(configuration.bonjourAccount));
    for (const settings of configuration.accounts) this.add(new Account(settings));
  }

  /** Activate every enabled account on the running engine (the application calls it). */
  async start(engine: AccountEngine): Promise<void> {
    this.engine = engine;
    this.started = true;
    // Deactivation and re-activation follow the `enabled` setting as it is saved.
    const follow = (n: { sender: object }) => {
      const account = [...this.accounts.values()].find((a) => a.settings === n.sender);
      if (!account || !this.engine) return;
      void (account.enabled ? account.activate(this.engine) : account.deactivate());
    };
    // A new account's first save is CFGSettingsObjectWasCreated; later ones CFGSettingsObjectDidChange.
    this.observers.push(engine.center.named('CFGSettingsObjectDidChange').subscribe(follow));
    this.observers.push(engine.center.named('CFGSettingsObjectWasCreated').subscribe(follow));
    await Promise.all([...this.accounts.values()].map((a) => a.activate(engine)));
  }

  /** Deactivate every account (they unregister); the application calls it when stopping. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.accounts.values()].map((a) => a.deactivate()));
    this.engine = undefined;
    this.releaseObservers();
  }

  /** @internal drop every subscription the manager made (R-APP-1). */
  releaseObservers(): void {
    for (const s of this.observers) s.unsubscribe();
    this.observers = [];
  }

  /**
   * A new account `id` (user@domain) with default settings, or the existing one (an Account is
   * one per id). It is stored on its first `settings.edit()...save()`; when it is enabled and the
   * engine runs it activates at once.
   */
  createAccount(id: string): Account {
    const existing = this.accounts.get(id);
    if (existing instanceof Account) return existing;
    if (!this.configuration) throw new AccountError('accounts can be created once the application has loaded its configuration (after SIPApplicationWillStart)');
    const account = new Account(this.configuration.getAccount(id) ?? this.configuration.createAccount(id));
    this.add(account);
    if (this.started && this.engine) void account.activate(this.engine);
    return account;
  }

  /** Remove an account: deactivate it and delete its settings. */
  async removeAccount(id: string): Promise<void> {
    const account = this.accounts.get(id);
    if (!(account instanceof Account)) throw new AccountError(`no account ${id}`);
    await account.deactivate();
    if (account.settings.saved) await account.settings.delete();
    this.accounts.delete(id);
    this.center?.post('SIPAccountManagerDidRemoveAccount', this, { account });
  }

  private add(account: AnyAccount): void {
    this.accounts.set(account.id, account);
    this.center?.post('SIPAccountManagerDidAddAccount', this, { account });
  }

  hasAccount(id: string): boolean {
    return this.accounts.has(id);
  }

  /** The account with this id; throws AccountError when there is none (the spec's KeyError). */
  getAccount(id: string): AnyAccount {
    const a = this.accounts.get(id);
    if (!a) throw new AccountError(`no account ${id}`);
    return a;
  }

  getAccounts(): AnyAccount[] {
    return [...this.accounts.values()];
  }

  iterAccounts(): IterableIterator<AnyAccount> {
    return this.accounts.values();
  }

  /** An enabled account whose contact user or address of record matches `contactUri`. */
  findAccount(contactUri: SipURI): AnyAccount | undefined {
    for (const a of this.accounts.values()) {
      if (!a.enabled) continue;
      if (a.contact.username === contactUri.user) return a;
      if (a instanceof Account && a.aor.user === contactUri.user && a.aor.host.toLowerCase() === contactUri.host.toLowerCase()) return a;
    }
    return undefined;
  }

  /** The account used when none is named (global `default_account`, else the first enabled). */
  get defaultAccount(): AnyAccount | undefined {
    const id = this.configuration?.global.default_account;
    const named = id ? this.accounts.get(id) : undefined;
    return named ?? [...this.accounts.values()].find((a) => a instanceof Account && a.enabled) ?? this.accounts.get('bonjour@local');
  }

  async setDefaultAccount(account: AnyAccount | undefined): Promise<void> {
    if (!this.configuration) throw new AccountError('the configuration is not loaded');
    const old = this.defaultAccount;
    await this.configuration.global.edit().set('default_account', account && account instanceof Account ? account.id : null).save();
    if (old !== this.defaultAccount) this.center?.post('SIPAccountManagerDidChangeDefaultAccount', this, { old_account: old, account: this.defaultAccount });
  }
}
