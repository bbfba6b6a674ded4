/**
 * Message waiting (RFC 3842) through the account's message-summary subscription (RFC 6665), with
 * sipp as the voicemail server: SUBSCRIBE, NOTIFY with a summary → SIPAccountMWIDidGetSummary,
 * and on stop an un-SUBSCRIBE answered by a final NOTIFY.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';
import { SIPApplication } from '../../src/api/application.js';
import type { Notification } from '../../src/api/notification-center.js';
import type { MessageSummary } from '../../src/sip/message-summary.js';
import { MemoryStorage } from '../../src/storage/index.js';

requireSipp();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SUBSCRIBE message-summary, NOTIFY → SIPAccountMWIDidGetSummary, unsubscribe on stop', async () => {
  const port = sippPort();
  const sipp = runSipp({ scenario: 'mwi-notifier.xml', port, calls: 1, timeoutMs: 20000, traceMessages: true });
  const app = new SIPApplication();
  const seen: Notification[] = [];
  const sub = app.notifications.notifications$.subscribe((n) => seen.push(n));
  try {
    await sleep(300);
    await app.start(
      new MemoryStorage({
        configuration: {
          global: { sip: { transport_list: ['udp'], timers: { t1: 100, t2: 800, t4: 1000 } } },
          accounts: {
            'alice@example.test': {
              enabled: true,
              sip: { register: false },
              message_summary: { enabled: true, voicemail_uri: `sip:voicemail@127.0.0.1:${port}` },
            },
          },
        },
      }),
    );
    const end = Date.now() + 5000;
    while (!seen.some((n) => n.name === 'SIPAccountMWIDidGetSummary') && Date.now() < end) await sleep(50);
    const mwi = seen.find((n) => n.name === 'SIPAccountMWIDidGetSummary');
    assert.ok(mwi, seen.map((n) => n.name).join(' '));
    const summary = (mwi!.data as { message_summary: MessageSummary }).message_summary;
    assert.is(summary.messagesWaiting, true);
    assert.is(summary.messageAccount, 'sip:alice@example.test');
    assert.equal(summary.summaries['voice-message'], { new: 2, old: 8, newUrgent: 0, oldUrgent: 2 });
    assert.is((mwi!.sender as { id: string }).id, 'alice@example.test');
    await app.stop();
    const r = await sipp.done;
    assert.is(r.code, 0, `sipp: ${r.stdout.slice(-1000)} ${r.stderr.slice(-500)}`);
    assert.match(r.messages, /SUBSCRIBE sip:voicemail@[\s\S]*Expires: 0/);
  } finally {
    sub.unsubscribe();
    sipp.kill();
    await app.stop();
  }
});

test.run();
