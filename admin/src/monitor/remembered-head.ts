/**
 * What the monitor remembers between runs: the last head it verified. A deployment has one
 * log, whichever of its servers (or addresses) serves it, so one head is kept per state
 * file: a small JSON file next to the organisation's key file (`<key file>.monitor.json`)
 * unless the command names another. It holds nothing secret (a signed head is public); it
 * is written whole to a temporary file and renamed, so a crash leaves the old head or the
 * new one.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { signedTreeHeadSchema } from '@yhteispoyta/crypto/transparency/tree-head';
import { AdminError, errorMessage } from '../errors';

const stateSchema = z.strictObject({
  v: z.literal(1),
  head: signedTreeHeadSchema,
  /** the server it was read from (for people reading the file) */
  server: z.string().max(2048),
  checkedAt: z.int().min(0),
});
/** The remembered head and when and where it was checked. */
export type RememberedState = z.infer<typeof stateSchema>;

/** The default state file of an organisation key file. */
export function defaultStatePath(orgKeyFile: string): string {
  return `${orgKeyFile}.monitor.json`;
}

/** The head verified last time, if any. */
export async function rememberedHead(path: string): Promise<RememberedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AdminError('io', `cannot read the monitor's state ${path}: ${errorMessage(error)}`);
  }
  let parsed: z.ZodSafeParseResult<RememberedState>;
  try {
    parsed = stateSchema.safeParse(JSON.parse(text));
  } catch {
    throw new AdminError('io', `the monitor's state ${path} is not JSON`);
  }
  if (!parsed.success) throw new AdminError('io', `the monitor's state ${path} is malformed`);
  return parsed.data;
}

/** Remember `head`, read from `server` at `checkedAt`, as the last one verified. */
export async function rememberHead(path: string, state: Omit<RememberedState, 'v'>): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ v: 1, ...state }, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    throw new AdminError('io', `cannot write the monitor's state ${path}: ${errorMessage(error)}`);
  }
}
