/**
 * FOR TESTS: a device and its keys module on the real server in-process
 * (server/src/testkit), enrolled the real way: the agent's own enrolment (enrolDevice over
 * `server.fetch`) on a fresh SQLCipher profile with a code — a professional's code is then
 * certified as his organisation's admin tool does, a client's (his invitation) waits for
 * his inviter's agent. Also a device the operator registers for a person behind the
 * certificates' back. Each comes with its keys core and the problems it reported.
 */
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { SerialQueue } from '@yhteispoyta/common/queue';
import type { InProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { enrolDevice } from '../account/enrol';
import { LoginSession } from '../account/login-session';
import type { NewProblem, RestClient } from '../contracts';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { SqlSignalStores } from '../profile/signal-stores';
import { createKeysCore } from './keys-core';
import type { KeysCore, KeysCoreDevice } from './keys-core';

/** A test device with its keys module and the problems it reported. */
export interface TestDevice {
  readonly device: KeysCoreDevice;
  readonly core: KeysCore;
  readonly problems: NewProblem[];
  readonly profile: ProfileDb;
}

/** Who the test device is: a professional of `orgId`, or a client enrolling with the invitation `code` his inviter's agent made. */
export type TestDeviceSpec =
  | { readonly name: string; readonly orgId: string; readonly role: ProfessionalRole }
  | { readonly name: string; readonly code: string };

/** Options of {@link makeTestDevice}. */
export interface TestDeviceOptions {
  /** the REST client the keys module uses, made from the device's own (a test may wrap it) */
  readonly rest?: (own: RestClient) => RestClient;
}

/** Where the agents of these tests think the server is (`server.fetch` answers; nothing listens). */
const SERVER_URL = 'http://in-process.invalid';

let profiles = 0;

async function newProfile(dir: string, name: string): Promise<ProfileDb> {
  profiles += 1;
  const created = await createProfile(dir, `${name.toLowerCase()}-${profiles}`, 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  return created.profile;
}

function withCore(device: KeysCoreDevice, profile: ProfileDb): TestDevice {
  const problems: NewProblem[] = [];
  const core = createKeysCore({ device, problems: { report: (p) => problems.push(p) } });
  return { device, core, problems, profile };
}

/** Enrol a new device at `server` on a profile in `dir` (a professional's is certified at once) and build its keys core. */
export async function makeTestDevice(dir: string, server: InProcessServer, who: TestDeviceSpec, opts: TestDeviceOptions = {}): Promise<TestDevice> {
  const profile = await newProfile(dir, who.name);
  const issued = 'code' in who ? undefined : await server.issueProfessionalCode({ orgId: who.orgId, role: who.role, displayName: who.name });
  const code = 'code' in who ? who.code : (issued?.code ?? '');
  const enrolled = await enrolDevice(profile, { serverUrl: SERVER_URL, code, fetch: server.fetch });
  if (!enrolled.ok) throw new Error(`${who.name}: ${enrolled.code} ${enrolled.message}`);
  await issued?.certify();
  const own = enrolled.device;
  const device: KeysCoreDevice = {
    self: own.self,
    orgId: own.orgId,
    role: own.role,
    get displayName() {
      return own.displayName;
    },
    kind: own.kind,
    rootKey: own.rootKey,
    approvalCode: own.approvalCode,
    userKey: () => own.userKey(),
    setDisplayName: (name) => own.setDisplayName(name),
    identityKey: own.identityKey,
    identityPublicKey: own.identityPublicKey,
    profile,
    stores: own.stores,
    signalQueue: own.signalQueue,
    rest: opts.rest?.(own.rest) ?? own.rest,
  };
  return withCore(device, profile);
}

/**
 * A device the operator registers for `of`'s person as device `deviceId` straight into
 * the store, past every check: its own identity and prekeys on its own profile, no
 * certificate anywhere. It can log in (the server knows its key) and has a keys core.
 */
export async function makeRogueDevice(dir: string, server: InProcessServer, of: TestDevice, deviceId: number): Promise<TestDevice> {
  const self: DeviceRef = { userId: of.device.self.userId, deviceId };
  const profile = await newProfile(dir, `rogue-${deviceId}`);
  const stores = new SqlSignalStores(profile);
  const identity = generateDeviceIdentity(deviceId);
  stores.saveDeviceIdentity(identity);
  const ids = stores.nextPrekeyIds(11);
  const { records, upload } = generatePrekeys(identity, {
    signedPreKeyId: ids.signedPreKeyId, lastResortKyberId: ids.kyberPreKeyId, firstKyberId: ids.kyberPreKeyId + 1, firstPreKeyId: ids.preKeyId, count: 10,
  });
  stores.installPrekeys(records);
  const registered = await server.ctx.store.directory.registerDevice(self.userId, upload, server.ctx.now());
  if (!registered.ok) throw new Error(`rogue device: ${registered.code}`);
  const session = new LoginSession(server.rest(), self, identity.identityKeyPair.privateKey);
  const device: KeysCoreDevice = {
    self,
    orgId: of.device.orgId,
    role: of.device.role,
    displayName: of.device.displayName,
    kind: 'enrolment',
    rootKey: of.device.rootKey,
    approvalCode: undefined,
    userKey: () => undefined,
    setDisplayName: () => undefined,
    identityKey: identity.identityKeyPair.privateKey,
    identityPublicKey: identity.identityKeyPair.publicKey,
    profile,
    stores,
    signalQueue: new SerialQueue(),
    rest: server.rest({ tokens: session }),
  };
  return withCore(device, profile);
}

/**
 * The keys module of `of`'s device once more, on a fresh profile: the same person and
 * device to the server (its REST client), but no chain, certificate or key held yet.
 */
export async function makeFreshCopy(dir: string, of: TestDevice): Promise<TestDevice> {
  const profile = await newProfile(dir, 'copy');
  const device: KeysCoreDevice = { ...of.device, profile, stores: new SqlSignalStores(profile), signalQueue: new SerialQueue() };
  return withCore(device, profile);
}

