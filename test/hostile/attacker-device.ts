/**
 * A device the hostile relay holds: genuinely enrolled at the real server with a proof of
 * its code and certified by its organisation (a real colleague gone rogue, or the
 * operator's own professional account), but a member of no workspace. With its real keys
 * the relay can sign envelopes, offer its own prekey bundle in place of someone else's,
 * and write pairwise libsignal messages to agents.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { enrolmentProof, parseOneTimeCode, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { LoginSession } from '@yhteispoyta/agent/account/login-session';
import { HttpRestClient } from '@yhteispoyta/agent/net/rest-client';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { wrapEpochKey } from '@yhteispoyta/crypto/epoch';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { bundleFromUpload, installPrekeys, MemorySignalStores } from '@yhteispoyta/crypto/memory-stores';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import { establishSession } from '@yhteispoyta/crypto/sessions';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { ChainHead, ClaimedBundle, DeviceRef, EnvelopeHeader, MailboxItem, PrekeyUpload, WireEnvelope } from '@yhteispoyta/crypto/types';

/** An enrolled outsider device and what it can forge. */
export class AttackerDevice {
  readonly self: DeviceRef;
  readonly #identity: DeviceIdentity;
  readonly #upload: PrekeyUpload;
  readonly #stores: MemorySignalStores;
  readonly #rest: HttpRestClient;

  private constructor(self: DeviceRef, identity: DeviceIdentity, upload: PrekeyUpload, stores: MemorySignalStores, rest: HttpRestClient) {
    this.self = self;
    this.#identity = identity;
    this.#upload = upload;
    this.#stores = stores;
    this.#rest = rest;
  }

