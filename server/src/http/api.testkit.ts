/**
 * Test support for the REST tests: the real server (`startServer`) on 127.0.0.1 port 0
 * with a throwaway sqlite file and captured logs, a movable clock, a small fetch client,
 * and real devices enrolled and logged in through the API itself. Every secret the kit
 * sees (tokens, codes, nonces, signatures) is collected so tests can scan logs for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64, randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { eventHash, GENESIS_PREV_HASH, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import { errorBodySchema, loginSigningBytes } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import type {
  DeviceRef,
  MemberInfo,
  MembershipEvent,
  MembershipEventType,
  MembershipPayloads,
  PrekeyUpload,
  Role,
  WorkspaceKind,
} from '@yhteispoyta/crypto/types';
import { expect } from 'vitest';
import { startServer } from '../app';
import type { RunningServer } from '../app';
import { loadConfig } from '../config';
import { createStore } from '../store/create-store';
import type { Store } from '../store/port';

/** The admin token of every test server that has one. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

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

/** An answer of the API: status and parsed JSON (or raw bytes for octet-stream). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly bytes?: Uint8Array;
  readonly headers: Headers;
}

/** A request: JSON (`json`), raw bytes (`raw`), or nothing; `token` goes into `Authorization: Bearer`. */
export interface ApiRequest {
  readonly token?: string;
  readonly json?: unknown;
  readonly text?: string;
  readonly raw?: Bytes;
  readonly contentType?: string;
}

/** Send one request to the server. */
export async function call(server: ApiServer, method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`;
  let body: string | Bytes | undefined;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.text !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/json';
    body = request.text;
  } else if (request.raw !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/octet-stream';
    body = request.raw;
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    return { status: response.status, body: await response.json(), headers: response.headers };
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, body: undefined, bytes, headers: response.headers };
}

/** Assert an error answer: the status of `code`, a typed ErrorBody with that code, and the request id header. */
export function expectError(answer: ApiAnswer, status: number, code: ErrorCode): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { error: { code } } });
  const parsed = errorBodySchema.safeParse(answer.body);
  expect(parsed.success).toBe(true);
  if (parsed.success) expect(answer.headers.get('x-request-id')).toBe(parsed.data.error.id);
}

/** Assert a 200 answer whose body parses with `schema`; returns the parsed body. */
export function expectOk<T>(answer: ApiAnswer, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new Error(`answer does not parse: ${JSON.stringify(answer.body)}`);
  return parsed.data;
}

/** A device of a user as a test holds it: identity (private), token, and its member info. */
export interface TestDevice {
  readonly ref: DeviceRef;
  readonly identity: DeviceIdentity;
  readonly orgId: string;
  readonly role: Role;
  token: string;
}

/** The member info of a device's user for membership events. */
export function memberOf(device: TestDevice, owner = false, devices: readonly number[] = [device.ref.deviceId]): MemberInfo {
  return { userId: device.ref.userId, orgId: device.orgId, role: device.role, owner, devices: [...devices] };
}

let prekeyIds = 1;

/** A fresh identity and its full prekey upload with `count` one-time prekeys of each kind. */
export function freshUpload(deviceId: number, count = 2): { identity: DeviceIdentity; upload: PrekeyUpload } {
  const identity = generateDeviceIdentity(deviceId);
  const base = prekeyIds;
  prekeyIds += count + 2;
  const { upload } = generatePrekeys(identity, {
    signedPreKeyId: base, lastResortKyberId: base + count + 1, firstPreKeyId: base, firstKyberId: base, count,
  });
  return { identity, upload };
}

/** Create an organisation through the admin API. */
export async function createOrg(server: ApiServer, name = 'Kela, Helsinki'): Promise<string> {
  const answer = await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { name } });
  expect(answer.status).toBe(200);
  return (answer.body as { orgId: string }).orgId;
}

/** Issue an enrolment code through the admin API; the code is remembered as a secret. */
export async function issueCode(server: ApiServer, orgId: string, role: Role = 'social_worker'): Promise<{ code: string; userId: string }> {
  const answer = await call(server, 'POST', '/v1/admin/enrolment-codes', {
    token: TEST_ADMIN_TOKEN, json: { orgId, role, displayName: 'Maija Meikäläinen' },
  });
  expect(answer.status).toBe(200);
  const issued = answer.body as { code: string; userId: string };
  server.secrets.add(issued.code);
  return issued;
}

/** Sign a login challenge for a device and return the session token (remembered as a secret). */
export async function logIn(server: ApiServer, ref: DeviceRef, identity: DeviceIdentity): Promise<string> {
  const challenge = await call(server, 'POST', '/v1/auth/challenge', { json: ref });
  expect(challenge.status).toBe(200);
  const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
  const nonceBytes = fromBase64(nonce);
  if (nonceBytes === undefined) throw new Error('nonce is not base64');
  const signature = toBase64(identity.identityKeyPair.privateKey.sign(loginSigningBytes(nonceBytes, ref)));
  server.secrets.add(nonce).add(signature);
  const answer = await call(server, 'POST', '/v1/auth/login', { json: { challengeId, signature } });
  expect(answer.status).toBe(200);
  const { token } = answer.body as { token: string };
  server.secrets.add(token);
  return token;
}

/** Enrol a device with a code and log it in. */
export async function enrolWithCode(server: ApiServer, code: string, deviceId = 1): Promise<TestDevice> {
  const { identity, upload } = freshUpload(deviceId);
  const answer = await call(server, 'POST', '/v1/enrol', { json: { code, prekeys: upload } });
  expect(answer.status).toBe(200);
  const enrolled = answer.body as { userId: string; deviceId: number; orgId: string; role: Role };
  const ref = { userId: enrolled.userId, deviceId: enrolled.deviceId };
  for (const p of [upload.signedPreKey, upload.lastResortKyberPreKey, ...upload.oneTimeKyberPreKeys]) server.secrets.add(p.signature);
  return { ref, identity, orgId: enrolled.orgId, role: enrolled.role, token: await logIn(server, ref, identity) };
}

/** A professional of `orgId`, enrolled and logged in through the API. */
export async function enrolProfessional(server: ApiServer, orgId: string, role: Role = 'social_worker'): Promise<TestDevice> {
  const { code } = await issueCode(server, orgId, role);
  return enrolWithCode(server, code);
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
      payload: { kind, label: `Asiakkuus ${workspaceCounter}`, creator: memberOf(owner, true) },
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
