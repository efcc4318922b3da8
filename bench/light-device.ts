/**
 * Bench devices without an agent: a real libsignal identity registered through the
 * server's REST API as an agent registers it (a code from the organisation's admin tool,
 * prekeys, the person's user key and the device certificate signed with it, the proof of
 * the code's secret), certified by the admin tool, logged in by challenge–response; a
 * signed membership chain naming each device by id and key hash; and an authenticated
 * socket.io connection. They are what the relay sees from an agent, minus the agent's own
 * work, so relay throughput and per-connection memory can be measured without
 * client-side crypto capping them.
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { PrivateKey } from '@signalapp/libsignal-client';
import { fromBase64, randomBytes, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { enrolmentProof, parseOneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { identityKeyHash, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { GENESIS_PREV_HASH, eventHash, signEvent } from '@yhteispoyta/crypto/membership';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import { loginSigningBytes, SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { RouteBody } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MemberInfo, MembershipEvent } from '@yhteispoyta/crypto/types';
import { HttpRestClient } from '@yhteispoyta/agent/net/rest-client';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import { benchCode, certifyAll } from './organisation';
import type { BenchOrg } from './organisation';

/** A registered, logged-in bench device. */
export interface LightDevice {
  readonly ref: DeviceRef;
  readonly identity: DeviceIdentity;
  readonly member: MemberInfo;
  readonly token: string;
}

/** Run `task` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T, i);
  });
  await Promise.all(workers);
  return results;
}

/**
 * Enrol `count` devices (one user each, in `org`) through REST with codes of the
 * organisation's admin tool, have the admin tool certify them all, and log each in.
 */
export async function enrolLightDevices(serverUrl: string, org: BenchOrg, count: number): Promise<LightDevice[]> {
  const anonymous = new HttpRestClient({ baseUrl: serverUrl });
  const enrolled = await mapLimit(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
    const issued = await benchCode(org, `Bench ${i}`);
    const code = parseOneTimeCode(issued.code);
    if (code === undefined) throw new Error('the admin tool made a code that does not parse');
    const identity = generateDeviceIdentity(1);
    // One one-time prekey of each kind: nobody opens a pairwise session with these devices.
    const { upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 100, firstPreKeyId: 1, firstKyberId: 1, count: 1 });
    // The person's first device: a new user key, the device certificate signed with it, and the proof over both keys.
    const userKey = PrivateKey.generate();
    const userKeyText = toBase64(toBytes(userKey.getPublicKey().serialize()));
    const deviceCertificate = signCertificate({ t: 'device', v: 1, userId: issued.userId, deviceId: 1, identityKey: upload.identityKey, created: Date.now() }, userKey);
    const proof = enrolmentProof(code.secret, { codeId: code.codeId, deviceId: 1, identityKey: upload.identityKey, userKey: userKeyText });
    const prekeys = { ...upload, oneTimePreKeys: [...upload.oneTimePreKeys], oneTimeKyberPreKeys: [...upload.oneTimeKyberPreKeys] };
    await anonymous.call('enrol', { body: { codeId: code.codeId, prekeys, userKey: userKeyText, deviceCertificate, proof } });
    return { codeId: code.codeId, userId: issued.userId, identity };
  });
  await certifyAll(org, enrolled.map((e) => e.codeId));
  return mapLimit(enrolled, 8, async ({ userId, identity }) => {
    const ref = { userId, deviceId: 1 };
    const challenge = await anonymous.call('authChallenge', { body: ref });
    const nonce = fromBase64(challenge.nonce);
    if (nonce === undefined) throw new Error('challenge nonce is not base64');
    const signature = identity.identityKeyPair.privateKey.sign(loginSigningBytes(nonce, ref));
    const { token } = await anonymous.call('login', { body: { challengeId: challenge.challengeId, signature: toBase64(signature) } });
    const keyHash = identityKeyHash(toBytes(identity.identityKeyPair.publicKey.serialize()));
    return { ref, identity, token, member: { userId, orgId: org.orgId, role: 'social_worker', owner: false, devices: [{ deviceId: 1, keyHash }] } };
  });
}

function restAs(serverUrl: string, device: LightDevice): HttpRestClient {
  const token = async () => device.token;
  return new HttpRestClient({ baseUrl: serverUrl, tokens: { current: token, renew: token } });
}

/** Create a consultation workspace owned by `owner` with `members` added: a real signed chain. */
export async function createLightWorkspace(serverUrl: string, owner: LightDevice, members: readonly LightDevice[]): Promise<string> {
  const rest = restAs(serverUrl, owner);
  const workspaceId = Buffer.from(randomBytes(16)).toString('base64url');
  const privateKey = owner.identity.identityKeyPair.privateKey;
  const event = signEvent<'create'>(
    {
      workspaceId,
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind: 'consultation', labelCommitment: textCommitment('label', 'Bench', newTextSalt()), creator: { ...owner.member, owner: true } },
      author: owner.ref,
      at: Date.now(),
    },
    privateKey,
  );
  await rest.call('createWorkspace', { body: { event } });
  let prev: MembershipEvent = event;
  for (const [index, member] of members.entries()) {
    const next: MembershipEvent = signEvent<'add_member'>(
      { workspaceId, seq: index + 1, prevHash: eventHash(prev), type: 'add_member', payload: { member: member.member }, author: owner.ref, at: Date.now() },
      privateKey,
    );
    // The route's body type is the schema's output (mutable arrays); the signed event has that shape.
    await rest.call('appendMembership', { params: { workspaceId }, body: { event: next as RouteBody<'appendMembership'>['event'] } });
    prev = next;
  }
  return workspaceId;
}

/** An authenticated socket.io connection of a device (websocket transport, no reconnection). */
export async function connectLight(serverUrl: string, device: LightDevice): Promise<Socket> {
  const socket = io(serverUrl, {
    auth: { token: device.token, v: SOCKET_PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    parser: relayParser,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** `join` a workspace on an open socket; throws unless the server acknowledges it. */
export async function joinLight(socket: Socket, workspaceId: string, streams: readonly string[] = []): Promise<void> {
  const positions = Object.fromEntries(streams.map((stream) => [stream, { snapshotId: '', afterSeq: 0 }]));
  const ack = (await socket.timeout(30_000).emitWithAck('join', { workspaceId, positions })) as { ok?: unknown };
  if (ack.ok !== true) throw new Error(`join refused: ${JSON.stringify(ack)}`);
}
