/**
 * Open connections, by id and by destination key `PROTOCOL address port` (RFC 3261 §18.1:
 * "the client transport SHOULD reuse an existing connection to the same destination").
 *
 * A connection is filed under its remote (protocol, address, port), whichever side opened it:
 * a connection a peer opened to us is reused for anything we send to that address and port.
 * A key names the most recently filed connection; older ones stay reachable by id.
 */
import type { Connection } from './connection.js';
import { type Endpoint, endpointKey } from './types.js';

export class ConnectionPool {
  private readonly byId = new Map<number, Connection>();
  private readonly byKey = new Map<string, Connection>();

  get size(): number {
    return this.byId.size;
  }

  get(id: number): Connection | undefined {
    return this.byId.get(id);
  }

  /** An open or connecting connection to that destination. */
  find(target: Endpoint): Connection | undefined {
    const c = this.byKey.get(endpointKey(target));
    return c?.usable ? c : undefined;
  }

  add(connection: Connection): void {
    this.byId.set(connection.id, connection);
    this.alias(connection, connection.remote);
  }

  /** File the connection under another destination too (RFC 5923 alias). */
  alias(connection: Connection, target: Endpoint): void {
    const key = endpointKey(target);
    if (!connection.keys.includes(key)) connection.keys.push(key);
    this.byKey.set(key, connection);
  }

  remove(connection: Connection): void {
    this.byId.delete(connection.id);
    for (const key of connection.keys) if (this.byKey.get(key) === connection) this.byKey.delete(key);
  }

  all(): Connection[] {
    return [...this.byId.values()];
  }
}
