/**
 * The people of the authorization matrix, made through the real API of an in-process
 * server (server/src/http/api.testkit.ts): every one of them a certified device, enrolled
 * with a proof of its code's secret and certified by its issuer (the organisation's admin
 * tool for professionals, the inviting device for the client). Alice owns case workspace
 * W; eve was a member of W and was removed (the epoch rotated); the client person was
 * invited by alice (the invitation code id is kept) and is a member of W; carol owns
 * consultation W2 and has nothing to do with W. Alice also holds a second token whose
 * session has already expired.
 */
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { GENESIS_PROOF, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeHeader, EnvelopeKind, WireEnvelope } from '@yhteispoyta/crypto/types';
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import {
  append,
  call,
  createOrg,
  createWorkspace,
  enrolProfessional,
  inviteClient,
  logIn,
  memberOf,
  TEST_ADMIN_TOKEN,
} from '@yhteispoyta/server/http/api.testkit';
import type { ApiServer, TestDevice } from '@yhteispoyta/server/http/api.testkit';
import { chainStateOf } from '@yhteispoyta/server/services/membership';

/** Everyone and everything the matrix needs. */
export interface AuthzWorld {
  readonly server: ApiServer;
  readonly orgA: string;
  readonly orgB: string;
  /** owner of W */
  readonly alice: TestDevice;
  /** alice's token of a session that has expired */
  readonly expiredToken: string;
  /** removed from W */
  readonly eve: TestDevice;
  /** the client person, member of W */
  readonly client: TestDevice;
  /** owner of W2, never a member of W */
  readonly carol: TestDevice;
  /** the case workspace every cell targets */
  readonly W: string;
  readonly W2: string;
  /** a blob stored in W */
  readonly blobId: string;
  /** the code id of alice's invitation the client enrolled with */
  readonly invitationCodeId: string;
  /** the verified chain state of W now */
  chain(): Promise<ChainState>;
  /** seal an envelope by `author` for W under W's current epoch (the key is random: the server never has it) */
  seal(author: TestDevice, header: Partial<EnvelopeHeader> & { kind: EnvelopeKind }): Promise<WireEnvelope>;
  /** take the next clock of a device on a stream, for an envelope that must be accepted */
  nextClock(author: TestDevice, stream: string): number;
  /** the next clock without taking it, for an envelope that must be refused */
  peekClock(author: TestDevice, stream: string): number;
}

/** Build the world; every step goes through the REST API as agents would do it. */
export async function buildWorld(server: ApiServer): Promise<AuthzWorld> {
  const orgA = await createOrg(server, 'Kela, Oulu');
  const orgB = await createOrg(server, 'Pohjois-Pohjanmaan hyvinvointialue');
  const alice = await enrolProfessional(server, orgA, 'kela_expert');
  const eve = await enrolProfessional(server, orgA, 'social_worker');
  const carol = await enrolProfessional(server, orgB, 'health_professional');

  const W = await createWorkspace(server, alice, 'case');
  const W2 = await createWorkspace(server, carol, 'consultation');
  const added = await append(server, alice, W, 'add_member', { member: memberOf(eve) });
  if (added.status !== 200) throw new Error(`add eve: ${added.status}`);
  const removed = await append(server, alice, W, 'remove_member', { userId: eve.ref.userId });
  if (removed.status !== 200) throw new Error(`remove eve: ${removed.status}`);
  const rotated = await append(server, alice, W, 'rotate_epoch', { epoch: 2 });
  if (rotated.status !== 200) throw new Error(`rotate: ${rotated.status}`);

  // Alice registers an invitation code id, the client's device enrols with a proof of its
  // secret, and alice's device checks the proof and certifies the client.
  const client = await inviteClient(server, alice, W);
  if (client.orgId !== CLIENTS_ORG_ID || client.role !== 'client') throw new Error('the invitation did not make a client person');
  const [invitation] = await server.running.ctx.store.enrolments.listEnrolments({ userId: client.ref.userId, kind: 'invitation', limit: 1 });
  if (invitation === undefined || invitation.closedAt === undefined) throw new Error('the client\'s invitation enrolment is missing or was not closed by its certificate');
  const clientAdded = await append(server, alice, W, 'add_member', { member: memberOf(client) });
  if (clientAdded.status !== 200) throw new Error(`add client: ${clientAdded.status}`);

  const uploaded = await call(server, 'POST', `/v1/workspaces/${W}/blobs`, { token: alice.token, raw: randomBytes(2048) });
  if (uploaded.status !== 200) throw new Error(`blob: ${uploaded.status}`);
  const blobId = (uploaded.body as { blobId: string }).blobId;

  // A session that is over: logged in "a session lifetime ago", then the clock is back to now.
  server.clockOffsetMs = -(server.running.ctx.config.sessionTtlSeconds * 1000 + 60_000);
  const expiredToken = await logIn(server, alice.ref, alice.identity);
  server.clockOffsetMs = 0;

  const ctx = server.running.ctx;
  const clocks = new Map<string, number>();
  const chain = async (): Promise<ChainState> => {
    const state = await chainStateOf(ctx, W);
    if (state === null) throw new Error('W has no chain');
    return state;
  };
  return {
    server, orgA, orgB, alice, expiredToken, eve, client, carol, W, W2, blobId, invitationCodeId: invitation.codeId, chain,
    async seal(author, header) {
      const state = await chain();
      const epoch = state.epoch;
      const snapshot = header.kind === 'snapshot';
      const full: EnvelopeHeader = {
        v: PROTOCOL_VERSION,
        workspaceId: W,
        stream: header.kind === 'chat' ? 'chat' : header.kind === 'presence' ? 'presence' : 'doc:plan',
        epoch,
        author: author.ref,
        clock: snapshot ? 0 : 1,
        snapshotId: snapshot ? `snap${toId(randomBytes(6))}` : '',
        sentAt: Date.now(),
        chainHead: { seq: state.seq, hash: state.headHash },
        ...(snapshot ? { parentSnapshotId: '', parentProof: GENESIS_PROOF, coveredClocks: {} } : {}),
        ...header,
      };
      return sealEnvelope({ header: full, plaintext: randomBytes(64), epochKey: randomBytes(32), identityKey: author.identity.identityKeyPair.privateKey });
    },
    nextClock(author, stream) {
      const key = `${author.ref.userId}.${author.ref.deviceId}/${stream}`;
      const next = (clocks.get(key) ?? 0) + 1;
      clocks.set(key, next);
      return next;
    },
    peekClock(author, stream) {
      return (clocks.get(`${author.ref.userId}.${author.ref.deviceId}/${stream}`) ?? 0) + 1;
    },
  };
}

function toId(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The admin token of the test server, for the admin routes' legitimate calls. */
export const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
