/**
 * One-time codes (docs/design.md §3): enrolment codes an organisation's admin tool registers for a
 * professional, invitation codes a case owner's agent registers for a client person, and
 * device-link codes a device registers for its person's next device. The issuer made the
 * code and keeps its secret; the server learns only the code id, creates or names the
 * user the code enrols, and later records the redeeming device's keys and proof for the
 * issuer to check (enrolment.ts).
 */
import { codeKindOfId, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type {
  CreateInvitationRequest,
  CreateLinkCodeRequest,
  CreateLinkCodeResponse,
  IssueEnrolmentCodeRequest,
  IssuedCodeResponse,
} from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, Role } from '@yhteispoyta/crypto/types';
import { CLIENTS_ORG_ID, MAX_DEVICE_ID, MIN_DEVICE_ID, deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { CodeKind } from '../store/port';
import { recordAudit } from './audit';
import { requireMemberState } from './membership';

const CLIENTS_ORG_NAME = 'Asiakkaat';

/**
 * The name the server stores for every client person. The real name is typed into the
 * inviting professional's agent, certified only as a commitment, and travels in clear
 * only inside the workspace's encrypted traffic: the server never learns it.
 */
const CLIENT_PLACEHOLDER_NAME = 'Asiakas';

/** The code id must name the kind of code the route registers (its prefix says which). */
function requireKind(codeId: string, kind: CodeKind): void {
  if (codeKindOfId(codeId) !== kind) throw new ProtocolError('bad_request', `the code id is not a ${kind} code id`);
}

async function registerCode(
  ctx: Needs<'auth', 'now' | 'config'>,
  codeId: string,
  kind: CodeKind,
  userId: string,
  detail: Record<string, string>,
  ttlSeconds: number | undefined,
): Promise<number> {
  const createdAt = ctx.now();
  const expiresAt = createdAt + (ttlSeconds ?? ctx.config.codeTtlSeconds) * 1000;
  const created = await ctx.store.auth.createCode({ codeId, kind, userId, detail, createdAt, expiresAt });
  if (!created.ok) throw new ProtocolError('conflict', 'this code id is already registered');
  return expiresAt;
}

/** Create the user a code enrols, under the id derived from the code id; 409 if it exists. */
async function createCodeUser(ctx: Needs<'directory', 'now'>, codeId: string, orgId: string, role: Role, displayName: string): Promise<string> {
  const userId = userIdForCode(codeId);
  const created = await ctx.store.directory.createUser({ id: userId, orgId, role, displayName, createdAt: ctx.now() });
  if (!created.ok) {
    if (created.code === 'exists') throw new ProtocolError('conflict', 'this code id is already registered');
    throw new ProtocolError('not_found', 'no such organisation');
  }
  return userId;
}

/**
 * The admin tool registers an enrolment code id: the professional's user is created in a
 * certified organisation with the role and name the admin gave, and the code registers
 * the person's first device. Audited as an admin action.
 */
export async function issueEnrolmentCode(ctx: Needs<'directory' | 'auth' | 'audit', 'now' | 'config'>, request: IssueEnrolmentCodeRequest): Promise<IssuedCodeResponse> {
  requireKind(request.codeId, 'enrolment');
  const org = await ctx.store.directory.getOrg(request.orgId);
  if (org === null || org.certificate === undefined) throw new ProtocolError('not_found', 'no such organisation');
  const userId = await createCodeUser(ctx, request.codeId, org.id, request.role, request.displayName);
  const expiresAt = await registerCode(ctx, request.codeId, 'enrolment', userId, { orgId: org.id }, request.ttlSeconds);
  await recordAudit(ctx, { actor: null, action: 'admin_issue_code', detail: { orgId: org.id, userId, role: request.role } });
  return { userId, expiresAt };
}

async function ensureClientsOrg(ctx: Needs<'directory', 'now'>): Promise<void> {
  // `exists` is the normal case after the first invitation.
  await ctx.store.directory.createOrg({ id: CLIENTS_ORG_ID, name: CLIENTS_ORG_NAME, createdAt: ctx.now() });
}

/**
 * A case owner's agent registers an invitation code id for a client person: a `client`
 * user (named only by the placeholder) and a code that registers the client's first
 * device, remembering the workspace and the inviting device, which certifies the client.
 */
export async function issueInvitation(ctx: Needs<'workspaces' | 'directory' | 'auth' | 'audit', 'now' | 'config'>, caller: DeviceRef, request: CreateInvitationRequest): Promise<IssuedCodeResponse> {
  const state = await requireMemberState(ctx, caller, request.workspaceId);
  if (state.kind !== 'case') throw new ProtocolError('bad_request', 'clients are invited into case workspaces only');
  if (state.closed) throw new ProtocolError('forbidden', 'the workspace is closed');
  if (state.members.get(caller.userId)?.owner !== true) throw new ProtocolError('forbidden', 'only an owner may invite');
  requireKind(request.codeId, 'invitation');
  await ensureClientsOrg(ctx);
  const userId = await createCodeUser(ctx, request.codeId, CLIENTS_ORG_ID, 'client', CLIENT_PLACEHOLDER_NAME);
  const detail = { workspaceId: state.workspaceId, issuedBy: deviceKey(caller) };
  const expiresAt = await registerCode(ctx, request.codeId, 'invitation', userId, detail, request.ttlSeconds);
  await recordAudit(ctx, { actor: caller, action: 'invitation_issue', workspaceId: state.workspaceId, detail: { userId } });
  return { userId, expiresAt };
}

/** The device id a new device of the user gets: the lowest id the user does not use; none when all are used. */
async function nextDeviceId(ctx: Needs<'directory'>, userId: string): Promise<number | undefined> {
  const used = new Set((await ctx.store.directory.listDevices(userId)).map((d) => d.deviceId));
  for (let id = MIN_DEVICE_ID; id <= MAX_DEVICE_ID; id++) if (!used.has(id)) return id;
  return undefined;
}

/** A device registers a link code id with which its person adds one more device, under the returned device id. */
export async function issueLinkCode(ctx: Needs<'directory' | 'auth' | 'audit', 'now' | 'config'>, caller: DeviceRef, request: CreateLinkCodeRequest): Promise<CreateLinkCodeResponse> {
  requireKind(request.codeId, 'device_link');
  const deviceId = await nextDeviceId(ctx, caller.userId);
  if (deviceId === undefined) throw new ProtocolError('conflict', 'the user has no free device id');
  const detail = { deviceId: String(deviceId), issuedBy: deviceKey(caller) };
  const expiresAt = await registerCode(ctx, request.codeId, 'device_link', caller.userId, detail, undefined);
  await recordAudit(ctx, { actor: caller, action: 'link_code_issue', detail: { deviceId: String(deviceId) } });
  return { deviceId, expiresAt };
}
