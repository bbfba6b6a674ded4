/** The RTP audio stream (Middleware API §4.6) and its parts. */
export { AudioStream, AudioStreamType, type AudioStreamOptions, type AudioStreamStatistics } from './audio-stream.js';
export { RtpTransport, type RtpTransportHandlers, type RtpTransportOptions } from './rtp-transport.js';
export { candidatePorts, checkPortRange } from './port-allocator.js';
export { type RtcpStatistics, type PeerSenderReport, RTCP_MIN_INTERVAL_MS } from './rtcp-reporter.js';
export { offerDirection, wantedDirection } from './local-media.js';
