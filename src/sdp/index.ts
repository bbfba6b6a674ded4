/** SDP (RFC 4566) and the offer/answer model (RFC 3264). */
export * from './session-description.js';
export * from './offer-answer.js';
