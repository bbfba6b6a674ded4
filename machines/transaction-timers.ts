/**
 * Transaction timers — RFC 3261 §17 and Table 4 (A–K), RFC 6026 §8.4 / §8.7 (L, M).
 *
 * Pure arithmetic: the transaction machines use these functions as their named `delays`, so the
 * running system decides which clock fires them (the application's clock, or `SimulatedClock`
 * in tests). All values are milliseconds.
 *
 * Table 4 (RFC 3261 §A), with RFC 6026 §8.4 (Timer M) and §8.7 (Timer L):
 *
 * | Timer | Value                               | Section      | Meaning                                         |
 * |-------|-------------------------------------|--------------|-------------------------------------------------|
 * | T1    | 500 ms default                      | §17.1.1.1    | RTT estimate                                    |
 * | T2    | 4 s                                 | §17.1.2.2    | max retransmit interval, non-INVITE / responses |
 * | T4    | 5 s                                 | §17.1.2.2    | max time a message stays in the network         |
 * | A     | initially T1, doubling              | §17.1.1.2    | INVITE request retransmit, UDP only             |
 * | B     | 64·T1                               | §17.1.1.2    | INVITE transaction timeout                      |
 * | D     | > 32 s for UDP, 0 for TCP/SCTP      | §17.1.1.2    | wait time for response retransmits              |
 * | E     | initially T1, doubling up to T2     | §17.1.2.2    | non-INVITE request retransmit, UDP only         |
 * | F     | 64·T1                               | §17.1.2.2    | non-INVITE transaction timeout                  |
 * | G     | initially T1, doubling up to T2     | §17.2.1      | INVITE response retransmit                      |
 * | H     | 64·T1                               | §17.2.1      | wait time for ACK receipt                       |
 * | I     | T4 for UDP, 0 for TCP/SCTP          | §17.2.1      | wait time for ACK retransmits                   |
 * | J     | 64·T1 for UDP, 0 for TCP/SCTP       | §17.2.2      | wait time for non-INVITE request retransmits    |
 * | K     | T4 for UDP, 0 for TCP/SCTP          | §17.1.2.2    | wait time for response retransmits              |
 * | L     | 64·T1                               | RFC 6026 §8.7| wait time for accepted INVITE request retransmits|
 * | M     | 64·T1                               | RFC 6026 §8.4| wait time for retransmissions of 2xx responses  |
 *
 * "Reliable" means TCP, TLS, SCTP or WebSocket: the retransmission timers A, E and G are never
 * started and the wait timers D, I, J and K are zero — the machines then go straight to
 * Terminated instead of scheduling a zero-length timer.
 */

/** The three base values every other timer derives from (RFC 3261 §17.1.1.1, §17.1.2.2). */
export interface TimerSettings {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Maximum duration a message will remain in the network, default 5 s. */
  T4: number;
}

/** RFC 3261 §17.1.1.1 / §17.1.2.2 defaults. */
export const defaultTimers: Readonly<TimerSettings> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/**
 * §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows that the
 * TU will generate a provisional or final response within 200 ms".
 */
export const TRYING_100_DELAY = 200;

/** Timer A, first interval: "set timer A to fire in T1 seconds" (§17.1.1.2). */
export const timerA = (t: TimerSettings): number => t.T1;
/** Timer A after it fires: "reset the timer with a value of 2*T1 ... intervals that double" — no cap. */
export const nextTimerA = (current: number): number => 2 * current;
/** Timer B: "set timer B to fire after 64*T1 seconds" (§17.1.1.2). */
export const timerB = (t: TimerSettings): number => 64 * t.T1;
/** Timer D: "at least 32 seconds for unreliable transports, and a value of zero seconds for reliable". */
export const timerD = (t: TimerSettings, reliable = false): number => (reliable ? 0 : Math.max(32000, 64 * t.T1));
/** Timer E, first interval: "set timer E to fire in T1 seconds" (§17.1.2.2). */
export const timerE = (t: TimerSettings): number => t.T1;
/** Timer F: "set timer F to fire in 64*T1 seconds" (§17.1.2.2). */
export const timerF = (t: TimerSettings): number => 64 * t.T1;
/** Timer G, first interval: "timer G is set to fire in T1 seconds" (§17.2.1). */
export const timerG = (t: TimerSettings): number => t.T1;
/** Timer H: "timer H MUST be set to fire in 64*T1 seconds for all transports" (§17.2.1). */
export const timerH = (t: TimerSettings): number => 64 * t.T1;
/** Timer I: "T4 seconds for unreliable transports, and zero seconds for reliable transports" (§17.2.1). */
export const timerI = (t: TimerSettings, reliable = false): number => (reliable ? 0 : t.T4);
/** Timer J: "64*T1 seconds for unreliable transports, and zero seconds for reliable" (§17.2.2). */
export const timerJ = (t: TimerSettings, reliable = false): number => (reliable ? 0 : 64 * t.T1);
/** Timer K: "T4 seconds for unreliable transports, and zero seconds for reliable transports" (§17.1.2.2). */
export const timerK = (t: TimerSettings, reliable = false): number => (reliable ? 0 : t.T4);
/** Timer L: "Timer L MUST be set to fire in 64*T1" (RFC 6026 §8.7). */
export const timerL = (t: TimerSettings): number => 64 * t.T1;
/** Timer M: "Timer M MUST be started with a value of 64*T1" (RFC 6026 §8.4). */
export const timerM = (t: TimerSettings): number => 64 * t.T1;

/**
 * Timers E and G after they fire: "reset with a value of MIN(2*T1, T2) ... doubles, unless that
 * value exceeds T2, in which case it is reset with the value of T2" (§17.1.2.2, §17.2.1).
 */
export const nextCapped = (current: number, t: TimerSettings): number => Math.min(2 * current, t.T2);
