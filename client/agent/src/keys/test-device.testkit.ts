/**
 * FOR TESTS: an enrolled device on a real SQLCipher profile (identity and prekeys
 * installed in its SqlSignalStores, public parts registered with a fake server), and its
 * keys module with a problem list.
 */
import { installPrekeys } from '@yhteispoyta/crypto/memory-stores';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import type { DeviceRef, Role } from '@yhteispoyta/crypto/types';
import { SerialQueue } from '../account/serial-queue';
import type { NewProblem, RestClient } from '../contracts';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { SqlSignalStores } from '../profile/signal-stores';
import type { KeysDevice } from './chain-writer';
import { createKeysCore } from './keys-core';
import type { KeysCore } from './keys-core';

/** A test device with its keys module and the problems it reported. */
export interface TestDevice {
  readonly device: KeysDevice;
  readonly core: KeysCore;
  readonly problems: NewProblem[];
  readonly profile: ProfileDb;
}

/** Create a profile in `dir`, enrol it (`register` gets the public upload), and build its keys core. */
export async function makeTestDevice(
  dir: string,
  who: { userId: string; deviceId?: number; orgId: string; role: Role; displayName?: string },
  register: (upload: ReturnType<typeof generatePrekeys>['upload']) => void,
  restFor: (self: DeviceRef) => RestClient,
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
  register(upload);
  const device: KeysDevice = {
    self,
    orgId: who.orgId,
    role: who.role,
    displayName: who.displayName ?? who.userId,
    identityKey: identity.identityKeyPair.privateKey,
    identityPublicKey: identity.identityKeyPair.publicKey,
    profile,
    stores,
    signalQueue: new SerialQueue(),
    rest: restFor(self),
  };
  const problems: NewProblem[] = [];
  const core = createKeysCore({ device, problems: { report: (p) => problems.push(p) } });
  return { device, core, problems, profile };
}
