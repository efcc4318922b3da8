/**
 * The command line of `npm run admin -- <command>`: parsing only (no I/O), so that every
 * usage error is found before a passphrase is asked for or a server is called.
 */
import { parseArgs } from 'node:util';
import { displayNameSchema, idSchema, MAX_CODE_TTL_SECONDS, MIN_CODE_TTL_SECONDS, orgNameSchema, professionalRoleSchema } from '@yhteispoyta/crypto/protocol';

/** The default server of every command that talks to one. */
const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

export const USAGE = `Usage: npm run admin -- <command> [options]

Keys (passphrase from YHTEISPOYTA_ADMIN_PASSPHRASE or --passphrase-file FILE):
  init-root --out FILE                      make the deployment root key (offline, service owner)
  create-org --root FILE --name NAME --out FILE [--valid-days N] [--org-passphrase-file FILE]
                                            make an organisation key signed by the root and register it
  register-org --org-key FILE               register root and organisation again (idempotent)
  certify-log --root FILE [--valid-days N]  certify the server's transparency log key with the root
                                            (create-org does it when the log is not yet certified)

Organisation admin (with the organisation's key file):
  issue-code --org-key FILE --role ROLE --name NAME [--ttl SECONDS]
                                            issue a one-time enrolment code (shown once)
  certify --org-key FILE [--valid-days N] [--watch [--interval-ms N]]
                                            check and certify devices that enrolled with your codes
  revoke-user --org-key FILE --user USERID  revoke every certificate of a user
  monitor --org-key FILE [--state FILE]     read the whole transparency log, check it, and list every
                                            certificate naming the organisation; flags any it did not
                                            issue (exit 1) or a log that does not verify (exit 3); the
                                            head checked is kept in FILE (default <org key>.monitor.json)

Server:
  list-orgs                                 list the organisations the server knows
  verify-audit                              have the server recompute its audit hash chain
                                            (exit status 1 when an entry does not check out)

Options of every command that talks to the server:
  --server URL          default ${DEFAULT_SERVER_URL}
  --token-file FILE     the server's admin token (or ADMIN_TOKEN in the environment; monitor
                        reads only the public log and needs none)
  --json                machine-readable output on stdout

Roles: kela_expert, social_worker, health_professional, employment_advisor, teacher, interpreter.
Exit status: 0 done, 1 refused or failed (monitor: a finding), 2 usage, 3 the log does not verify.`;

/** A usage error: exit status 2 with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options every command may take. */
export interface CommonOptions {
  readonly server: string;
  readonly tokenFile: string | undefined;
  readonly passphraseFile: string | undefined;
  readonly json: boolean;
}

/** A parsed command line. */
export type CliCommand = CommonOptions &
  (
    | { readonly command: 'help' }
    | { readonly command: 'init-root'; readonly out: string }
    | { readonly command: 'create-org'; readonly root: string; readonly name: string; readonly out: string; readonly validDays: number | undefined; readonly orgPassphraseFile: string | undefined }
    | { readonly command: 'register-org'; readonly orgKey: string }
    | { readonly command: 'certify-log'; readonly root: string; readonly validDays: number | undefined }
    | { readonly command: 'monitor'; readonly orgKey: string; readonly state: string | undefined }
    | { readonly command: 'issue-code'; readonly orgKey: string; readonly role: string; readonly name: string; readonly ttlSeconds: number | undefined }
    | { readonly command: 'certify'; readonly orgKey: string; readonly validDays: number | undefined; readonly watch: boolean; readonly intervalMs: number | undefined }
    | { readonly command: 'revoke-user'; readonly orgKey: string; readonly userId: string }
    | { readonly command: 'list-orgs' }
    | { readonly command: 'verify-audit' }
  );

/** The name of a command. */
export type CommandName = CliCommand['command'];

const OPTIONS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  'passphrase-file': { type: 'string' },
  'org-passphrase-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' },
  root: { type: 'string' },
  name: { type: 'string' },
  'valid-days': { type: 'string' },
  'org-key': { type: 'string' },
  role: { type: 'string' },
  ttl: { type: 'string' },
  watch: { type: 'boolean' },
  'interval-ms': { type: 'string' },
  user: { type: 'string' },
  state: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;

const COMMON: readonly OptionName[] = ['server', 'token-file', 'passphrase-file', 'json', 'help'];

