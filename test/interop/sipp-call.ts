/**
 * Calls from a sipstate party to a sipp UAS scenario on loopback, for the interop tests
 * (sipp-sessions, sipp-proposals): sipp started on a port of its own, our call with one
 * AudioStream, and the teardown, whatever happens.
 */
import * as assert from 'uvu/assert';
import { Session } from '../../src/api/session.js';
import { AudioStream } from '../../src/streams/audio/index.js';
import type { Party } from '../api/session-harness.js';
import { runSipp, sippPort, type SippResult, type SippRun } from '../peers/sipp.js';

export function check(r: SippResult, what: string): void {
  assert.is(r.code, 0, `${what}: sipp failed (exit ${r.code})\n${r.stderr.slice(-1500)}\n${r.stdout.slice(-1500)}`);
}

/** sipp's media port for a sipp on `port` (its second m= line is on this + 2). */
export const mediaPort = (port: number) => port + 1000;

/** How sipp runs: extra arguments (besides `-mp`), its time limit, a message trace. */
export interface UasOptions {
  args?: string[];
  timeoutMs?: number;
  traceMessages?: boolean;
}

/** sipp as UAS running `scenario` on a port of its own (kill it in `finally`). */
export function sippUas(scenario: string, options: UasOptions | string[] = []): { sipp: SippRun; port: number; scenario: string } {
  const o = Array.isArray(options) ? { args: options } : options;
  const port = sippPort();
  const sipp = runSipp({ scenario, port, calls: 1, args: ['-mp', String(mediaPort(port)), ...(o.args ?? [])], timeoutMs: o.timeoutMs ?? 15000, traceMessages: o.traceMessages });
  return { sipp, port, scenario };
}

/** sipp as UAC running `scenario` against `callee` (as user `bob`, the scenario's -s), on a port of its own. */
export function sippCallsUs(callee: Party, scenario: string, options: UasOptions = {}): { sipp: SippRun; port: number } {
  const port = sippPort();
  const sipp = runSipp({
    scenario,
    port,
    target: `127.0.0.1:${callee.ua.endpoints[0].port}`,
    calls: 1,
    args: ['-s', 'bob', ...(options.args ?? []), '-mp', String(mediaPort(port))],
    timeoutMs: options.timeoutMs ?? 15000,
    traceMessages: options.traceMessages,
  });
  return { sipp, port };
}

/** We call that sipp with one AudioStream; resolves when the call is up. */
export async function callSipp(alice: Party, uas: { sipp: SippRun; port: number; scenario: string }): Promise<{ session: Session; first: AudioStream }> {
  await new Promise((r) => setTimeout(r, 200));
  const session = new Session(alice.account, alice.manager.engine);
  const first = new AudioStream();
  // a sipp that quits early (a scenario error) fails the test at once, with its stderr
  const quit = uas.sipp.done.then((r) => {
    throw new Error(`${uas.scenario}: sipp quit before the call was up (exit ${r.code})\n${r.stderr.slice(-1500)}`);
  });
  quit.catch(() => {});
  const outcome = await Promise.race([session.connect(`sip:service@127.0.0.1:${uas.port}`, [], [first]), quit]);
  assert.equal(outcome, { started: true });
  assert.is(first.remoteRtpPortSdp, mediaPort(uas.port));
  return { session, first };
}

/**
 * A call from us (`alice`, one AudioStream) to a sipp UAS running `scenario`: `body` runs while
 * it is up; sipp is killed and alice stopped afterwards, whatever happens.
 */
export async function inCall(
  scenario: string,
  options: UasOptions | string[],
  body: (c: { alice: Party; session: Session; first: AudioStream; sipp: SippRun; port: number }) => Promise<void>,
  makeAlice: () => Promise<Party>,
): Promise<void> {
  const alice = await makeAlice();
  const uas = sippUas(scenario, options);
  try {
    const { session, first } = await callSipp(alice, uas);
    await body({ alice, session, first, sipp: uas.sipp, port: uas.port });
  } finally {
    uas.sipp.kill();
    await alice.stop();
  }
}
