/**
 * `npm start`'s demo organisation: a deployment root and one organisation whose key files
 * live in the local data folder, so that a fresh installation works in one command and
 * the demo professional is certified by a real organisation key, exactly as in production;
 * the root also certifies the server's transparency log key, as `create-org` does.
 * The key files' passphrase is random and kept next to them (0600), which is acceptable
 * only because this is a demo on one machine; real roots and organisations are made with
 * `npm run admin -- init-root / create-org`.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { AdminClient } from './admin-client';
import { OrgAuthority } from './authority';
import { AdminError } from './errors';
import type { CreateKeyFileOptions } from './key-file';
import { certifyLog, logCertification } from './log-certification';
import { newOrganisation } from './organisation';
import { KeyFileOrgStateStore } from './org-state';
import { createRoot, loadRootKey, saveRootKey } from './root-key';

/** Options of {@link ensureDemoOrganisation}. */
export interface DemoOptions {
  /** folder of the demo's key files (created 0700) */
  readonly dir: string;
  readonly admin: AdminClient;
  /** the organisation's name when it is made */
  readonly name: string;
  /** scrypt cost of the key files (tests make it cheap) */
  readonly kdf?: CreateKeyFileOptions['kdf'];
  readonly now?: () => number;
}

/** The demo organisation, and whether it was made just now. */
export interface DemoOrganisation {
  readonly authority: OrgAuthority;
  readonly created: boolean;
  readonly rootKeyFile: string;
  readonly orgKeyFile: string;
  /** the fingerprint of the server's transparency log key, which the demo root certified */
  readonly logFingerprint: string;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

async function demoPassphrase(dir: string): Promise<string> {
  const path = join(dir, 'passphrase');
  if (await exists(path)) return (await readFile(path, 'utf8')).trim();
  const passphrase = Buffer.from(randomBytes(24)).toString('base64url');
  await writeFile(path, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
  return passphrase;
}

/**
 * Open the demo organisation in `dir`, or make root and organisation there on first use;
 * then (re-)register both with the server, which is idempotent (a reset server store gets
 * them again), and certify the server's log key with the root unless it already is.
 */
export async function ensureDemoOrganisation(opts: DemoOptions): Promise<DemoOrganisation> {
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const passphrase = await demoPassphrase(opts.dir);
  const rootKeyFile = join(opts.dir, 'root.key');
  const orgKeyFile = join(opts.dir, 'org.key');
  const keyOpts = opts.kdf === undefined ? {} : { kdf: opts.kdf };
  let created = false;
  let store: KeyFileOrgStateStore;
  if (await exists(orgKeyFile)) {
    store = await KeyFileOrgStateStore.open(orgKeyFile, passphrase);
  } else {
    const haveRoot = await exists(rootKeyFile);
    const root = haveRoot ? await loadRootKey(rootKeyFile, passphrase) : createRoot();
    if (!haveRoot) await saveRootKey(rootKeyFile, root, passphrase, keyOpts);
    const state = newOrganisation({ root, name: opts.name, ...(opts.now === undefined ? {} : { now: opts.now() }) });
    store = await KeyFileOrgStateStore.create(orgKeyFile, state, passphrase, keyOpts);
    created = true;
  }
  const authority = await OrgAuthority.open({ store, admin: opts.admin, ...(opts.now === undefined ? {} : { now: opts.now }) });
  try {
    await authority.register();
  } catch (error) {
    if (error instanceof AdminError && error.code === 'root_mismatch') {
      throw new AdminError('root_mismatch', `the server's store belongs to another deployment root than the demo keys in ${opts.dir}: remove that folder and the server's store together`);
    }
    throw error;
  }
  const now = opts.now?.() ?? Date.now();
  const log = await logCertification(opts.admin, authority.rootKey, now);
  if (log.notAfter === undefined) await certifyLog({ admin: opts.admin, root: await loadRootKey(rootKeyFile, passphrase), now });
  return { authority, created, rootKeyFile, orgKeyFile, logFingerprint: log.fingerprint };
}
