/**
 * Errors of the address-resolution layer.
 *
 * Wrong use (a malformed nameserver, a Route with a bad address or transport) throws a
 * `DNSArgumentError` at once. A lookup never throws: it rejects its promise with a
 * `DNSLookupError` and posts `DNSLookupDidFail` with the same message.
 */

/** A lookup found no usable answer, timed out, or was given arguments it cannot use. */
export class DNSLookupError extends Error {
  override readonly name = 'DNSLookupError';
}

/** Bad configuration or constructor arguments (nameserver text, Route address, transport...). */
export class DNSArgumentError extends Error {
  override readonly name = 'DNSArgumentError';
}
