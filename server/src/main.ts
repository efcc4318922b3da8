/**
 * Entry point of `npm run server`: configuration from the environment, one server
 * process, graceful shutdown on SIGINT/SIGTERM. A bad configuration prints what is
 * wrong and exits 1 before anything starts.
 */
import { startServer } from './app';
import type { RunningServer } from './app';
import { ConfigError, loadConfig } from './config';
import type { ServerConfig } from './config';

/** A shutdown that hangs (a stuck connection, a slow store) is cut off after this long. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

function readConfig(): ServerConfig | undefined {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  }
}

function stopOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.ctx.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      process.stderr.write('shutdown timed out\n');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.ctx.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config === undefined) {
    process.exitCode = 1;
    return;
  }
  const server = await startServer({ config });
  process.stdout.write(`Yhteispöytä server listening on ${server.url}\n`);
  if (server.adminUrl !== undefined) process.stdout.write(`admin API listening on ${server.adminUrl}\n`);
  stopOnSignals(server);
}

main().catch((error: unknown) => {
  process.stderr.write(`server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
