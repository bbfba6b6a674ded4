/**
 * `sipstate` — the command line. Each sub-command lives in its own file and exports
 * `run(args): Promise<number>` returning the exit status.
 */
import { runParse } from './parse.js';
import { runMessage } from './message.js';
import { runOptions } from './options-command.js';
import { runRegister } from './register.js';
import { runAnswer, runCall } from './call.js';
import { runDemo } from './demo.js';
import { UsageError } from './options.js';

const USAGE = `usage: sipstate <command> [options]

commands:
  demo [--keep] [--inspect [PORT]]
                               a scripted call between two local accounts (tone, DTMF,
                               hold, resume, end) with its notifications and a summary
  parse [--stream] [FILE...]   parse SIP messages (standard input when no FILE) and print
                               one JSON object per message; exit 1 if any was refused
  message [URI TEXT]           send a MESSAGE (exit 0 on 2xx), or with no URI print the
                               MESSAGEs received until interrupted (--max N)
  options URI                  ask a peer what it supports (OPTIONS)
  register [--expires S]       register --account, print the registration notifications,
                               refresh until Ctrl-C, then unregister
  call URI [--play F.wav] [--record OUT.wav] [--dtmf 123#] [--duration S]
                               place a call with audio, print its notifications, hang up
                               after the duration (or when the peer does)
  answer [--play F.wav] [--record OUT.wav] [--max-calls N]
                               answer calls (many at once) until Ctrl-C or N have ended;
                               --record gets -2, -3... for later calls

shared options:
  --account URI --password P   identity and digest credentials (or --config FILE, JSON)
  --proxy URI                  outbound proxy
  --listen udp:127.0.0.1:5062  transport to listen on (repeatable; udp, tcp, tls, ws, wss)
  --dns 127.0.0.1:5353         nameservers for RFC 3263 lookups instead of the system's
  --json                       every notification as one JSON line on stdout
  --trace                      every SIP message sent and received, on stderr
`;

type Command = (args: string[]) => Promise<number>;
const COMMANDS: Record<string, Command> = { parse: runParse, message: runMessage, options: runOptions, register: runRegister, call: runCall, answer: runAnswer, demo: runDemo };

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`sipstate: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  return command(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sipstate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
