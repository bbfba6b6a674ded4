/** --dns: resolve next hops with RFC 3263 through the given nameservers (never the system's). */
import type { Resolver } from '../../actors/user-agent.js';
import { isSipURI } from '../sip/uri.js';

export async function dnsResolver(servers: string[]): Promise<Resolver> {
  const { DNSManager, DNSLookup } = await import('../dns/index.js');
  const manager = new DNSManager();
  manager.setNameservers(servers);
  const lookup = new DNSLookup({ manager });
  return async (uri) => {
    if (!isSipURI(uri)) throw new Error(`cannot route to ${uri.toString()}`);
    const routes = await lookup.lookupSipProxy(uri, ['udp', 'tcp', 'tls']);
    return routes.map((r) => r.toEndpoint());
  };
}
