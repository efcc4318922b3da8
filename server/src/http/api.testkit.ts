/**
 * Test support for the REST tests: the real server (`startServer`) on 127.0.0.1 port 0
 * with a throwaway sqlite file and captured logs, a movable clock, a small fetch client,
 * and real certified devices enrolled and logged in through the API itself
 * (certified.testkit.ts). Every secret the kit sees (tokens, code secrets, nonces,
 * signatures) is collected so tests can scan logs for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import type { OneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import { eventHash, GENESIS_PREV_HASH, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { issuedCodeResponseSchema } from '@yhteispoyta/crypto/protocol';
import type {
  MemberDevice,
  MemberInfo,
  MembershipEvent,
  MembershipEventType,
  MembershipPayloads,
  WorkspaceKind,
} from '@yhteispoyta/crypto/types';
import { expect } from 'vitest';
import { startServer } from '../app';
import type { RunningServer } from '../app';
import { loadConfig } from '../config';
import { createStore } from '../store/create-store';
import type { Store } from '../store/port';
import { call } from './api-call.testkit';
import type { ApiAnswer } from './api-call.testkit';
import { TEST_ADMIN_TOKEN, certifyOrg, chainDevice, enrolCertifiedDevice, inviteCertifiedClient, linkCertifiedDevice, newCode } from './certified.testkit';
import type { CertifiedDevice } from './certified.testkit';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';

export { call, expectError, expectOk } from './api-call.testkit';
export type { ApiAnswer, ApiRequest } from './api-call.testkit';
export {
  TEST_ADMIN_TOKEN,
  certifyOrg,
  chainDevice,
  deploymentOf,
  enrol,
  enrolBody,
  enrolCertifiedDevice,
  freshUpload,
  identityTestKey,
  logCertificateFor,
  logIn,
  newCode,
} from './certified.testkit';
export type { CertifiedDevice } from './certified.testkit';

/** A running server plus what the tests observe of it. */
export interface ApiServer {
  readonly url: string;
  readonly running: RunningServer;
  /** every log line written so far */
  readonly logLines: string[];
  /** secret values that went over the wire (tokens, codes, nonces, signatures) */
  readonly secrets: Set<string>;
  /** `ctx.now()` is real time plus this offset */
  clockOffsetMs: number;
  close(): Promise<void>;
}

/** Environment overrides of a test server (strings, as in the environment). */
export type TestEnv = Record<string, string | undefined>;

