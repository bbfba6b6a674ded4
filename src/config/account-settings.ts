/**
 * AccountSettings (one per SIP account, by id `user@domain`) and BonjourAccountSettings (the
 * single peer-to-peer account), stored under `accounts.<id>` and `bonjour_account`.
 *
 * Per-account settings that override a global one are nullable, null meaning "use the global
 * setting": rtp.port_range, rtp.timeout and the TLS settings (R-TR-2: CA list, certificate and
 * verify-server per account).
 *
 * The peer-to-peer account keeps the Middleware API's id `bonjour@local` (§6.3 gives it as the
 * BonjourAccount's id): applications written against the spec find it under the name they know,
 * and `local` is a reserved mDNS domain no provider account can have. It has no registration,
 * presence, XCAP or credentials.
 */
import { SettingsError, SettingValueError } from './errors.js';
import * as t from './datatypes.js';
import { group, setting, type ValuesOf } from './schema.js';
import { exposeSettings, SettingsObject, type SettingsStore } from './settings-object.js';

export const BONJOUR_ACCOUNT_ID = 'bonjour@local';

/** Refresh intervals in seconds; the cap keeps a refresh timer within setTimeout's 2^31-1 ms. */
const interval = t.integer({ min: 30, max: 2_147_483 });

export const accountSettingsSchema = group({
  enabled: setting(t.boolean, false, 'Whether the account is used at all'),
  display_name: setting(t.nullable(t.string()), null, 'Display name in From headers'),
  auth: group({
    username: setting(t.string({ nonEmpty: true }), ({ id }) => t.parseSIPAddress(id).username, 'Digest username (default: the id\'s user part)'),
    password: setting(t.string(), ''),
  }),
  sip: group({
    outbound_proxy: setting(t.nullable(t.sipURI), null, 'Send every request through this proxy (null: RFC 3263 lookup of the domain)'),
    transport_list: setting(t.transportList({ nonEmpty: true }), ['tls', 'tcp', 'udp'], 'Transports the account uses, preferred first'),
    register: setting(t.boolean, true, 'Register with the registrar of the domain'),
    register_interval: setting(interval, 600, 'Requested registration expiry, seconds'),
    subscribe_interval: setting(interval, 600, 'Requested subscription expiry, seconds'),
    publish_interval: setting(interval, 600, 'Requested publication expiry, seconds'),
    follow_redirects: setting(t.integer({ min: 0, max: 10 }), 3, 'How many 3xx redirects an outgoing call follows (RFC 3261 §8.1.3.4; 0: none)'),
  }),
  presence: group({ enabled: setting(t.boolean, true) }),
  dialog_event: group({ enabled: setting(t.boolean, true) }),
  message_summary: group({
    enabled: setting(t.boolean, true),
    voicemail_uri: setting(t.nullable(t.sipURI), null, 'Where message-summary is subscribed (null: the account\'s own address)'),
  }),
  xcap: group({
    enabled: setting(t.boolean, true),
    xcap_root: setting(t.nullable(t.httpURL), null, 'XCAP root URL (null: discovered)'),
  }),
  rtp: group({
    port_range: setting(t.nullable(t.portRange({ evenStart: true })), null, 'null: the global rtp.port_range'),
    timeout: setting(t.nullable(t.integer({ min: 0, max: 3600 })), null, 'null: the global rtp.timeout'),
  }),
  msrp: group({
    relay: setting(t.nullable(t.msrpRelay), null, 'MSRP relay (null: discovered from the domain)'),
    transport: setting(t.enumOf(['tls', 'tcp']), 'tls'),
  }),
  tls: group({
    ca_list: setting(t.nullable(t.path), null, 'null: the global tls.ca_list'),
    certificate: setting(t.nullable(t.path), null, 'null: the global tls.certificate'),
    verify_server: setting(t.nullable(t.boolean), null, 'null: the global tls.verify_server'),
  }),
  nat_traversal: group({
    use_ice: setting(t.boolean, false),
    stun_server_list: setting(t.listOf(t.hostPort, { unique: true }), [], 'STUN servers for ICE ([]: discovered from the domain)'),
    use_msrp_relay_for_outbound: setting(t.boolean, false),
  }),
});

export type AccountSettingsFields = typeof accountSettingsSchema.fields;
export type AccountSettingsValues = ValuesOf<AccountSettingsFields>;

/** Check an account id: `user@domain`, not the reserved peer-to-peer id. Throws SettingsError. */
export function checkAccountId(id: unknown): t.SIPAddressParts {
  try {
    const parts = t.parseSIPAddress(id);
    if (id === BONJOUR_ACCOUNT_ID) throw new SettingValueError(`${BONJOUR_ACCOUNT_ID} is reserved for the peer-to-peer account`);
    return parts;
  } catch (e) {
    if (e instanceof SettingValueError) throw new SettingsError('id', e.message, typeof id === 'string' ? `account ${id}` : 'account', { cause: e });
    throw e;
  }
}

export interface AccountSettings extends AccountSettingsValues {}

export class AccountSettings extends SettingsObject<AccountSettingsFields> {
  /** The address of record, `user@domain`; it identifies the account and never changes. */
  readonly id: string;
  /** The id's parts. */
  readonly address: t.SIPAddressParts;

  /** Made by the ConfigurationManager (`createAccount`, or loading). Throws SettingsError. */
  constructor(id: string, store: SettingsStore, stored?: Readonly<Record<string, unknown>>) {
    const address = checkAccountId(id);
    super({ schema: accountSettingsSchema, store, id, label: `account ${id}`, stored, persisted: stored !== undefined, deletable: true });
    this.id = id;
    this.address = address;
  }
}

exposeSettings(AccountSettings.prototype, accountSettingsSchema);

export const bonjourAccountSettingsSchema = group({
  enabled: setting(t.boolean, false, 'Off until asked: it advertises this host on the LAN'),
  display_name: setting(t.nullable(t.string()), null),
  sip: group({
    transport_list: setting(t.transportList({ nonEmpty: true }), ['tls', 'tcp', 'udp']),
  }),
  rtp: group({
    port_range: setting(t.nullable(t.portRange({ evenStart: true })), null, 'null: the global rtp.port_range'),
    timeout: setting(t.nullable(t.integer({ min: 0, max: 3600 })), null, 'null: the global rtp.timeout'),
  }),
  msrp: group({
    transport: setting(t.enumOf(['tls', 'tcp']), 'tls'),
  }),
  tls: group({
    ca_list: setting(t.nullable(t.path), null, 'null: the global tls.ca_list'),
    certificate: setting(t.nullable(t.path), null, 'null: the global tls.certificate'),
    verify_server: setting(t.nullable(t.boolean), null, 'null: the global tls.verify_server'),
  }),
});

export type BonjourAccountSettingsFields = typeof bonjourAccountSettingsSchema.fields;
export type BonjourAccountSettingsValues = ValuesOf<BonjourAccountSettingsFields>;

export interface BonjourAccountSettings extends BonjourAccountSettingsValues {}

export class BonjourAccountSettings extends SettingsObject<BonjourAccountSettingsFields> {
  readonly id = BONJOUR_ACCOUNT_ID;

  constructor(store: SettingsStore, stored?: Readonly<Record<string, unknown>>) {
    super({ schema: bonjourAccountSettingsSchema, store, id: BONJOUR_ACCOUNT_ID, label: 'bonjour account', stored, persisted: true, deletable: false });
  }
}

exposeSettings(BonjourAccountSettings.prototype, bonjourAccountSettingsSchema);
