/**
 * `sipstate message [shared options] URI TEXT` sends one MESSAGE (RFC 3428) and exits 0 on a
 * 2xx; `sipstate message [shared options]` with no URI waits and prints every MESSAGE it
 * receives until interrupted (--max N to stop after N).
 */
import { Message, MessageReceiver } from '../api/message.js';
import { parseArgs, UsageError } from './options.js';
import { interrupted, openSession, parseSipUri } from './session.js';
import { dnsResolver } from './dns.js';

export async function runMessage(args: string[]): Promise<number> {
  const { shared, extra, positional } = parseArgs<{ 'content-type'?: string; max?: string }>(args, { 'content-type': 'value', max: 'value' });
  if (positional.length !== 0 && positional.length !== 2) throw new UsageError('usage: sipstate message [options] [URI TEXT]');
  const max = extra.max === undefined ? undefined : Number(extra.max);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError('--max: expected a positive number');
  const session = await openSession(shared, dnsResolver);
  try {
    if (positional.length === 2) {
      const [target, text] = positional;
      const to = parseSipUri(target, 'URI');
      const result = await new Message(session.ua, {
        from: session.identity,
        to,
        routes: session.routes,
        body: text,
        contentType: extra['content-type'] ?? 'text/plain',
        credentials: session.credentials,
        notifications: session.center,
      }).send();
      if (!shared.json) session.print(`${result.code} ${result.reason}`);
      if (!result.ok) process.stderr.write(`sipstate message: ${to.toString()} answered ${result.code} ${result.reason}\n`);
      return result.ok ? 0 : 1;
    }
    let count = 0;
    let stop: () => void = () => {};
    const limit = new Promise<void>((resolve) => (stop = resolve));
    new MessageReceiver(session.ua, session.center);
    session.center.named('SIPEngineGotMessage').subscribe((n) => {
      if (!shared.json) session.print(`${n.data.from_header}: ${n.data.body}`);
      if (max !== undefined && ++count >= max) stop();
    });
    await Promise.race([interrupted(), limit]);
    return 0;
  } finally {
    await session.close();
  }
}
