/** Address resolution (Middleware API §5): RFC 3263 lookups over node:dns. */
export { DNSArgumentError, DNSLookupError } from './errors.js';
export { Route, defaultSipPort, toRouteTransport, type RouteEndpoint, type RouteTransport } from './route.js';
export { orderSrvRecords, isNullTarget, type SrvLike } from './srv.js';
export { DNSManager, defaultDNSManager, checkNameserver, type DNSManagerOptions } from './manager.js';
export {
  DNSLookup,
  type DNSAnswer,
  type DNSLookupContext,
  type DNSLookupOptions,
  type DNSLookupResult,
  type DNSLookupTimeouts,
  type DNSLookupTraceData,
  type DNSQueryType,
  type DNSService,
  type ServiceAddress,
} from './lookup.js';
