/**
 * A client already enrolled joins a further case with another invitation code (issue 13).
 * The code names the deployment root like any code: a code for another deployment is
 * refused before anything is sent. This device proves the code's secret over ITS OWN
 * keys (device id, identity key, the person's user key) and presents the device
 * certificate his user key signed, exactly what a first device presents at enrolment; the
 * inviting professional's agent checks both and certifies him in that case. The server
 * only relays: it cannot make the inviter certify anyone else's keys.
 */
import { enrolmentProof, parseOneTimeCode, rootFingerprint } from '@yhteispoyta/crypto/certificates/codes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { RestError } from '../contracts';
import type { RestClient } from '../contracts';
import type { Device } from './device';

/** What redeeming needs of the enrolled device. */
export type RedeemingDevice = Pick<Device, 'self' | 'role' | 'rootKey' | 'identityPublicKey' | 'userKey'> & { readonly rest: RestClient };

/** Why joining with a further code failed. */
export type FurtherInvitationFailure =
  /** the text is not an invitation code */
  | 'bad_code'
  /** the code is for another deployment */
  | 'root_mismatch'
  /** only a client joins cases with a code; a professional is added by an owner */
  | 'not_client'
  /** this device does not hold the person's user key (a linked device): join on the first device */
  | 'no_user_key'
  /** the server refused: the code is unknown, used or expired */
  | 'code_refused'
  | 'offline';

/** Result of {@link redeemFurtherInvitation}. */
export type FurtherInvitationResult =
  | { readonly ok: true; readonly workspaceId: string }
  | { readonly ok: false; readonly code: FurtherInvitationFailure; readonly message: string };

/** Redeem `text` (an invitation code as typed) for this enrolled client device. Never throws for input or server refusals. */
export async function redeemFurtherInvitation(device: RedeemingDevice, text: string, now: () => number = Date.now): Promise<FurtherInvitationResult> {
  const code = parseOneTimeCode(text.trim());
  if (code === undefined || code.kind !== 'invitation') return { ok: false, code: 'bad_code', message: 'this is not an invitation code' };
  if (rootFingerprint(device.rootKey) !== code.rootFingerprint) {
    return { ok: false, code: 'root_mismatch', message: 'the code is for another deployment; nothing was sent' };
  }
  if (device.role !== 'client') return { ok: false, code: 'not_client', message: 'only a client joins a case with an invitation code' };
  const userKey = device.userKey();
  if (userKey === undefined) return { ok: false, code: 'no_user_key', message: 'join on the device you first enrolled with: it holds your key' };
  const self = device.self;
  const identityKey = toBase64(device.identityPublicKey.serialize());
  const userKeyText = toBase64(toBytes(userKey.getPublicKey().serialize()));
  const deviceCertificate = signCertificate({ t: 'device', v: 1, userId: self.userId, deviceId: self.deviceId, identityKey, created: now() }, userKey);
  const proof = enrolmentProof(code.secret, { codeId: code.codeId, deviceId: self.deviceId, identityKey, userKey: userKeyText });
  try {
    const { workspaceId } = await device.rest.call('redeemInvitation', { body: { codeId: code.codeId, userKey: userKeyText, deviceCertificate, proof } });
    return { ok: true, workspaceId };
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    if (error.code === 'offline') return { ok: false, code: 'offline', message: error.message };
    return { ok: false, code: 'code_refused', message: `the code was not accepted: ${error.message}` };
  }
}
