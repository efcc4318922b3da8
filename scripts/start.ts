/**
 * `npm start`: a complete local installation in one command. Starts the central server
 * in-process on the embedded sqlite store (`.data/server.db`, 127.0.0.1, port 8787
 * unless PORT is set), and on a fresh store creates a demo organisation and prints a
 * one-time enrolment code for its first professional. Then starts one agent (profiles
 * in `.data/profiles`) and prints the address to open. Ctrl-C stops both.
 *
 * Logs of both go to stderr at LOG_LEVEL (default `warn` here, so the console shows what
 * to do next rather than every request).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { issueEnrolmentCode } from '@yhteispoyta/server/services/codes';
import { createOrg } from '@yhteispoyta/server/services/directory';
import { AgentHost, createAgentLogger, createSessionFactory } from '@yhteispoyta/agent/agent';
import { parseAgentConfig } from '@yhteispoyta/agent/config';
import { startApiServer } from '@yhteispoyta/agent/api/server';

const DEMO_ORG_NAME = 'Demo-hyvinvointialue';
const FIRST_PROFESSIONAL = { role: 'social_worker', displayName: 'Ensimmäinen ammattilainen' } as const;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dataDir = join(repoRoot, '.data');

async function start(): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logLevel = process.env.LOG_LEVEL || 'warn';
  const serverConfig = loadConfig({ SQLITE_PATH: join(dataDir, 'server.db'), ...process.env, HOST: '127.0.0.1', LOG_LEVEL: logLevel });
  const server = await startServer({ config: serverConfig, logDestination: pino.destination(2) });
  process.stdout.write(`server listening: ${server.url} (store: ${serverConfig.store.kind})\n`);

  if ((await server.ctx.store.listOrgs()).length === 0) {
    const { orgId } = await createOrg(server.ctx, DEMO_ORG_NAME);
    const issued = await issueEnrolmentCode(server.ctx, { orgId, ...FIRST_PROFESSIONAL });
    process.stdout.write(
      [
        `fresh store: created the organisation "${DEMO_ORG_NAME}" (${orgId}).`,
        `one-time enrolment code for its first professional (${FIRST_PROFESSIONAL.displayName}), valid until ${new Date(issued.expiresAt).toISOString()}:`,
        `  ${issued.code}`,
        'It is shown only now: create a profile in the agent and enrol with it.',
        '',
      ].join('\n'),
    );
  } else {
    process.stdout.write('existing store: further enrolment codes come from `npm run admin -- issue-code --org <orgId> --role <role> --name <name>` (orgs: `npm run admin -- list-orgs`).\n');
  }

  const parsed = parseAgentConfig(['--server', server.url, '--dir', join(dataDir, 'profiles'), '--log-level', logLevel], process.env);
  if (!parsed.ok) {
    await server.close();
    throw new Error(parsed.help ? 'unexpected --help' : parsed.errors.join('; '));
  }
  const logger = createAgentLogger(parsed.config.logLevel);
  const host = new AgentHost({ config: parsed.config, factory: createSessionFactory(), logger });
  const api = await startApiServer({ host, port: parsed.config.port, logger });
  process.stdout.write(`agent ready: ${api.openUrl}\nopen that address in your browser. Ctrl-C stops the agent and the server.\n`);

  // Ctrl-C reaches npm, tsx and this process at once: a repeat within a second is the same one.
  let stoppingSince: number | undefined;
  const stop = (): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince >= 1000) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    process.stdout.write('stopping…\n');
    (async () => {
      await api.close();
      await host.close();
      await server.close();
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

start().catch((err: unknown) => {
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