/** Start the real server on a fresh sqlite file with generous rate limits unless overridden. */
export async function startApiServer(env: TestEnv = {}, wrapStore?: (store: Store) => Store): Promise<ApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'yhteispoyta-api-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    SQLITE_PATH: join(dir, 'server.db'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'debug',
    RATE_PER_IP_PER_MINUTE: '1000000',
    RATE_PER_DEVICE_PER_MINUTE: '1000000',
    ...env,
  });
  const logLines: string[] = [];
  const clock = { clockOffsetMs: 0 };
  let store: Store | undefined;
  if (wrapStore !== undefined) store = wrapStore(await createStore(config.store));
  const running = await startServer({
    config,
    ...(store === undefined ? {} : { store }),
    logDestination: { write: (line: string) => void logLines.push(line) },
    now: () => Date.now() + clock.clockOffsetMs,
  });
  return Object.assign(clock, {
    url: running.url,
    running,
    logLines,
    secrets: new Set<string>([TEST_ADMIN_TOKEN]),
    async close() {
      await running.close();
      if (store !== undefined) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** A device of a user as a test holds it: a certified, logged-in device (certified.testkit.ts). */
export type TestDevice = CertifiedDevice;

/** The member info of a device's user for membership events (by default naming just this device). */
export function memberOf(device: TestDevice, owner = false, devices: readonly MemberDevice[] = [chainDevice(device)]): MemberInfo {
  return { userId: device.ref.userId, orgId: device.orgId, role: device.role, owner, devices: [...devices] };
}

/** Create a certified organisation through the admin API (the root is registered first). */
export async function createOrg(server: ApiServer, name = 'Kela, Helsinki'): Promise<string> {
  return (await certifyOrg(server, undefined, name)).orgId;
}

/**
 * Register an enrolment code id through the admin API, as the organisation's admin tool
 * does; the code (secret included) stays with the test.
 */
export async function issueCode(server: ApiServer, orgId: string, role: ProfessionalRole = 'social_worker'): Promise<{ code: OneTimeCode; userId: string }> {
  const code = newCode(server, 'enrolment');
  const answer = await call(server, 'POST', '/v1/admin/enrolment-codes', {
    token: TEST_ADMIN_TOKEN, json: { codeId: code.codeId, orgId, role, displayName: 'Maija Meikäläinen' },
  });
  expect(answer.status).toBe(200);
  return { code, userId: issuedCodeResponseSchema.parse(answer.body).userId };
}

/** A certified professional of `orgId` (an organisation of this server's deployment), enrolled and logged in through the API. */
export async function enrolProfessional(server: ApiServer, orgId: string, role: ProfessionalRole = 'social_worker'): Promise<TestDevice> {
  return enrolCertifiedDevice(server, { orgId, role });
}

/** A certified client of case workspace `workspaceId`, invited by its owner `inviter` (not yet added to the chain). */
export async function inviteClient(server: ApiServer, inviter: TestDevice, workspaceId: string): Promise<TestDevice> {
  return inviteCertifiedClient(server, inviter, workspaceId);
}

/** A further certified device of `existing`'s person, approved by `existing`. */
export async function linkDevice(server: ApiServer, existing: TestDevice): Promise<TestDevice> {
  return linkCertifiedDevice(server, existing);
}

let workspaceCounter = 0;

/** A signed `create` event by `owner` (not sent). */
export function createEvent(server: ApiServer, owner: TestDevice, kind: WorkspaceKind = 'case'): MembershipEvent<'create'> {
  workspaceCounter += 1;
  return signEvent<'create'>(
    {
      workspaceId: `ws-${workspaceCounter}-${toBase64(randomBytes(6)).replace(/[+/=]/g, 'x')}`,
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind, labelCommitment: textCommitment('label', `Asiakkuus ${workspaceCounter}`, newTextSalt()), creator: memberOf(owner, true) },
      author: owner.ref,
      at: Date.now() + server.clockOffsetMs,
    },
    owner.identity.identityKeyPair.privateKey,
  );
}

/** Create a workspace owned by `owner` through the API. */
export async function createWorkspace(server: ApiServer, owner: TestDevice, kind: WorkspaceKind = 'case'): Promise<string> {
  const answer = await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event: createEvent(server, owner, kind) } });
  expect(answer.status).toBe(200);
  return (answer.body as { workspaceId: string }).workspaceId;
}

/** The stored chain of a workspace, read through the API with a member's token. */
export async function chainOf(server: ApiServer, reader: TestDevice, workspaceId: string): Promise<MembershipEvent[]> {
  const answer = await call(server, 'GET', `/v1/workspaces/${workspaceId}/membership`, { token: reader.token });
  expect(answer.status).toBe(200);
  return (answer.body as { events: MembershipEvent[] }).events;
}

/**
 * The next event of a workspace signed by `author`, built on the chain as `reader` (a
 * member) sees it.
 */
export async function nextEvent<T extends MembershipEventType>(
  server: ApiServer,
  reader: TestDevice,
  author: TestDevice,
  workspaceId: string,
  type: T,
  payload: MembershipPayloads[T],
): Promise<MembershipEvent> {
  const chain = await chainOf(server, reader, workspaceId);
  const head = chain.at(-1);
  if (head === undefined) throw new Error('empty chain');
  const unsigned = { workspaceId, seq: head.seq + 1, prevHash: eventHash(head), type, payload, author: author.ref, at: Date.now() + server.clockOffsetMs };
  return signEvent(unsigned as UnsignedMembershipEvent, author.identity.identityKeyPair.privateKey);
}

/** Sign and append the next event; returns the answer. */
export async function append<T extends MembershipEventType>(
  server: ApiServer,
  author: TestDevice,
  workspaceId: string,
  type: T,
  payload: MembershipPayloads[T],
  reader: TestDevice = author,
): Promise<ApiAnswer> {
  const event = await nextEvent(server, reader, author, workspaceId, type, payload);
  return call(server, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: author.token, json: { event } });
}

/** Assert that no log line contains any secret the server handled. */
export function expectLogsFreeOfSecrets(server: ApiServer): void {
  expect(server.logLines.length).toBeGreaterThan(0);
  const leaks = [...server.secrets].filter((secret) => server.logLines.some((line) => line.includes(secret)));
  expect(leaks).toEqual([]);
}
