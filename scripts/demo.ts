/**
 * `npm run demo`: the product with its seed case, in one command. Starts a fresh server
 * and four agents (Kela expert, social worker, health professional, client) already
 * enrolled and certified, fills in the case "Jani, 24 v" and a consultation, and prints
 * four addresses, one per person; open each in its own browser window. Ctrl-C stops all.
 *
 * Everything lives in `.data/demo` (or `--dir DIR`), which is emptied at each start: the
 * demo always begins from the same story. LOG_LEVEL (default `warn`) sets the log level.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDemo } from './demo/start-demo';
import type { RunningDemo } from './demo/start-demo';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

function usage(): never {
  process.stderr.write('usage: npm run demo [-- --dir DIR]\n');
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { dir?: string | undefined };
  try {
    ({ values } = parseArgs({ options: { dir: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    usage();
  }
  const dir = resolve(values.dir ?? join(repoRoot, '.data', 'demo'));
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`starting the demo in ${dir} (emptied first)…`);
  const demo: RunningDemo = await startDemo({ dir, logLevel: process.env.LOG_LEVEL || 'warn', progress: (line) => out(`  ${line}`) });

  out('');
  out('Yhteispöytä demo is ready. Open each address in its own browser window (or a private window each):');
  for (const person of demo.people) out(`  ${person.spec.displayName.padEnd(16)} ${person.spec.title}\n    ${person.openUrl}`);
  out('');
  out(`The case "Jani, 24 v" has a plan with agreed actions, a chat with an attachment; "19-vuotias, opinnot keskeytyneet" is a consultation without the client.`);
  out(`Every demo profile's passphrase (to unlock after locking): ${demo.passphrase}`);
  out('Ctrl-C stops the demo.');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    out('stopping…');
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
