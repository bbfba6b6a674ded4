/**
 * `sipstate` — the command line. Each sub-command lives in its own file and exports
 * `run(args): Promise<number>` returning the exit status.
 */
import { runParse } from './parse.js';

const USAGE = `usage: sipstate <command> [options]

commands:
  parse [--stream] [FILE...]   parse SIP messages (standard input when no FILE) and print
                               one JSON object per message; exit 1 if any was refused
`;

type Command = (args: string[]) => Promise<number>;
const COMMANDS: Record<string, Command> = { parse: runParse };

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
    process.exitCode = 1;
  },
);
