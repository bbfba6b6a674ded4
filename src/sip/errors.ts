/**
 * Errors raised by the SIP message layer.
 *
 * A `SIPParseError` says what is wrong and where. When the broken message is a request whose
 * Via, From, To, Call-ID and CSeq could still be read, they are carried in `salvage` so the
 * transport can answer 400 (RFC 3261 §8.2 and §16.3 checks) without understanding the rest.
 */

/** The raw header values a 400/505 response must copy from the request (RFC 3261 §8.2.6.2). */
export interface SalvagedHeaders {
  readonly via: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: string;
}

export interface SIPParseErrorOptions {
  /** Byte offset in the message (or character offset in a header value) where the problem is. */
  readonly offset?: number;
  /** Canonical name of the header whose value is malformed, if any. */
  readonly header?: string;
  /**
   * The response a UAS must send: 400 for a malformed request, 505 for an unsupported version,
   * 413/431-like size refusals are answered 400 too (RFC 3261 has no better code for them).
   * Undefined means the message must be dropped silently (responses, unreadable requests).
   */
  readonly statusCode?: 400 | 505 | 513;
  readonly salvage?: SalvagedHeaders;
}

export class SIPParseError extends Error {
  override readonly name = 'SIPParseError';
  readonly offset: number | undefined;
  readonly header: string | undefined;
  readonly statusCode: 400 | 505 | 513 | undefined;
  readonly salvage: SalvagedHeaders | undefined;

  constructor(message: string, options: SIPParseErrorOptions = {}) {
    super(message);
    this.offset = options.offset;
    this.header = options.header;
    this.statusCode = options.statusCode;
    this.salvage = options.salvage;
  }

  /** The same error attributed to a header and, optionally, to a response code and salvage. */
  withContext(options: SIPParseErrorOptions): SIPParseError {
    const header = options.header ?? this.header;
    const text = header && !this.message.startsWith(header) ? `${header}: ${this.message}` : this.message;
    return new SIPParseError(text, {
      offset: options.offset ?? this.offset,
      header,
      statusCode: options.statusCode ?? this.statusCode,
      salvage: options.salvage ?? this.salvage,
    });
  }
}

/** Thrown when code builds a message or header value that would not be valid SIP. */
export class SIPBuildError extends Error {
  override readonly name = 'SIPBuildError';
}
