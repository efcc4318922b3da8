/**
 * Where the CLI gets its secrets: the key files' passphrase and the server's admin token,
 * each from a file named on the command line or from the environment — never from an
 * argument, which other users of the machine can read in the process list.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../errors';
import { UsageError } from './args';

/** The environment variable of the key files' passphrase. */
const PASSPHRASE_ENV = 'YHTEISPOYTA_ADMIN_PASSPHRASE';
/** The environment variable of an organisation file's own passphrase in `create-org` (default: the root's). */
const ORG_PASSPHRASE_ENV = 'YHTEISPOYTA_ORG_PASSPHRASE';
/** The environment variable of the server's admin token. */
const TOKEN_ENV = 'ADMIN_TOKEN';

/** Longest secret file read (a passphrase or a token, not a document). */
const MAX_SECRET_FILE_BYTES = 4096;

async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new UsageError(`cannot read the ${what} file ${path}: ${code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : errorMessage(error)}`);
  }
  if (text.length > MAX_SECRET_FILE_BYTES) throw new UsageError(`the ${what} file ${path} is too large`);
  // One trailing newline is the editor's, not the secret's.
  return text.replace(/\r?\n$/, '');
}

/** A secret from `file` if given, else from `env[variable]`; a usage error naming both when neither is there. */
async function secret(file: string | undefined, env: Record<string, string | undefined>, variable: string, what: string, flag: string): Promise<string> {
  const value = file !== undefined ? await readSecretFile(file, what) : env[variable];
  if (value === undefined || value === '') throw new UsageError(`the ${what} is missing: set ${variable} or pass ${flag} FILE`);
  return value;
}

/** The key files' passphrase. */
export function passphrase(file: string | undefined, env: Record<string, string | undefined>): Promise<string> {
  return secret(file, env, PASSPHRASE_ENV, 'passphrase', '--passphrase-file');
}

/** The passphrase of a new organisation file: its own when given, else the root's. */
export async function orgPassphrase(file: string | undefined, env: Record<string, string | undefined>, fallback: string): Promise<string> {
  if (file === undefined && (env[ORG_PASSPHRASE_ENV] ?? '') === '') return fallback;
  return secret(file, env, ORG_PASSPHRASE_ENV, 'organisation passphrase', '--org-passphrase-file');
}

/** The server's admin token. */
export function adminToken(file: string | undefined, env: Record<string, string | undefined>): Promise<string> {
  return secret(file, env, TOKEN_ENV, 'admin token', '--token-file');
}
