/**
 * The organisation's authority: the library behind `npm run admin`, `npm start`'s demo
 * organisation and the tests. It holds the organisation key (never the server) and
 *
 * - issues enrolment codes: the secret stays here, only the code id goes to the server;
 * - certifies pending enrolments: a device's keys are certified only when its proof of the
 *   code's secret matches them (see enrolment-check.ts), with the role and name the admin
 *   registered — never what the server shows;
 * - revokes users: one signed revocation per serial it ever certified for them.
 *
 * State (codes, users, serials) goes through an {@link OrgStateStore}: a key file for the
 * CLI, memory for tests. Every change is written before the step that depends on it
 * (a serial is recorded before its certificate is uploaded), so a crash or a failed upload
 * is repaired by running again, and never certifies twice under one serial.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { formatOneTimeCode, newOneTimeCode, signCertificate, userIdForCode } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate, ProfessionalRole } from '@yhteispoyta/crypto/certificates/index';
import { displayNameSchema, idSchema, MAX_CODE_TTL_SECONDS, MIN_CODE_TTL_SECONDS, professionalRoleSchema } from '@yhteispoyta/crypto/protocol';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import type { AdminClient } from './admin-client';
import { AdminError, errorMessage, ServerRefusedError } from './errors';
import { checkPendingEnrolment } from './enrolment-check';
import type { RefusalReason } from './enrolment-check';
import { certifyLog, logCertification } from './log-certification';
import { newOrganisation, registerOrganisation, validityWindow } from './organisation';
import type { NewOrganisationOptions } from './organisation';
import { orgCertificate, orgPrivateKey } from './org-state';
import type { IssuedCodeRecord, OrgState, OrgStateStore } from './org-state';

export { createRoot } from './root-key';
export type { RootKey } from './root-key';
export type { RefusalReason } from './enrolment-check';

/** Default validity of a user certificate: 2 years. */
const DEFAULT_USER_VALID_DAYS = 730;
/** Codes used, withdrawn or expired this long ago are dropped from the state. */
const CODE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Options of {@link createOrganisation}. */
export interface CreateOrganisationOptions extends NewOrganisationOptions {
  readonly admin: AdminClient;
}

/**
 * Make an organisation (key, id, root-signed certificate), set the root on the server
 * (idempotent) and register the organisation; the server's transparency log key gets the
 * root's certificate too when it has none from this root now (as `create-org` does: agents
 * rely on no certificate whose log they cannot check). The caller must keep the returned
 * state (it holds the private key); the CLI saves it *before* registering, with
 * {@link newOrganisation} and {@link registerOrganisation}.
 */
export async function createOrganisation(opts: CreateOrganisationOptions): Promise<OrgState> {
  const state = newOrganisation(opts);
  await registerOrganisation(opts.admin, state);
  const now = opts.now ?? Date.now();
  if ((await logCertification(opts.admin, opts.root.publicKey, now)).notAfter === undefined) await certifyLog({ admin: opts.admin, root: opts.root, now });
  return state;
}

/** What {@link OrgAuthority.issueCode} takes. */
export interface IssueCodeInput {
  /** a professional role (kela_expert, social_worker, …) */
  readonly role: string;
  readonly displayName: string;
  /** lifetime of the code; the server's default when absent */
  readonly ttlSeconds?: number;
}

/** An issued enrolment code. `code` holds the secret: show it once, to the person, and nowhere else. */
export interface IssuedCode {
  /** `<codeId>.<secret>.<rootFingerprint>`: what the person types into his agent */
  readonly code: string;
  readonly codeId: string;
  readonly userId: string;
  readonly role: ProfessionalRole;
  readonly displayName: string;
  readonly expiresAt: number;
}

/** Which device an enrolment is. */
interface EnrolmentRef {
  readonly codeId: string;
  readonly userId: string;
  readonly deviceId: number;
}

/** An enrolment certified: user and device certificates are stored on the server. */
export interface CertifiedEnrolment extends EnrolmentRef {
  readonly role: ProfessionalRole;
  readonly displayName: string;
  readonly serial: number;
  readonly notAfter: number;
}

/** An enrolment refused: never certified. `bad_proof` means the server may have substituted keys. */
export interface RefusedEnrolment extends EnrolmentRef {
  readonly reason: RefusalReason;
  readonly detail: string;
}

