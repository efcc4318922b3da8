/**
 * Client invitations, authenticated end to end. The inviting professional's agent makes
 * the code (`inv_…` id, secret, root fingerprint) and registers only its id with the
 * server; the client's device redeems it with its keys and an HMAC under the secret. When
 * the server says a device redeemed the code, this agent checks that HMAC and the
 * client's self-signed device certificate, and only then signs the client certificate
 * (user key, workspace, a commitment to the name typed here) with its own certified
 * device key. A server that substitutes the client's keys cannot produce the HMAC: the
 * enrolment is refused and the user told.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import type { Logger } from 'pino';
import { checkEnrolmentProof, formatOneTimeCode, nameCommitment, newNameSalt, newOneTimeCode, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import { parseCertificate } from '@yhteispoyta/crypto/certificates/schema';
import { identityKeyHash, signCertificate, verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/signing';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MemberDevice } from '@yhteispoyta/crypto/types';
import type { RestClient } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { CertificateBook } from './certificate-book';
import type { ClientNames } from './client-names';

/** An invitation this device issued. */
export interface IssuedInvitation {
  readonly codeId: string;
  readonly workspaceId: string;
  readonly userId: string;
  readonly displayName: string;
  readonly expiresAt: number;
  readonly state: 'open' | 'admitted' | 'refused';
}

/** Outcome of {@link Invitations.admit}. */
export type AdmitResult =
  | { readonly ok: true; readonly workspaceId: string; readonly userId: string; readonly device: MemberDevice }
  /** nobody redeemed the code yet */
  | { readonly ok: false; readonly reason: 'not_yet' }
  /** the enrolment does not prove the secret or its keys do not belong together: not certified */
  | { readonly ok: false; readonly reason: 'refused'; readonly detail: string };

/** What invitations work with. */
export interface InvitationDeps {
  readonly profile: ProfileDb;
  readonly rest: RestClient;
  readonly self: DeviceRef;
  readonly identityKey: PrivateKey;
  readonly rootFingerprint: string;
  readonly book: CertificateBook;
  readonly names: ClientNames;
  readonly log: Logger;
  readonly now?: () => number;
}

/** Issues client invitations and admits the devices that redeem them. */
export class Invitations {
  readonly #deps: InvitationDeps;
  readonly #now: () => number;

