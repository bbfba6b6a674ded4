/** RTP media layer: packets, RTCP, G.711, RFC 4733 events, jitter buffer (all pure). */
export * from './errors.js';
export * from './packet.js';
export * from './rtcp.js';
export * from './g711.js';
export * from './telephone-event.js';
export * from './jitter-buffer.js';
