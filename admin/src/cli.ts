/**
 * Entry point of `npm run admin -- <command>` (see cli/args.ts for the commands). Ctrl-C
 * or SIGTERM ends `certify --watch` after the poll in progress.
 */
import { runAdminCli } from './cli/run';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

runAdminCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signal: stop.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runAdminCli does not reject; this is a last guard against a stack on the console.
    process.stderr.write(`admin: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