  constructor(deps: InvitationDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Make an invitation code for a client of `workspaceId` called `displayName`. The name
   * stays on this device (and goes to members only inside encrypted key messages).
   */
  async create(workspaceId: string, displayName: string, ttlSeconds?: number): Promise<{ code: string; userId: string; expiresAt: number }> {
    const code = newOneTimeCode('invitation', this.#deps.rootFingerprint);
    const issued = await this.#deps.rest.call('createInvitation', {
      body: { workspaceId, codeId: code.codeId, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) },
    });
    if (issued.userId !== userIdForCode(code.codeId)) throw new Error('the server created the client under a user id the code does not name');
    const salt = newNameSalt();
    this.#deps.profile.transaction(() => {
      this.#deps.profile.db
        .prepare(
          'INSERT INTO identity_invitations (code_id, workspace_id, user_id, secret, display_name, salt, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run([code.codeId, workspaceId, issued.userId, code.secret, displayName, salt, issued.expiresAt, 'open']);
      this.#deps.names.recordOwn(issued.userId, workspaceId, displayName, salt);
    });
    return { code: formatOneTimeCode(code), userId: issued.userId, expiresAt: issued.expiresAt };
  }

  /** The invitation issued for a client user, if this device issued it. */
  forUser(userId: string): IssuedInvitation | undefined {
    return this.#list('WHERE user_id = ?', [userId])[0];
  }

  /** The invitation of a code id, if this device issued it. */
  forCode(codeId: string): IssuedInvitation | undefined {
    return this.#list('WHERE code_id = ?', [codeId])[0];
  }

  /**
   * Look whether the client redeemed the invitation; if so check his proof and keys and,
   * when they hold, certify him and his device. Rejects `offline` when unreachable. The
   * admitted user is the code's new user, or a client already enrolled who redeemed it
   * with his own device (a further case): then `userId` differs from the invitation's.
   */
  async admit(codeId: string): Promise<AdmitResult> {
    const row = this.#deps.profile.db.prepare('SELECT workspace_id, user_id, secret, display_name, salt, state FROM identity_invitations WHERE code_id = ?').get([codeId]);
    if (row === undefined || !(row.secret instanceof Uint8Array) || !(row.salt instanceof Uint8Array)) return { ok: false, reason: 'not_yet' };
    if (row.state === 'refused') return { ok: false, reason: 'refused', detail: 'this invitation was refused before' };
    const workspaceId = String(row.workspace_id);
    const userId = String(row.user_id);
    const { enrolment } = await this.#deps.rest.call('invitationEnrolment', { params: { codeId } });
    if (enrolment === null) return { ok: false, reason: 'not_yet' };
    const problem = checkEnrolment(enrolment, codeId, userId, toBytes(row.secret));
    // A client already enrolled redeemed it (a further case): certify HIM, under his own user id,
    // which his device certificate (signed by the user key the proof covers) names.
    const clientUserId = enrolment.userId;
    if (problem === undefined && clientUserId !== userId) {
      const further = await this.#furtherCaseProblem(clientUserId, enrolment.userKey as string);
      if (further !== undefined) {
        this.#setState(codeId, 'refused');
        this.#deps.log.warn({ codeId }, 'further invitation refused');
        return { ok: false, reason: 'refused', detail: further };
      }
    }
    if (problem !== undefined) {
      this.#setState(codeId, 'refused');
      this.#deps.log.warn({ codeId }, 'invitation enrolment refused');
      return { ok: false, reason: 'refused', detail: problem };
    }
    const userKey = enrolment.userKey as string;
    const clientCert = signCertificate(
      {
        t: 'client', v: 1, clientUserId, nameCommitment: nameCommitment(String(row.display_name), toBytes(row.salt)),
        userKey, workspaceId, invitedBy: this.#deps.self, created: this.#now(),
      },
      this.#deps.identityKey,
    );
    await this.#deps.rest.call('storeCertificate', { body: { certificate: clientCert } });
    await this.#deps.rest.call('storeCertificate', { body: { certificate: enrolment.deviceCertificate as never } });
    if (clientUserId !== userId) {
      // The name belongs to the enrolled client; the placeholder's copy would be sent on and refused by every receiver.
      this.#deps.names.forget(userId);
      this.#deps.names.recordOwn(clientUserId, workspaceId, String(row.display_name), toBytes(row.salt));
    }
    await this.#deps.book.refresh([clientUserId]);
    this.#setState(codeId, 'admitted');
    const identityKey = fromBase64(enrolment.identityKey) as Uint8Array;
    return { ok: true, workspaceId, userId: clientUserId, device: { deviceId: enrolment.deviceId, keyHash: identityKeyHash(identityKey) } };
  }

  /**
   * Why an enrolled person who redeemed a further invitation must not be certified here:
   * he must already be a client certified by a professional of this deployment (his
   * certificates, not the server, say so), under the very user key the proof covers —
   * so no professional becomes a client and no new key slips in under an existing client.
   */
  async #furtherCaseProblem(clientUserId: string, userKey: string): Promise<string | undefined> {
    await this.#deps.book.refresh([clientUserId]);
    const person = this.#deps.book.person(clientUserId);
    if (person?.kind !== 'client') return 'the person who redeemed the invitation is not a certified client';
    const presented = fromBase64(userKey);
    if (presented === undefined || toBase64(person.userKey) !== toBase64(presented)) return 'the client presented another key than the one he is certified with';
    return undefined;
  }

  #setState(codeId: string, state: IssuedInvitation['state']): void {
    this.#deps.profile.db.prepare('UPDATE identity_invitations SET state = ? WHERE code_id = ?').run([state, codeId]);
  }

  #list(where: string, params: string[]): IssuedInvitation[] {
    return this.#deps.profile.db
      .prepare(`SELECT code_id, workspace_id, user_id, display_name, expires_at, state FROM identity_invitations ${where} ORDER BY expires_at`)
      .all(params)
      .map((row) => ({
        codeId: String(row.code_id),
        workspaceId: String(row.workspace_id),
        userId: String(row.user_id),
        displayName: String(row.display_name),
        expiresAt: Number(row.expires_at),
        state: String(row.state) as IssuedInvitation['state'],
      }));
  }
}

/**
 * Why a redeemed invitation must not be certified, or undefined when it may: the kind and
 * code must be this invitation's (the user the code's new one, or an enrolled client), the HMAC must prove the secret over exactly the
 * keys presented, and the device certificate must be for this device and key, signed by
 * the presented user key.
 */
function checkEnrolment(enrolment: PendingEnrolment, codeId: string, invitedUserId: string, secret: Uint8Array): string | undefined {
  if (enrolment.kind !== 'invitation' || enrolment.codeId !== codeId) return 'the enrolment is not for this invitation';
  const userId = enrolment.userId;
  if (enrolment.userKey === undefined || enrolment.deviceCertificate === undefined) return 'the enrolment carries no user key or device certificate';
  const claim = { codeId, deviceId: enrolment.deviceId, identityKey: enrolment.identityKey, userKey: enrolment.userKey };
  if (!checkEnrolmentProof(secret, claim, enrolment.proof)) {
    return 'the keys presented do not carry the proof of the invitation secret (they may have been substituted)';
  }
  const parsed = parseCertificate(enrolment.deviceCertificate);
  if (!parsed.ok || parsed.certificate.body.t !== 'device') return 'the device certificate does not parse';
  const body = parsed.certificate.body;
  if (body.userId !== userId || body.deviceId !== enrolment.deviceId || body.identityKey !== enrolment.identityKey) {
    return 'the device certificate is for another device or key';
  }
  const userKey = fromBase64(enrolment.userKey);
  if (userKey === undefined || !verifyCertificateSignature(parsed.certificate, userKey)) return 'the device certificate is not signed by the presented user key';
  return undefined;
}
