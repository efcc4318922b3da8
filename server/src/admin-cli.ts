/**
 * Entry point of `npm run admin -- <command>`: see admin/cli.ts for the commands.
 */
import { runAdminCli } from './admin/cli';

runAdminCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // An unexpected failure (the store could not be opened …): say so without a stack dump.
    process.stderr.write(`admin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
