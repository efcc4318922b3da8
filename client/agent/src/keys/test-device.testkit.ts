/**
 * FOR TESTS: an enrolled device on a real SQLCipher profile (identity and prekeys
 * installed in its SqlSignalStores, public parts registered with a fake server, which
 * certifies a professional under its root; a client enrols with his invitation code and
 * waits for his inviter's agent), and its keys module with a problem list.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { enrolmentProof, parseOneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { installPrekeys } from '@yhteispoyta/crypto/memory-stores';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import type { DeviceRef, Role } from '@yhteispoyta/crypto/types';
import { SerialQueue } from '@yhteispoyta/common/queue';
import type { NewProblem, RestClient } from '../contracts';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { SqlSignalStores } from '../profile/signal-stores';
import type { FakeKeysServer } from './fake-server.testkit';
import { createKeysCore } from './keys-core';
import type { KeysCore, KeysCoreDevice } from './keys-core';

/** A test device with its keys module and the problems it reported. */
export interface TestDevice {
  readonly device: KeysCoreDevice;
  readonly core: KeysCore;
  readonly problems: NewProblem[];
  readonly profile: ProfileDb;
}

/** Who the test device is; a client passes the invitation code his inviter's agent made. */
export interface TestDeviceSpec {
  readonly userId: string;
  readonly deviceId?: number;
  readonly orgId: string;
  readonly role: Role;
  readonly displayName?: string;
  readonly code?: string;
  /** false: register without certificates (as a server would for a device nobody certified) */
  readonly certify?: boolean;
}

/** Create a profile in `dir`, register its device with `server`, and build its keys core. */
export async function makeTestDevice(
  dir: string,
  who: TestDeviceSpec,
  server: FakeKeysServer,
  opts: { rest?: (self: DeviceRef) => RestClient } = {},
): Promise<TestDevice> {
  const self = { userId: who.userId, deviceId: who.deviceId ?? 1 };
  const created = await createProfile(dir, `${who.userId}-${self.deviceId}`.toLowerCase(), 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  const profile = created.profile;
  const stores = new SqlSignalStores(profile);
  const identity = generateDeviceIdentity(self.deviceId);
  stores.saveDeviceIdentity(identity);
  const ids = stores.nextPrekeyIds(11);
  const { records, upload } = generatePrekeys(identity, {
    signedPreKeyId: ids.signedPreKeyId,
    lastResortKyberId: ids.kyberPreKeyId,
    firstKyberId: ids.kyberPreKeyId + 1,
    firstPreKeyId: ids.preKeyId,
    count: 10,
  });
  await installPrekeys(stores, records);
  let userKey: PrivateKey | undefined;
  if (who.role === 'client') {
    const code = parseOneTimeCode(who.code);
    if (code === undefined) throw new Error('a client test device needs its invitation code');
    userKey = PrivateKey.generate();
    const userKeyText = toBase64(toBytes(userKey.getPublicKey().serialize()));
    const deviceCertificate = signCertificate({ t: 'device', v: 1, userId: who.userId, deviceId: self.deviceId, identityKey: upload.identityKey, created: Date.now() }, userKey);
    const proof = enrolmentProof(code.secret, { codeId: code.codeId, deviceId: self.deviceId, identityKey: upload.identityKey, userKey: userKeyText });
    server.register({ userId: who.userId, orgId: who.orgId, role: who.role }, upload, { enrolment: { codeId: code.codeId, userKey: userKeyText, deviceCertificate, proof } });
  } else {
    server.register({ userId: who.userId, orgId: who.orgId, role: who.role, ...(who.displayName === undefined ? {} : { displayName: who.displayName }) }, upload, {
      ...(who.certify === undefined ? {} : { certify: who.certify }),
    });
    userKey = server.people.get(who.userId)?.userKey.priv;
  }
  let displayName = who.displayName ?? who.userId;
  const device: KeysCoreDevice = {
    self,
    orgId: who.orgId,
    role: who.role,
    get displayName() {
      return displayName;
    },
    kind: who.role === 'client' ? 'invitation' : 'enrolment',
    rootKey: server.ca.root.pub,
    approvalCode: undefined,
    userKey: () => userKey,
    setDisplayName: (name) => {
      displayName = name;
    },
    identityKey: identity.identityKeyPair.privateKey,
    identityPublicKey: identity.identityKeyPair.publicKey,
    profile,
    stores,
    signalQueue: new SerialQueue(),
    rest: (opts.rest ?? ((ref) => server.restFor(ref)))(self),
  };
  const problems: NewProblem[] = [];
  const core = createKeysCore({ device, problems: { report: (p) => problems.push(p) } });
  return { device, core, problems, profile };
}
