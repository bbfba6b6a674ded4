/**
 * A minimal user agent for the transaction-layer tests: a TransportManager, a TransactionLayer,
 * and a TU that answers INVITE with 180 then 200 (re-sending the 2xx until the ACK comes, the
 * UAS core's duty of RFC 3261 §13.3.1.4 that the dialog layer takes over later), BYE and
 * everything else with 200. Test code, not the SDK's UA core.
 */
import { TransactionLayer, type TransactionLayerOptions, type ServerTransaction } from '../../actors/transaction-layer.js';
import { TransportManager, type Endpoint, type TransportProtocol } from '../../actors/transport/index.js';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';

export interface TestUA {
  transports: TransportManager;
  layer: TransactionLayer;
  endpoint(protocol: TransportProtocol): Endpoint;
  requests: SIPRequest[];
  acks: SIPRequest[];
  close(): Promise<void>;
}

export async function startTestUA(options: TransactionLayerOptions & { protocols?: TransportProtocol[]; answer?: (tx: ServerTransaction) => void } = {}): Promise<TestUA> {
  const transports = new TransportManager({ idleTimeout: 5000 });
  for (const protocol of options.protocols ?? ['UDP', 'TCP']) await transports.listen({ protocol, address: '127.0.0.1', port: 0 });
  const layer = new TransactionLayer(transports, options);
  const requests: SIPRequest[] = [];
  const acks: SIPRequest[] = [];
  const pending2xx = new Map<string, { timer: NodeJS.Timeout }>();
  transports.onMessage((inbound) => layer.receive(inbound));
  layer.setUser({
    onRequest(tx) {
      requests.push(tx.request);
      if (options.answer) return options.answer(tx);
      const local = transports.listening.find((e) => e.protocol === tx.inbound.local.protocol) ?? tx.inbound.local;
      const contact = `<sip:test@${local.address}:${local.port}${local.protocol === 'UDP' ? '' : `;transport=${local.protocol.toLowerCase()}`}>`;
      if (tx.request.method !== 'INVITE') return tx.respond(tx.reply(200, 'OK', [['Contact', contact]]));
      tx.respond(tx.reply(180));
      const ok = tx.reply(200, 'OK', [['Contact', contact]]);
      tx.respond(ok);
      // §13.3.1.4: retransmit the 2xx (T1, doubling to T2) until the ACK arrives.
      const callId = tx.request.callId ?? '';
      let interval = layer.timers.T1;
      const resend = (): void => {
        transports.sendResponse(ok, tx.inbound).catch(() => {});
        interval = Math.min(interval * 2, layer.timers.T2);
        entry.timer = setTimeout(resend, interval);
      };
      const entry = { timer: setTimeout(resend, interval) };
      pending2xx.set(callId, entry);
      setTimeout(() => {
        clearTimeout(entry.timer);
        pending2xx.delete(callId);
      }, 64 * layer.timers.T1).unref();
    },
    onAck(ack) {
      acks.push(ack);
      const p = pending2xx.get(ack.callId ?? '');
      if (p) clearTimeout(p.timer);
      pending2xx.delete(ack.callId ?? '');
    },
  });
  return {
    transports,
    layer,
    requests,
    acks,
    endpoint: (protocol) => transports.listening.find((e) => e.protocol === protocol)!,
    async close() {
      for (const p of pending2xx.values()) clearTimeout(p.timer);
      layer.stop();
      await transports.close();
    },
  };
}

/** Send `request` through `ua` and resolve with the final response (or reject on timeout/error). */
export function transact(ua: TestUA, request: SIPRequest, target: Endpoint, onProvisional?: (r: SIPResponse) => void): Promise<SIPResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    ua.layer.request(request, target, {
      onResponse(res) {
        if (res.status < 200) return onProvisional?.(res);
        if (!settled) {
          settled = true;
          resolve(res);
        }
      },
      onTimeout() {
        if (!settled) reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
        settled = true;
      },
      onTransportError(error) {
        if (!settled) reject(error);
        settled = true;
      },
    });
  });
}