/** The options each command takes besides {@link COMMON}. */
const COMMAND_OPTIONS: Readonly<Record<Exclude<CommandName, 'help'>, readonly OptionName[]>> = {
  'init-root': ['out'],
  'create-org': ['root', 'name', 'out', 'valid-days', 'org-passphrase-file'],
  'register-org': ['org-key'],
  'certify-log': ['root', 'valid-days'],
  monitor: ['org-key', 'state'],
  'issue-code': ['org-key', 'role', 'name', 'ttl'],
  certify: ['org-key', 'valid-days', 'watch', 'interval-ms'],
  'revoke-user': ['org-key', 'user'],
  'list-orgs': [],
  'verify-audit': [],
};

const isCommand = (name: string): name is Exclude<CommandName, 'help'> => Object.hasOwn(COMMAND_OPTIONS, name);

type Values = { readonly [K in OptionName]?: string | boolean };

function text(values: Values, name: OptionName): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function required(values: Values, name: OptionName): string {
  const value = text(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A required option that must parse with `schema` (checked here so that a typo costs no passphrase derivation). */
function checked(values: Values, name: OptionName, schema: { safeParse(value: unknown): { success: boolean } }, rule: string): string {
  const value = required(values, name);
  if (!schema.safeParse(value).success) throw new UsageError(`--${name} ${rule}`);
  return value;
}

function integer(values: Values, name: OptionName, min: number, max: number): number | undefined {
  const value = text(values, name);
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,12}$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(value);
}

/** Parse the arguments after `npm run admin --`. Throws {@link UsageError}. */
export function parseCommand(argv: readonly string[]): CliCommand {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs names the offending option; its message carries no secret (values are not echoed).
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0] ?? 'invalid arguments' : 'invalid arguments');
  }
  const { values, positionals } = parsed;
  const common: CommonOptions = {
    server: text(values, 'server') ?? DEFAULT_SERVER_URL,
    tokenFile: text(values, 'token-file'),
    passphraseFile: text(values, 'passphrase-file'),
    json: values.json === true,
  };
  const [name, ...extra] = positionals;
  if (name === 'help' || values.help === true) return { ...common, command: 'help' };
  if (name === undefined) throw new UsageError('a command is required');
  if (!isCommand(name)) throw new UsageError(`unknown command: ${name}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const allowed = [...COMMON, ...COMMAND_OPTIONS[name]];
  const stray = (Object.keys(values) as OptionName[]).find((key) => values[key] !== undefined && !allowed.includes(key));
  if (stray !== undefined) throw new UsageError(`--${stray} is not an option of ${name}`);
  switch (name) {
    case 'init-root':
      return { ...common, command: name, out: required(values, 'out') };
    case 'create-org':
      return {
        ...common, command: name, root: required(values, 'root'), name: checked(values, 'name', orgNameSchema, 'must be 1-200 characters, not blank, without control characters'),
        out: required(values, 'out'),
        validDays: integer(values, 'valid-days', 1, 3650), orgPassphraseFile: text(values, 'org-passphrase-file'),
      };
    case 'register-org':
      return { ...common, command: name, orgKey: required(values, 'org-key') };
    case 'certify-log':
      return { ...common, command: name, root: required(values, 'root'), validDays: integer(values, 'valid-days', 1, 3650) };
    case 'monitor':
      return { ...common, command: name, orgKey: required(values, 'org-key'), state: text(values, 'state') };
    case 'issue-code':
      return {
        ...common, command: name, orgKey: required(values, 'org-key'),
        role: checked(values, 'role', professionalRoleSchema, `must be one of ${professionalRoleSchema.options.join(', ')}`),
        name: checked(values, 'name', displayNameSchema, 'must be 1-100 characters, not blank, without control characters'),
        ttlSeconds: integer(values, 'ttl', MIN_CODE_TTL_SECONDS, MAX_CODE_TTL_SECONDS),
      };
    case 'certify': {
      const watch = values.watch === true;
      if (!watch && text(values, 'interval-ms') !== undefined) throw new UsageError('--interval-ms goes with --watch');
      return {
        ...common, command: name, orgKey: required(values, 'org-key'), validDays: integer(values, 'valid-days', 1, 3650), watch,
        intervalMs: integer(values, 'interval-ms', 100, 3_600_000),
      };
    }
    case 'revoke-user':
      return { ...common, command: name, orgKey: required(values, 'org-key'), userId: checked(values, 'user', idSchema, 'must be a user id (1-64 characters of A-Z a-z 0-9 _ -)') };
    case 'list-orgs':
    case 'verify-audit':
      return { ...common, command: name };
  }
}
