/**
 * A device the hostile relay holds: genuinely enrolled at the real server (the server
 * verified its prekeys and lists its identity key), but a member of no workspace. With
 * its real keys the relay can sign envelopes, offer its own prekey bundle in place of
 * someone else's, and write pairwise libsignal messages to agents.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
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
import type { ClaimedBundle, DeviceRef, EnvelopeHeader, MailboxItem, PrekeyUpload, WireEnvelope } from '@yhteispoyta/crypto/types';

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

  /** Enrol a new device at `serverUrl` with a one-time enrolment `code` and log it in. */
  static async enrol(serverUrl: string, code: string): Promise<AttackerDevice> {
    const identity = generateDeviceIdentity(1);
    const { records, upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstKyberId: 2, firstPreKeyId: 1, count: 5 });
    const stores = new MemorySignalStores(identity);
    await installPrekeys(stores, records);
    const anonymous = new HttpRestClient({ baseUrl: serverUrl });
    const prekeys = { ...upload, oneTimePreKeys: [...upload.oneTimePreKeys], oneTimeKyberPreKeys: [...upload.oneTimeKyberPreKeys] };
    const enrolled = await anonymous.call('enrol', { body: { code, prekeys } });
    const self: DeviceRef = { userId: enrolled.userId, deviceId: enrolled.deviceId };
    const tokens = new LoginSession(anonymous, self, identity.identityKeyPair.privateKey);
    const rest = new HttpRestClient({ baseUrl: serverUrl, tokens });
    return new AttackerDevice(self, identity, upload, stores, rest);
  }

  /** The identity private key (for re-signing envelopes). */
  get identityKey(): PrivateKey {
    return this.#identity.identityKeyPair.privateKey;
  }

  /** This device's own prekey bundle presented as `victim`'s: what a swapped claim answer carries. */
  bundleAs(victim: DeviceRef): ClaimedBundle {
    const own = bundleFromUpload(this.self.userId, this.#upload);
    return { ...own, device: { userId: victim.userId, deviceId: victim.deviceId } };
  }

  /** An envelope authored and signed by this device, sealed under `epochKey` (one the relay obtained). */
  seal(header: Omit<EnvelopeHeader, 'author' | 'v'>, plaintext: Uint8Array, epochKey: Uint8Array): WireEnvelope {
    return sealEnvelope({ header: { ...header, v: PROTOCOL_VERSION, author: this.self }, plaintext, epochKey, identityKey: this.identityKey });
  }

  /**
   * A genuine pairwise message from this device to `recipient` carrying an epoch key,
   * as a mailbox item the relay can slip into the recipient's mailbox answer. The
   * recipient's bundle is claimed at the real server.
   */
  async epochKeyItem(recipient: DeviceRef, grant: { workspaceId: string; epoch: number; key: Uint8Array }): Promise<MailboxItem> {
    const { bundles } = await this.#rest.call('claimBundles', { body: { userId: recipient.userId, deviceIds: [recipient.deviceId] } });
    const bundle = bundles[0];
    if (bundle === undefined) throw new Error(`no bundle for ${recipient.userId}.${recipient.deviceId}`);
    const session = await establishSession(this.#stores, this.self, bundle);
    if (!session.ok) throw new Error(`no session with the recipient: ${session.code}`);
    const wrapped = await wrapEpochKey(this.#stores, this.self, recipient, grant);
    if (!wrapped.ok) throw new Error(`cannot wrap the key: ${wrapped.code}`);
    return { id: `forged${Date.now()}`, from: this.self, to: recipient, message: wrapped.message, createdAt: Date.now() };
  }
}
