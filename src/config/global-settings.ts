/**
 * GlobalSettings: the settings of the whole application (the python SDK's SIPSimpleSettings),
 * stored under `global` in the configuration.
 *
 * Defaults, and why:
 * - sip.listen_address '127.0.0.1': the same default as the command line (design.md), and a
 *   library should not open sockets to the network unless asked. Set '0.0.0.0' or '::' (or an
 *   interface address) to take calls from other machines.
 * - sip.*_port 0: any free port, chosen by the system (the bound ports are reported at start);
 *   fixed ports are opt-in because two clients on one machine would otherwise collide.
 * - sip.transport_list ['tls', 'tcp', 'udp']: the python SDK's, secure first. A transport that
 *   cannot start (TLS without usable certificates...) is reported and skipped, not fatal.
 * - dns.nameservers []: the system's (no public resolver is ever used unless configured).
 * - rtp.port_range 50000-50500 with an even start, rtp.timeout 30 s (0: never time out).
 * - tls.verify_server true: a client that does not check its server is open to any impostor.
 * - audio devices null: the null device, so nothing needs a sound card unless configured
 *   ('system_default' or a device name selects a real one).
 */
import * as t from './datatypes.js';
import { group, setting, type ValuesOf } from './schema.js';
import { exposeSettings, SettingsObject, type SettingsStore } from './settings-object.js';

/** RFC 3261 timer values are milliseconds; ten minutes is far beyond any real network's. */
const timerMs = t.integer({ min: 1, max: 600_000 });

export const globalSettingsSchema = group({
  user_agent: setting(t.string({ nonEmpty: true }), 'sipstate/0.1', 'User-Agent and Server header value'),
  default_account: setting(t.nullable(t.sipAddress), null, 'Id of the account used when none is named'),
  sip: group({
    transport_list: setting(t.transportList({ nonEmpty: true }), ['tls', 'tcp', 'udp'], 'Transports to start'),
    listen_address: setting(t.ipAddress, '127.0.0.1', 'Local address to bind (0.0.0.0 or :: for all)'),
    udp_port: setting(t.port, 0, '0: any free port'),
    tcp_port: setting(t.port, 0, '0: any free port'),
    tls_port: setting(t.port, 0, '0: any free port'),
    ws_port: setting(t.port, 0, '0: any free port'),
    wss_port: setting(t.port, 0, '0: any free port'),
    timers: group(
      {
        t1: setting(timerMs, 500, 'RTT estimate (RFC 3261 §17.1.1.1)'),
        t2: setting(timerMs, 4000, 'Maximum retransmit interval'),
        t4: setting(timerMs, 5000, 'Maximum time a message stays in the network'),
      },
      {
        doc: 'RFC 3261 transaction timers, in milliseconds',
        validate: (v) => (v.t2 < v.t1 ? { path: 't2', problem: `${v.t2} must not be below t1 (${v.t1})` } : undefined),
      },
    ),
  }, {
    // The TCP-based listeners cannot share a port; UDP may use the same number as one of them.
    validate: (v) => {
      const seen = new Map<number, string>();
      for (const name of ['tcp_port', 'tls_port', 'ws_port', 'wss_port'] as const) {
        const p = v[name];
        if (p === 0) continue;
        const other = seen.get(p);
        if (other) return { path: name, problem: `${p} is already ${other} (TCP listeners need distinct ports)` };
        seen.set(p, name);
      }
      return undefined;
    },
  }),
  dns: group({
    nameservers: setting(t.nameserverList, [], 'Nameservers to use instead of the system\'s ([]: the system\'s)'),
  }),
  rtp: group({
    port_range: setting(t.portRange({ evenStart: true }), { start: 50000, end: 50500 }, 'Local RTP/RTCP ports'),
    timeout: setting(t.integer({ min: 0, max: 3600 }), 30, 'Seconds without RTP before AudioStreamDidTimeout (0: never)'),
  }),
  tls: group({
    ca_list: setting(t.nullable(t.path), null, 'PEM file of trusted CAs (null: the system\'s)'),
    certificate: setting(t.nullable(t.path), null, 'PEM file with our certificate and key (null: none)'),
    verify_server: setting(t.boolean, true, 'Check the server certificate against ca_list'),
  }),
  logs: group({
    directory: setting(t.nullable(t.path), null, 'Where trace files go (null: no files, traces go to stderr)'),
    trace_sip: setting(t.boolean, false),
    trace_dns: setting(t.boolean, false),
    trace_msrp: setting(t.boolean, false),
    trace_xcap: setting(t.boolean, false),
    trace_notifications: setting(t.boolean, false),
  }),
  audio: group({
    input_device: setting(t.nullable(t.string({ nonEmpty: true })), null, 'null: the null device'),
    output_device: setting(t.nullable(t.string({ nonEmpty: true })), null, 'null: the null device'),
    alert_device: setting(t.nullable(t.string({ nonEmpty: true })), null, 'null: the null device'),
    sample_rate: setting(t.enumOf([8000, 16000, 32000, 44100, 48000]), 48000),
    silent: setting(t.boolean, false, 'Play no alerts'),
  }),
});

export type GlobalSettingsFields = typeof globalSettingsSchema.fields;
export type GlobalSettingsValues = ValuesOf<GlobalSettingsFields>;

// Interface merging gives the class a typed property per top-level setting (`global.sip`).
export interface GlobalSettings extends GlobalSettingsValues {}

export class GlobalSettings extends SettingsObject<GlobalSettingsFields> {
  /** Made by the ConfigurationManager; throws SettingsError when a stored value is malformed. */
  constructor(store: SettingsStore, stored?: Readonly<Record<string, unknown>>) {
    super({ schema: globalSettingsSchema, store, id: 'global', label: 'global', stored, persisted: true, deletable: false });
  }
}

exposeSettings(GlobalSettings.prototype, globalSettingsSchema);
