/**
 * `npm run agent -- --server URL [--profile NAME] [--dir DIR] [--port N]`: run the agent
 * process. It serves the UI API on 127.0.0.1, unlocks `--profile` at once when
 * `YHTEISPOYTA_PASSPHRASE` is set (automation and tests) or waits for the UI otherwise,
 * and prints one human line and one JSON line when ready:
 *
 *   agent ready: http://127.0.0.1:PORT/#token=…
 *   {"event":"ready","url":"http://127.0.0.1:PORT","port":PORT,"token":"…","pid":PID}
 *
 * (`pid` is this Node process, which a supervisor signals to stop the agent: `npm run`
 * and tsx sit in between.)
 * Logs go to stderr so stdout carries only those lines. SIGINT/SIGTERM shut down
 * cleanly: queued edits are flushed, sockets closed, the profile closed.
 */
import type { Logger } from 'pino';
import { AgentHost, createAgentLogger, createSessionFactory } from './agent';
import type { HostResult } from './agent';
import type { AgentConfig } from './config';
import { USAGE, parseAgentConfig } from './config';
import { startApiAtLastingAddress } from './api/lasting-address';
import type { RunningApi } from './api/server';

/** A running agent process: the host and its API. */
interface RunningAgent {
  readonly host: AgentHost;
  readonly api: RunningApi;
  /** flush, close sockets, close the profile; idempotent */
  shutdown(): Promise<void>;
}

/**
 * Start the agent from a parsed config; unlock (or with `--create`, create) the
 * configured profile when a passphrase is given. Rejects with a readable message when
 * the unlock fails, after closing what it started.
 */
async function runAgent(config: AgentConfig, passphrase: string | undefined, logger: Logger): Promise<RunningAgent> {
  const host = new AgentHost({ config, factory: createSessionFactory(), logger });
  // The agent keeps the token of its last start, and without --port its port too, so the printed address lasts.
  const api = await startApiAtLastingAddress({ host, profilesDir: config.profilesDir, port: config.port, logger });
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      await api.close();
      await host.close();
    })();
    return stopping;
  };
  if (config.profile !== undefined && passphrase !== undefined) {
    const exists = host.listProfiles().includes(config.profile);
    const result: HostResult =
      !exists && config.createProfile ? await host.createProfile(config.profile, passphrase) : await host.unlock(config.profile, passphrase);
    if (!result.ok) {
      await shutdown();
      throw new Error(`profile ${config.profile}: ${result.message} (${result.error})`);
    }
  }
  return { host, api, shutdown };
}

async function main(): Promise<void> {
  const parsed = parseAgentConfig(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    process.stderr.write(`Invalid agent configuration:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const { config } = parsed;
  // Read the passphrase once and remove it, so nothing this process starts inherits it.
  const passphrase = process.env.YHTEISPOYTA_PASSPHRASE || undefined;
  delete process.env.YHTEISPOYTA_PASSPHRASE;

  const logger = createAgentLogger(config.logLevel);
  let agent: RunningAgent;
  try {
    agent = await runAgent(config, passphrase, logger);
  } catch (err) {
    process.stderr.write(`agent failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const { api } = agent;
  process.stdout.write(`agent ready: ${api.openUrl}\n`);
  process.stdout.write(`${JSON.stringify({ event: 'ready', url: api.url, port: api.port, token: api.token, pid: process.pid })}\n`);

  // One Ctrl-C reaches npm, tsx and this process (tsx also relays it), so a repeat within
  // a second is the same request; a later one means "stop waiting".
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      process.stderr.write('second signal: exiting without waiting\n');
      process.exit(130);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down');
    agent.shutdown().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

await main();