/** An enrolment that checked out but whose certificates the server refused to store (retried next time). */
export interface FailedEnrolment extends EnrolmentRef {
  readonly detail: string;
}

/** A pending enrolment this authority leaves alone. */
export interface IgnoredEnrolment extends EnrolmentRef {
  readonly reason: 'not_issued_here' | 'already_certified' | 'withdrawn' | 'not_an_enrolment_code';
}

/** Result of {@link OrgAuthority.certifyPending}. */
export interface CertifyReport {
  readonly certified: readonly CertifiedEnrolment[];
  readonly refused: readonly RefusedEnrolment[];
  readonly failed: readonly FailedEnrolment[];
  readonly ignored: readonly IgnoredEnrolment[];
}

/** Result of {@link OrgAuthority.revokeUser}. */
export interface RevokeReport {
  readonly userId: string;
  /** serials revoked now */
  readonly revokedSerials: readonly number[];
  /** serials revoked before */
  readonly alreadyRevoked: readonly number[];
  /** codes for the user that had not been used yet and will now never be certified */
  readonly withdrawnCodes: readonly string[];
}

/** Options of {@link OrgAuthority.open}. */
export interface OrgAuthorityOptions {
  readonly store: OrgStateStore;
  readonly admin: AdminClient;
  /** ms since epoch; default Date.now */
  readonly now?: () => number;
  /** validity of the user certificates it signs; default {@link DEFAULT_USER_VALID_DAYS} */
  readonly userValidDays?: number;
}

/** The code's secret still held, or undefined when it was used or withdrawn. */
function heldSecret(code: IssuedCodeRecord): Uint8Array | undefined {
  if (code.certifiedAt !== undefined || code.withdrawnAt !== undefined || code.secret === undefined) return undefined;
  return fromBase64(code.secret);
}

/** Drops codes used, withdrawn or expired more than the retention ago (never one mid-certification). */
function pruneCodes(state: OrgState, now: number): void {
  for (const [codeId, code] of Object.entries(state.codes)) {
    const closedAt = code.certifiedAt ?? code.withdrawnAt ?? (code.signed === undefined ? code.expiresAt : undefined);
    if (closedAt !== undefined && closedAt + CODE_RETENTION_MS < now) delete state.codes[codeId];
  }
}

/** One organisation's signing authority. */
export class OrgAuthority {
  readonly orgId: string;
  readonly name: string;
  /** base64 of the deployment root's public key */
  readonly rootKey: string;
  readonly rootFingerprint: string;
  readonly certificate: Certificate<'org'>;
  readonly #key: PrivateKey;
  readonly #store: OrgStateStore;
  readonly #admin: AdminClient;
  readonly #now: () => number;
  readonly #userValidDays: number;

