/** `sipstate options [shared options] URI`: what a peer supports (RFC 3261 §11). Exit 0 on 2xx. */
import { DigestClient } from '../sip/digest.js';
import { digestAuthorizer } from '../../actors/user-agent.js';
import { createRequest } from '../sip/request-builder.js';
import { parseArgs, UsageError } from './options.js';
import { openSession, parseSipUri } from './session.js';
import { dnsResolver } from './dns.js';

export async function runOptions(args: string[]): Promise<number> {
  const { shared, positional } = parseArgs(args);
  if (positional.length !== 1) throw new UsageError('usage: sipstate options [options] URI');
  const target = parseSipUri(positional[0], 'URI');
  const session = await openSession(shared, dnsResolver);
  try {
    const request = createRequest({ method: 'OPTIONS', uri: target, from: session.identity, to: target, routes: session.routes, headers: [['Accept', 'application/sdp']] });
    const digest = session.credentials ? new DigestClient(session.credentials) : undefined;
    const { response, local } = await session.ua.send(request, {
      authorize: digestAuthorizer(digest),
    });
    const report = {
      status: response.status,
      reason: response.reason,
      local,
      allow: response.get('Allow') ?? null,
      accept: response.get('Accept') ?? null,
      supported: response.get('Supported') ?? null,
      allowEvents: response.get('Allow-Events') ?? null,
      server: response.get('Server') ?? response.get('User-Agent') ?? null,
    };
    if (shared.json) session.print(JSON.stringify(report));
    else {
      session.print(`${report.status} ${report.reason}${local ? ' (no answer: generated locally)' : ''}`);
      for (const [k, v] of Object.entries({ Allow: report.allow, Accept: report.accept, Supported: report.supported, 'Allow-Events': report.allowEvents, Server: report.server })) {
        if (v !== null) session.print(`${k}: ${v}`);
      }
    }
    return response.status >= 200 && response.status < 300 ? 0 : 1;
  } finally {
    await session.close();
  }
}
