/**
 * The agent's address that lasts across restarts: its local port and API token are kept
 * per profiles directory (`agent-address.json`, 0600 — beside the profiles, which are
 * protected the same way), so the address printed at the first start stays the one to
 * open: a bookmark keeps working, and a tab left open reconnects after a restart without
 * anyone copying a new token. A missing or unreadable file means a new address; a
 * remembered port someone else took meanwhile means a free one (remembered from then on).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AgentHost } from '../agent';
import { startApiServer } from './server';
import type { RunningApi } from './server';

/** The file in the profiles directory. */
const ADDRESS_FILE = 'agent-address.json';

const addressSchema = z.strictObject({
  v: z.literal(1),
  port: z.int().min(1).max(65535),
  // generateApiToken's form: 32 random bytes in base64url
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/** A remembered address. */
export interface LastingAddress {
  readonly port: number;
  readonly token: string;
}

/** The address remembered in `profilesDir`, or undefined when there is none that reads as one. */
function readLastingAddress(profilesDir: string): LastingAddress | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(profilesDir, ADDRESS_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = addressSchema.safeParse(json);
  return parsed.success ? { port: parsed.data.port, token: parsed.data.token } : undefined;
}

/** Remember `address` in `profilesDir` (written whole, then renamed into place; 0600). */
function writeLastingAddress(profilesDir: string, address: LastingAddress): void {
  mkdirSync(profilesDir, { recursive: true, mode: 0o700 });
  const path = join(profilesDir, ADDRESS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ v: 1, port: address.port, token: address.token })}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * Start the local API at the address of the last start in `profilesDir` — its token, and
 * without an explicit `port` (0) its port, or a free one when that is taken — and remember
 * the address it got. Not remembering (a read-only folder) costs only the lasting address.
 */
export async function startApiAtLastingAddress(opts: { readonly host: AgentHost; readonly profilesDir: string; readonly port: number; readonly logger: Logger }): Promise<RunningApi> {
  const remembered = readLastingAddress(opts.profilesDir);
  const rememberedPort = opts.port === 0 ? remembered?.port : undefined;
  const api = await startApiServer({
    host: opts.host,
    port: rememberedPort ?? opts.port,
    logger: opts.logger,
    ...(remembered === undefined ? {} : { token: remembered.token }),
    anyPortIfTaken: rememberedPort !== undefined,
  });
  try {
    writeLastingAddress(opts.profilesDir, { port: api.port, token: api.token });
  } catch (error) {
    opts.logger.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'the address could not be remembered: the next start prints a new one');
  }
  return api;
}