  private constructor(state: OrgState, opts: OrgAuthorityOptions) {
    this.orgId = state.orgId;
    this.name = state.name;
    this.rootKey = state.rootKey;
    this.rootFingerprint = state.rootFingerprint;
    this.certificate = orgCertificate(state);
    this.#key = orgPrivateKey(state);
    this.#store = opts.store;
    this.#admin = opts.admin;
    this.#now = opts.now ?? (() => Date.now());
    this.#userValidDays = opts.userValidDays ?? DEFAULT_USER_VALID_DAYS;
    validityWindow(0, this.#userValidDays); // refuse a bad validity now, not at the first enrolment
  }

  /** The authority over the state in `store`. */
  static async open(opts: OrgAuthorityOptions): Promise<OrgAuthority> {
    return new OrgAuthority(await opts.store.load(), opts);
  }

  /** (Re-)register root and organisation with the server; idempotent. */
  async register(): Promise<void> {
    await registerOrganisation(this.#admin, await this.#store.load());
  }

  /** The state as it is now (holds secrets: for tests and diagnostics, never for printing). */
  state(): Promise<OrgState> {
    return this.#store.load();
  }

  /** Issue a one-time enrolment code for a professional of this organisation. */
  async issueCode(input: IssueCodeInput): Promise<IssuedCode> {
    const role = professionalRoleSchema.safeParse(input.role);
    if (!role.success) throw new AdminError('invalid_input', `unknown role ${JSON.stringify(input.role)} (roles: ${professionalRoleSchema.options.join(', ')})`);
    const displayName = displayNameSchema.safeParse(input.displayName);
    if (!displayName.success) throw new AdminError('invalid_input', 'the display name must be 1-100 characters, not blank, without control characters');
    const ttl = input.ttlSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < MIN_CODE_TTL_SECONDS || ttl > MAX_CODE_TTL_SECONDS)) {
      throw new AdminError('invalid_input', `the code's lifetime must be ${MIN_CODE_TTL_SECONDS}-${MAX_CODE_TTL_SECONDS} seconds`);
    }
    const code = newOneTimeCode('enrolment', this.rootFingerprint);
    // Registered first: if keeping the secret then fails, the code was never shown and
    // merely expires unused; the other order could leave a secret for an unknown code.
    const issued = await this.#admin.issueEnrolmentCode({
      codeId: code.codeId, orgId: this.orgId, role: role.data, displayName: displayName.data, ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
    });
    // The device derives its user id from the code id and signs it into its device
    // certificate; a server creating the user under another id would strand the enrolment.
    const userId = userIdForCode(code.codeId);
    if (issued.userId !== userId) throw new AdminError('bad_response', `the server registered the code for user ${issued.userId}, not ${userId} as the protocol requires`);
    const now = this.#now();
    await this.#store.update((state) => {
      state.codes[code.codeId] = {
        secret: toBase64(code.secret), role: role.data, displayName: displayName.data, userId, issuedAt: now, expiresAt: issued.expiresAt,
      };
      pruneCodes(state, now);
      return { state, result: undefined };
    });
    return { code: formatOneTimeCode(code), codeId: code.codeId, userId, role: role.data, displayName: displayName.data, expiresAt: issued.expiresAt };
  }

  /**
   * Certify every pending enrolment of this organisation whose code this authority issued
   * and whose proof and device certificate check out; refuse the others of its codes.
   * Network failures throw (nothing half-done is lost: run again).
   */
  async certifyPending(): Promise<CertifyReport> {
    const state = await this.#store.load();
    const enrolments = await this.#admin.listOrgEnrolments(this.orgId);
    const report: { certified: CertifiedEnrolment[]; refused: RefusedEnrolment[]; failed: FailedEnrolment[]; ignored: IgnoredEnrolment[] } = {
      certified: [], refused: [], failed: [], ignored: [],
    };
    for (const enrolment of enrolments) {
      const ref: EnrolmentRef = { codeId: enrolment.codeId, userId: enrolment.userId, deviceId: enrolment.deviceId };
      const code = state.codes[enrolment.codeId];
      if (enrolment.kind !== 'enrolment') {
        report.ignored.push({ ...ref, reason: 'not_an_enrolment_code' });
        continue;
      }
      if (code === undefined) {
        report.ignored.push({ ...ref, reason: 'not_issued_here' });
        continue;
      }
      const secret = heldSecret(code);
      if (secret === undefined) {
        report.ignored.push({ ...ref, reason: code.certifiedAt !== undefined ? 'already_certified' : 'withdrawn' });
        continue;
      }
      const check = checkPendingEnrolment(enrolment, { codeId: enrolment.codeId, secret, userId: code.userId, expiresAt: code.expiresAt });
      if (!check.ok) {
        report.refused.push({ ...ref, reason: check.reason, detail: check.detail });
        continue;
      }
      try {
        const certified = await this.#certify(enrolment, check.userKey, check.deviceCertificate);
        if (certified === undefined) report.ignored.push({ ...ref, reason: 'already_certified' });
        else report.certified.push(certified);
      } catch (error) {
        if (!(error instanceof ServerRefusedError)) throw error;
        report.failed.push({ ...ref, detail: `the server refused a certificate: ${errorMessage(error)}` });
      }
    }
    return report;
  }

  /** Sign (or re-use) the user certificate for a checked enrolment, store both certificates, forget the secret. */
  async #certify(enrolment: PendingEnrolment, userKey: string, deviceCertificate: Certificate<'device'>): Promise<CertifiedEnrolment | undefined> {
    const now = this.#now();
    const { codeId, deviceId, identityKey } = enrolment;
    const userCertificate = await this.#store.update((state) => {
      const code = state.codes[codeId];
      // Another process may have certified or withdrawn it since we loaded the state.
      if (code === undefined || heldSecret(code) === undefined) return { state, result: undefined };
      const signed = code.signed;
      if (signed !== undefined && signed.userKey === userKey && signed.identityKey === identityKey && signed.deviceId === deviceId) {
        return { state, result: signed.userCertificate as Certificate<'user'> };
      }
      const serial = state.nextSerial;
      const window = validityWindow(now, this.#userValidDays);
      // A user certificate outliving its organisation's would never verify past that point anyway.
      const notAfter = Math.min(window.notAfter, this.certificate.body.notAfter);
      if (notAfter <= window.notBefore) throw new AdminError('invalid_input', `the organisation certificate of ${this.orgId} has expired`);
      const certificate = signCertificate(
        { t: 'user', v: 1, userId: code.userId, orgId: this.orgId, role: code.role, displayName: code.displayName, userKey, notBefore: window.notBefore, notAfter, serial },
        this.#key,
      );
      const user = state.users[code.userId] ?? { role: code.role, displayName: code.displayName, serials: [], revokedSerials: [] };
      state.users[code.userId] = { ...user, serials: [...user.serials, serial] };
      state.nextSerial = serial + 1;
      state.codes[codeId] = { ...code, signed: { deviceId, identityKey, userKey, userCertificate: certificate } };
      return { state, result: certificate };
    });
    if (userCertificate === undefined) return undefined;
    // The user certificate first: the server checks the device certificate against its user key.
    await this.#upload(userCertificate);
    await this.#upload(deviceCertificate);
    await this.#store.update((state) => {
      const code = state.codes[codeId];
      if (code !== undefined) {
        const { secret: _secret, signed: _signed, ...rest } = code;
        state.codes[codeId] = { ...rest, certifiedAt: now };
      }
      pruneCodes(state, now);
      return { state, result: undefined };
    });
    const body = userCertificate.body;
    return { codeId, userId: body.userId, deviceId, role: body.role, displayName: body.displayName, serial: body.serial, notAfter: body.notAfter };
  }

  /** Upload one certificate; `conflict` means the server already holds it (a retry after a lost answer). */
  async #upload(certificate: Certificate): Promise<void> {
    try {
      await this.#admin.storeCertificate(certificate);
    } catch (error) {
      if (error instanceof ServerRefusedError && error.protocolCode === 'conflict') return;
      throw error;
    }
  }

  /**
   * Revoke a user: sign and upload a revocation of every serial certified for him, and
   * withdraw his codes not used yet. AdminError `unknown_user` when this organisation never
   * issued a code for him.
   */
  async revokeUser(userId: string): Promise<RevokeReport> {
    if (!idSchema.safeParse(userId).success) throw new AdminError('invalid_input', 'a user id is 1-64 characters of [A-Za-z0-9_-]');
    const now = this.#now();
    const plan = await this.#store.update((state) => {
      const withdrawnCodes: string[] = [];
      for (const [codeId, code] of Object.entries(state.codes)) {
        if (code.userId !== userId || heldSecret(code) === undefined) continue;
        const { secret: _secret, signed: _signed, ...rest } = code;
        state.codes[codeId] = { ...rest, withdrawnAt: now };
        withdrawnCodes.push(codeId);
      }
      const user = state.users[userId];
      if (user === undefined && withdrawnCodes.length === 0) throw new AdminError('unknown_user', `organisation ${this.orgId} has no user ${userId}`);
      const alreadyRevoked = user?.revokedSerials ?? [];
      const toRevoke = (user?.serials ?? []).filter((serial) => !alreadyRevoked.includes(serial));
      return { state, result: { withdrawnCodes, alreadyRevoked: [...alreadyRevoked], toRevoke } };
    });
    const revokedSerials: number[] = [];
    for (const serial of plan.toRevoke) {
      const revocation = signCertificate({ t: 'user_revocation', v: 1, orgId: this.orgId, userId, serial, revokedAt: now }, this.#key);
      await this.#upload(revocation);
      await this.#store.update((state) => {
        const user = state.users[userId];
        if (user !== undefined && !user.revokedSerials.includes(serial)) state.users[userId] = { ...user, revokedSerials: [...user.revokedSerials, serial] };
        return { state, result: undefined };
      });
      revokedSerials.push(serial);
    }
    return { userId, revokedSerials, alreadyRevoked: plan.alreadyRevoked, withdrawnCodes: plan.withdrawnCodes };
  }
}