  /** Enrol a new device at `serverUrl` with a one-time enrolment `code` (as an agent does: user key, device certificate, proof) and log it in. */
  static async enrol(serverUrl: string, code: string): Promise<AttackerDevice> {
    const parsed = parseOneTimeCode(code);
    if (parsed === undefined) throw new Error('not a code');
    const identity = generateDeviceIdentity(1);
    const { records, upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstKyberId: 2, firstPreKeyId: 1, count: 5 });
    const stores = new MemorySignalStores(identity);
    await installPrekeys(stores, records);
    const anonymous = new HttpRestClient({ baseUrl: serverUrl });
    const prekeys = { ...upload, oneTimePreKeys: [...upload.oneTimePreKeys], oneTimeKyberPreKeys: [...upload.oneTimeKyberPreKeys] };
    const userKey = PrivateKey.generate();
    const userKeyText = toBase64(toBytes(userKey.getPublicKey().serialize()));
    const deviceCertificate = signCertificate(
      { t: 'device', v: 1, userId: userIdForCode(parsed.codeId), deviceId: 1, identityKey: upload.identityKey, created: Date.now() },
      userKey,
    );
    const proof = enrolmentProof(parsed.secret, { codeId: parsed.codeId, deviceId: 1, identityKey: upload.identityKey, userKey: userKeyText });
    const enrolled = await anonymous.call('enrol', { body: { codeId: parsed.codeId, prekeys, userKey: userKeyText, deviceCertificate, proof } });
    const self: DeviceRef = { userId: enrolled.userId, deviceId: enrolled.deviceId };
    const tokens = new LoginSession(anonymous, self, identity.identityKeyPair.privateKey);
    const rest = new HttpRestClient({ baseUrl: serverUrl, tokens });
    return new AttackerDevice(self, identity, upload, stores, rest);
  }

  /**
   * A device the operator makes up under someone else's account (`ref`): fresh keys, no
   * enrolment, no proof, no certificate by the person. The operator registers
   * {@link upload} in its own store; the device can then log in at the real server.
   */
  static async rogue(serverUrl: string, ref: DeviceRef): Promise<AttackerDevice> {
    const identity = generateDeviceIdentity(ref.deviceId);
    const { records, upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstKyberId: 2, firstPreKeyId: 1, count: 5 });
    const stores = new MemorySignalStores(identity);
    await installPrekeys(stores, records);
    const anonymous = new HttpRestClient({ baseUrl: serverUrl });
    const rest = new HttpRestClient({ baseUrl: serverUrl, tokens: new LoginSession(anonymous, ref, identity.identityKeyPair.privateKey) });
    return new AttackerDevice(ref, identity, upload, stores, rest);
  }

  /**
   * The operator's rewrite of an intercepted enrolment request: its own identity, prekeys
   * and (for a first device) user key and self-signed device certificate under the same
   * code id and device id. The proof stays the victim's: the operator cannot make a new
   * one without the code's secret.
   */
  static substituteEnrolment(body: Record<string, unknown>): Record<string, unknown> {
    const codeId = String(body.codeId);
    const deviceId = Number((body.prekeys as { deviceId?: unknown } | undefined)?.deviceId ?? 1);
    const identity = generateDeviceIdentity(deviceId);
    const { upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstKyberId: 2, firstPreKeyId: 1, count: 5 });
    const prekeys = { ...upload, oneTimePreKeys: [...upload.oneTimePreKeys], oneTimeKyberPreKeys: [...upload.oneTimeKyberPreKeys] };
    if (body.userKey === undefined) return { ...body, prekeys };
    const userKey = PrivateKey.generate();
    const deviceCertificate = signCertificate(
      { t: 'device', v: 1, userId: userIdForCode(codeId), deviceId, identityKey: upload.identityKey, created: Date.now() },
      userKey,
    );
    return { ...body, prekeys, userKey: toBase64(toBytes(userKey.getPublicKey().serialize())), deviceCertificate };
  }

  /** The identity private key (for re-signing envelopes). */
  get identityKey(): PrivateKey {
    return this.#identity.identityKeyPair.privateKey;
  }

  /** This device's public upload (identity key and prekeys), e.g. to register it under someone else's account. */
  get upload(): PrekeyUpload {
    return this.#upload;
  }

  /** This device's own prekey bundle presented as `victim`'s: what a swapped claim answer carries. */
  bundleAs(victim: DeviceRef): ClaimedBundle {
    const own = bundleFromUpload(this.self.userId, this.#upload);
    return { ...own, device: { userId: victim.userId, deviceId: victim.deviceId } };
  }

  /** An envelope authored and signed by this device, sealed under `epochKey` (one the relay obtained). */
  seal(header: Omit<EnvelopeHeader, 'author' | 'v' | 'chainHead'> & { readonly chainHead?: ChainHead }, plaintext: Uint8Array, epochKey: Uint8Array): WireEnvelope {
    const chainHead = header.chainHead ?? { seq: 0, hash: '0'.repeat(64) };
    return sealEnvelope({ header: { ...header, chainHead, v: PROTOCOL_VERSION, author: this.self }, plaintext, epochKey, identityKey: this.identityKey });
  }

  /**
   * A genuine pairwise message from this device to `recipient` carrying an epoch key,
   * as a mailbox item the relay can slip into the recipient's mailbox answer. The
   * recipient's bundle comes from `claim`: the operator's store (the server refuses a claim
   * by a device sharing no workspace with the recipient), or without it a claim at the real
   * server (for a device that does share one).
   */
  async epochKeyItem(
    recipient: DeviceRef,
    grant: { workspaceId: string; epoch: number; key: Uint8Array },
    claim?: (recipient: DeviceRef) => Promise<ClaimedBundle | null>,
  ): Promise<MailboxItem> {
    const bundle = claim !== undefined
      ? ((await claim(recipient)) ?? undefined)
      : (await this.#rest.call('claimBundles', { body: { userId: recipient.userId, deviceIds: [recipient.deviceId] } })).bundles[0];
    if (bundle === undefined) throw new Error(`no bundle for ${recipient.userId}.${recipient.deviceId}`);
    const session = await establishSession(this.#stores, this.self, bundle);
    if (!session.ok) throw new Error(`no session with the recipient: ${session.code}`);
    const wrapped = await wrapEpochKey(this.#stores, this.self, recipient, grant);
    if (!wrapped.ok) throw new Error(`cannot wrap the key: ${wrapped.code}`);
    return { id: `forged${Date.now()}`, from: this.self, to: recipient, message: wrapped.message, createdAt: Date.now() };
  }

  /** Send `recipient` an epoch key from this device through the real server's mailbox. */
  async sendEpochKey(recipient: DeviceRef, grant: { workspaceId: string; epoch: number; key: Uint8Array }): Promise<void> {
    const item = await this.epochKeyItem(recipient, grant);
    await this.#rest.call('sendMailbox', { body: { items: [{ to: recipient, message: item.message }] } });
  }

  /** What the server holds in this device's mailbox. */
  async mailbox(): Promise<MailboxItem[]> {
    return (await this.#rest.call('fetchMailbox', { query: { limit: 100 } })).items;
  }
}
