/**
 * The operator's command line (`npm run admin -- <command>`): works directly on the
 * configured store, so it needs no running server and no ADMIN_TOKEN. Prints JSON on
 * stdout, human-readable problems on stderr, and exits 0 (done), 1 (refused or failed)
 * or 2 (usage). Its actions are audited like the admin API's.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ProtocolError, issueEnrolmentCodeRequestSchema, orgNameSchema } from '@yhteispoyta/crypto/protocol';
import { ConfigError, loadConfig } from '../config';
import { createHub } from '../context';
import type { ServerContext } from '../context';
import { createRootLogger } from '../logger';
import { issueEnrolmentCode } from '../services/codes';
import { createOrg } from '../services/directory';
import { createStore } from '../store/create-store';

/** Where the CLI writes; the real one writes to stdout and stderr. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The usage text printed for a usage error. */
export const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-org --name <name>                          create an organisation
  issue-code --org <orgId> --role <role> --name <display name> [--ttl <seconds>]
                                                    issue a one-time enrolment code for a professional
  list-orgs                                         list organisations

The store is the server's (STORE, SQLITE_PATH, STORE_KEY, MONGODB_URI).`;

/** A parsed command line. */
export type CliCommand =
  | { readonly command: 'create-org'; readonly name: string }
  | { readonly command: 'issue-code'; readonly orgId: string; readonly role: string; readonly displayName: string; readonly ttlSeconds?: number }
  | { readonly command: 'list-orgs' };

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function requireOption(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** Parse the arguments after `npm run admin --`; throws a usage error with a short reason. */
export function parseCommand(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : 'invalid arguments');
  }
  const allowed: Record<string, readonly string[]> = { 'create-org': ['name'], 'issue-code': ['org', 'role', 'name', 'ttl'], 'list-orgs': [] };
  const known = command === undefined ? undefined : allowed[command];
  if (known === undefined) throw new UsageError(command === undefined ? 'a command is required' : `unknown command: ${command}`);
  const extra = Object.keys(values).find((key) => values[key] !== undefined && !known.includes(key));
  if (extra !== undefined) throw new UsageError(`--${extra} is not an option of ${command}`);
  if (command === 'create-org') return { command, name: requireOption(values, 'name') };
  if (command === 'list-orgs') return { command };
  const ttl = values['ttl'];
  if (ttl !== undefined && !/^[0-9]{1,9}$/.test(ttl)) throw new UsageError('--ttl must be a number of seconds');
  return {
    command: 'issue-code',
    orgId: requireOption(values, 'org'),
    role: requireOption(values, 'role'),
    displayName: requireOption(values, 'name'),
    ...(ttl === undefined ? {} : { ttlSeconds: Number(ttl) }),
  };
}

async function execute(ctx: ServerContext, command: CliCommand): Promise<unknown> {
  switch (command.command) {
    case 'create-org': {
      const name = orgNameSchema.safeParse(command.name);
      if (!name.success) throw new UsageError('--name must be 1-200 characters, not blank, without control characters');
      return createOrg(ctx, name.data);
    }
    case 'issue-code': {
      const request = issueEnrolmentCodeRequestSchema.safeParse({
        orgId: command.orgId, role: command.role, displayName: command.displayName,
        ...(command.ttlSeconds === undefined ? {} : { ttlSeconds: command.ttlSeconds }),
      });
      if (!request.success) {
        const fields = [...new Set(request.error.issues.map((i) => String(i.path[0] ?? '')))].join(', ');
        throw new UsageError(`invalid ${fields} (roles: kela_expert, social_worker, health_professional, employment_advisor, teacher, interpreter)`);
      }
      return issueEnrolmentCode(ctx, request.data);
    }
    case 'list-orgs': {
      const orgs = await ctx.store.listOrgs();
      return { orgs: orgs.map((o) => ({ orgId: o.id, name: o.name, createdAt: o.createdAt })) };
    }
  }
}

/** Run one command against the store configured by `env`; resolves with the exit code. */
export async function runAdminCli(argv: readonly string[], env: Record<string, string | undefined>, io: CliOutput): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : 'invalid arguments'}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`${error.message}\n`);
    return EXIT.failed;
  }
  const store = await createStore(config.store);
  // Log lines go to stderr so that stdout carries only the JSON answer.
  const log = createRootLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const ctx: ServerContext = { config, store, log, hub: createHub(), now: () => Date.now() };
  try {
    io.out(`${JSON.stringify(await execute(ctx, command), null, 2)}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof ProtocolError) {
      io.err(`refused: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    await store.close();
  }
}
