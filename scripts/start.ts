/**
 * `npm start`: a complete local installation in one command. Starts the central server
 * in-process on the embedded sqlite store (`.data/server.db`, 127.0.0.1, port 8787
 * unless PORT is set) and the demo organisation: a deployment root and one organisation
 * whose passphrase-protected key files live in `.data/demo-keys` (made on first start,
 * reused after), certifying its professionals automatically as they enrol. On a fresh
 * organisation it prints a one-time enrolment code for its first professional. Then starts
 * one agent (profiles in `.data/profiles`) and prints the address to open. Ctrl-C stops all.
 *
 * The admin API's token is ADMIN_TOKEN when set, otherwise a random one kept in
 * `.data/admin-token` (0600) so that `npm run admin -- … --token-file .data/admin-token`
 * works against this server. Logs go to stderr at LOG_LEVEL (default `warn` here, so the console
 * shows what to do next rather than every request).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AdminClient, ensureDemoOrganisation, watchEnrolments } from '@yhteispoyta/admin/index';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { startServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { AgentHost, createAgentLogger, createSessionFactory } from '@yhteispoyta/agent/agent';
import { parseAgentConfig } from '@yhteispoyta/agent/config';
import { startApiAtLastingAddress } from '@yhteispoyta/agent/api/lasting-address';

const DEMO_ORG_NAME = 'Demo-hyvinvointialue';
const FIRST_PROFESSIONAL = { role: 'social_worker', displayName: 'Ensimmäinen ammattilainen' } as const;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dataDir = join(repoRoot, '.data');

const ADMIN_TOKEN_FILE = join(dataDir, 'admin-token');

/** The demo server's admin token: made once, kept 0600 in the data folder. */
function demoAdminToken(): string {
  if (existsSync(ADMIN_TOKEN_FILE)) return readFileSync(ADMIN_TOKEN_FILE, 'utf8').trim();
  const token = Buffer.from(randomBytes(24)).toString('base64url');
  writeFileSync(ADMIN_TOKEN_FILE, `${token}\n`, { mode: 0o600 });
  return token;
}

async function start(): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logLevel = process.env.LOG_LEVEL || 'warn';
  const adminToken = process.env.ADMIN_TOKEN || demoAdminToken();
  const serverConfig = loadConfig({ SQLITE_PATH: join(dataDir, 'server.db'), ...process.env, ADMIN_TOKEN: adminToken, HOST: '127.0.0.1', LOG_LEVEL: logLevel });
  const server = await startServer({ config: serverConfig, logDestination: pino.destination(2) });
  process.stdout.write(`server listening: ${server.url} (store: ${serverConfig.store.kind})\n`);

  const keysDir = join(dataDir, 'demo-keys');
  const demo = await ensureDemoOrganisation({ dir: keysDir, admin: new AdminClient({ baseUrl: server.url, token: adminToken }), name: DEMO_ORG_NAME });
  if (demo.created) {
    const issued = await demo.authority.issueCode(FIRST_PROFESSIONAL);
    process.stdout.write(
      [
        `made a demo deployment root and the organisation "${DEMO_ORG_NAME}" (key files in ${keysDir}; their passphrase is in ${join(keysDir, 'passphrase')} — a demo only).`,
        `one-time enrolment code for its first professional (${FIRST_PROFESSIONAL.displayName}), valid until ${new Date(issued.expiresAt).toISOString()}:`,
        `  ${issued.code}`,
        'It is shown only now: create a profile in the agent and enrol with it. The demo organisation certifies the device as soon as it enrols.',
        `the demo root certified the server's transparency log key (fingerprint ${demo.logFingerprint}).`,
        '',
      ].join('\n'),
    );
  } else {
    process.stdout.write(
      `demo organisation "${DEMO_ORG_NAME}" (key files in ${keysDir}); it certifies enrolling professionals automatically. More codes: \`npm run admin -- issue-code --server ${server.url} --token-file ${ADMIN_TOKEN_FILE} --org-key ${join(keysDir, 'org.key')} --passphrase-file ${join(keysDir, 'passphrase')} --role <role> --name <name>\`.\n`,
    );
  }
  // The demo organisation's admin certifies every professional who enrols with its codes.
  const watching = new AbortController();
  const watcher = watchEnrolments(demo.authority, {
    intervalMs: 1000,
    signal: watching.signal,
    onReport: (report) => {
      for (const c of report.certified) process.stdout.write(`certified ${c.displayName} (${c.userId}, device ${c.deviceId}) for ${DEMO_ORG_NAME}.\n`);
      for (const r of report.refused) process.stdout.write(`REFUSED an enrolment with code ${r.codeId}: ${r.detail}\n`);
    },
  });

  const parsed = parseAgentConfig(['--server', server.url, '--dir', join(dataDir, 'profiles'), '--log-level', logLevel], process.env);
  if (!parsed.ok) {
    await server.close();
    throw new Error(parsed.help ? 'unexpected --help' : parsed.errors.join('; '));
  }
  const logger = createAgentLogger(parsed.config.logLevel);
  const host = new AgentHost({ config: parsed.config, factory: createSessionFactory(), logger });
  // The address lasts across restarts (port and token kept with the profiles): open it once, bookmark it.
  const api = await startApiAtLastingAddress({ host, profilesDir: parsed.config.profilesDir, port: parsed.config.port, logger });
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
      watching.abort();
      await watcher;
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
