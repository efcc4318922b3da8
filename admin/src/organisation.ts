/**
 * Making an organisation: a fresh organisation key, an id, and the certificate the
 * deployment root signs for them; then registering root and organisation with the server.
 * Making is pure (the caller saves the state before anything reaches the server, so a
 * registered organisation's key is never lost); registering is idempotent, so it can be
 * repeated after a failure or against a server whose store was reset.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { randomBytes, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { certificateId, MAX_CERTIFICATE_CLOCK_SKEW_MS, MAX_VALIDITY_MS, parseCertificate, signCertificate } from '@yhteispoyta/crypto/certificates/index';
import { orgNameSchema } from '@yhteispoyta/crypto/protocol';
import type { AdminClient } from './admin-client';
import { AdminError, errorMessage, ServerRefusedError } from './errors';
import { orgCertificate, parseOrgState } from './org-state';
import type { OrgState } from './org-state';
import type { RootKey } from './root-key';

const DAY_MS = 24 * 3600 * 1000;
/** Default validity of an organisation certificate: 5 years. */
const DEFAULT_ORG_VALID_DAYS = 5 * 365;
/** Longest validity a certificate may have, in whole days (crypto's MAX_VALIDITY_MS). */
const MAX_VALID_DAYS = Math.floor(MAX_VALIDITY_MS / DAY_MS) - 1;

/**
 * The validity window of a certificate signed at `now` for `days`. notBefore lies a little
 * in the past: an agent whose clock runs behind ours must not see a certificate that is
 * "not valid yet" in its first minutes.
 */
export function validityWindow(now: number, days: number): { notBefore: number; notAfter: number } {
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALID_DAYS) throw new AdminError('invalid_input', `validity must be 1-${MAX_VALID_DAYS} days`);
  return { notBefore: now - MAX_CERTIFICATE_CLOCK_SKEW_MS, notAfter: now + days * DAY_MS };
}

/** Options of {@link newOrganisation}. */
export interface NewOrganisationOptions {
  readonly root: RootKey;
  readonly name: string;
  /** validity of the organisation certificate; default {@link DEFAULT_ORG_VALID_DAYS} */
  readonly validDays?: number;
  /** ms since epoch; default Date.now() */
  readonly now?: number;
}

/** A new organisation: its key, a random id and the certificate the root signs. No I/O. */
export function newOrganisation(opts: NewOrganisationOptions): OrgState {
  const name = orgNameSchema.safeParse(opts.name);
  if (!name.success) throw new AdminError('invalid_input', 'the organisation name must be 1-200 characters, not blank, without control characters');
  const key = PrivateKey.generate();
  const orgId = `org_${Buffer.from(randomBytes(12)).toString('base64url')}`;
  const window = validityWindow(opts.now ?? Date.now(), opts.validDays ?? DEFAULT_ORG_VALID_DAYS);
  const orgKey = toBase64(toBytes(key.getPublicKey().serialize()));
  const certificate = signCertificate({ t: 'org', v: 1, orgId, name: name.data, orgKey, ...window }, opts.root.privateKey);
  return parseOrgState({
    v: 1, orgId, name: name.data, privateKey: toBase64(key.serialize()), rootKey: opts.root.publicKey, rootFingerprint: opts.root.fingerprint,
    certificate, codes: {}, users: {}, nextSerial: 1,
  });
}

/**
 * Tell the server the deployment root (a no-op when it already holds the same one) and
 * register the organisation. Registering the same certificate again succeeds; a server
 * holding another root is AdminError `root_mismatch`.
 */
export async function registerOrganisation(admin: AdminClient, state: OrgState): Promise<void> {
  try {
    await admin.setRoot(state.rootKey);
  } catch (error) {
    if (error instanceof ServerRefusedError && error.protocolCode === 'conflict') {
      throw new AdminError('root_mismatch', `the server already holds another deployment root than this organisation's (fingerprint ${state.rootFingerprint})`);
    }
    throw error;
  }
  const certificate = orgCertificate(state);
  try {
    const { orgId } = await admin.createOrg(certificate);
    if (orgId !== state.orgId) throw new AdminError('org_mismatch', `the server registered the organisation as ${orgId}, its certificate says ${state.orgId}`);
  } catch (error) {
    if (!(error instanceof ServerRefusedError && error.protocolCode === 'conflict')) throw error;
    // Already registered? Only if the server holds exactly this certificate for this id.
    const { orgs } = await admin.listOrgs();
    const held = orgs.find((org) => org.orgId === state.orgId);
    const parsed = held === undefined ? undefined : parseCertificate(held.certificate);
    const same = parsed?.ok === true && certificateId(parsed.certificate) === certificateId(certificate);
    if (!same) throw new AdminError('org_mismatch', `the server refused the organisation ${state.orgId}: ${errorMessage(error)}`);
  }
}
