#!/usr/bin/env node
/** `sonde`: the command line. Errors are one line on stderr and exit code 2. */
import { ProblemError } from '@sonde/client';
import { AssertionSyntaxError } from '@sonde/checks';
import { CliError } from './args.js';
import { COMMANDS, usage } from './commands.js';
import { describeError } from './execute.js';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') return usage(rest[0]);
  if (cmd === '--version' || cmd === '-V') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) throw new CliError(`unknown command '${cmd}' (sonde --help lists them)`);
  return command(rest);
}

function serverOf(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--server' || a === '-s');
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--server='))?.slice(9) ?? process.env.SONDE_SERVER ?? 'http://127.0.0.1:7070';
}

// `sonde probes | head`: a reader that goes away is the end of the output, not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const msg =
      err instanceof CliError || err instanceof AssertionSyntaxError
        ? err.message
        : err instanceof ProblemError
          ? `${err.message} [${err.type}]`
          : describeError(err, serverOf(process.argv.slice(2)));
    process.stderr.write(`sonde: ${msg.split('\n')[0]}\n`);
    if (process.env.SONDE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : 2;
  },
);
