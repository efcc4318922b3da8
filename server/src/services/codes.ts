/**
 * One-time codes (DESIGN §3): enrolment codes an org admin issues for a professional,
 * invitation codes a case owner issues for a client person, and device-link codes a user
 * issues for a further device. Each code creates or names the user that redeems it at
 * `POST /v1/enrol`. Only the code's hash is stored; the code exists once, in the answer.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type {
  CreateInvitationRequest,
  CreateLinkCodeResponse,
  IssueEnrolmentCodeRequest,
  IssuedCodeResponse,
} from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { CLIENTS_ORG_ID, MAX_DEVICE_ID, MIN_DEVICE_ID, deviceKey } from '@yhteispoyta/crypto/types';
import type { ServerContext } from '../context';
import type { CodeKind } from '../store/port';
import { recordAudit } from './audit';
import { randomId, randomSecret } from './ids';
import { requireMemberState } from './membership';

/** The prefix that tells, from the code alone, which kind of code it is. */
export const CODE_PREFIXES: Readonly<Record<CodeKind, string>> = { enrolment: 'enr_', invitation: 'inv_', device_link: 'lnk_' };

/** Random bytes of a code after its prefix (base64url: 32 characters). */
const CODE_SECRET_BYTES = 24;

export { CLIENTS_ORG_ID };
const CLIENTS_ORG_NAME = 'Asiakkaat';

/** The kind a code claims by its prefix, or undefined for a code the server never issued. */
export function codeKindOf(code: string): CodeKind | undefined {
  for (const [kind, prefix] of Object.entries(CODE_PREFIXES) as [CodeKind, string][]) {
    if (code.startsWith(prefix)) return kind;
  }
  return undefined;
}

async function storeNewCode(
  ctx: ServerContext,
  kind: CodeKind,
  userId: string,
  detail: Record<string, string>,
  ttlSeconds: number | undefined,
): Promise<{ code: string; expiresAt: number }> {
  const code = randomSecret(CODE_PREFIXES[kind], CODE_SECRET_BYTES);
  const createdAt = ctx.now();
  const expiresAt = createdAt + (ttlSeconds ?? ctx.config.codeTtlSeconds) * 1000;
  const created = await ctx.store.createCode({ code, kind, userId, detail, createdAt, expiresAt });
  // 192 random bits colliding means the random source is broken: fail loudly.
  if (!created.ok) throw new Error('code collision');
  return { code, expiresAt };
}

/**
 * An org admin's enrolment code: creates the professional's user in the organisation
 * and a code that registers the user's first device. Audited as an admin action.
 */
export async function issueEnrolmentCode(ctx: ServerContext, request: IssueEnrolmentCodeRequest): Promise<IssuedCodeResponse> {
  const org = await ctx.store.getOrg(request.orgId);
  if (org === null) throw new ProtocolError('not_found', 'no such organisation');
  const userId = randomId();
  const created = await ctx.store.createUser({
    id: userId, orgId: org.id, role: request.role, displayName: request.displayName, createdAt: ctx.now(),
  });
  if (!created.ok) throw new Error(`user creation failed: ${created.code}`);
  const { code, expiresAt } = await storeNewCode(ctx, 'enrolment', userId, { orgId: org.id }, request.ttlSeconds);
  await recordAudit(ctx, { actor: null, action: 'admin_issue_code', detail: { orgId: org.id, userId, role: request.role } });
  return { code, userId, expiresAt };
}

async function ensureClientsOrg(ctx: ServerContext): Promise<void> {
  // `exists` is the normal case after the first invitation.
  await ctx.store.createOrg({ id: CLIENTS_ORG_ID, name: CLIENTS_ORG_NAME, createdAt: ctx.now() });
}

/**
 * A case owner invites a client person: a `client` user in the clients organisation and
 * a code that registers the client's first device. The owner then adds the client to
 * the chain with `add_member` once the device is enrolled.
 */
export async function issueInvitation(ctx: ServerContext, caller: DeviceRef, request: CreateInvitationRequest): Promise<IssuedCodeResponse> {
  const state = await requireMemberState(ctx, caller, request.workspaceId);
  if (state.kind !== 'case') throw new ProtocolError('bad_request', 'clients are invited into case workspaces only');
  if (state.closed) throw new ProtocolError('forbidden', 'the workspace is closed');
  if (state.members.get(caller.userId)?.owner !== true) throw new ProtocolError('forbidden', 'only an owner may invite');
  await ensureClientsOrg(ctx);
  const userId = randomId();
  const created = await ctx.store.createUser({
    id: userId, orgId: CLIENTS_ORG_ID, role: 'client', displayName: request.displayName, createdAt: ctx.now(),
  });
  if (!created.ok) throw new Error(`user creation failed: ${created.code}`);
  const detail = { workspaceId: state.workspaceId, issuedBy: deviceKey(caller) };
  const { code, expiresAt } = await storeNewCode(ctx, 'invitation', userId, detail, request.ttlSeconds);
  await recordAudit(ctx, { actor: caller, action: 'invitation_issue', workspaceId: state.workspaceId, detail: { userId } });
  return { code, userId, expiresAt };
}

/**
 * The device id a new device of the user gets: the lowest id never used by the user;
 * when all are used, the lowest id of a removed device (a new identity there is
 * flagged by peers as a changed key, which is the truth).
 */
async function nextDeviceId(ctx: ServerContext, userId: string): Promise<number | undefined> {
  const devices = await ctx.store.listDevices(userId, true);
  const used = new Set(devices.map((d) => d.deviceId));
  for (let id = MIN_DEVICE_ID; id <= MAX_DEVICE_ID; id++) if (!used.has(id)) return id;
  return devices.filter((d) => d.removedAt !== undefined).map((d) => d.deviceId).sort((a, b) => a - b)[0];
}

/** A code with which the calling device's user registers one more device, under the returned device id. */
export async function issueLinkCode(ctx: ServerContext, caller: DeviceRef): Promise<CreateLinkCodeResponse> {
  const deviceId = await nextDeviceId(ctx, caller.userId);
  if (deviceId === undefined) throw new ProtocolError('conflict', 'the user has no free device id');
  const { code, expiresAt } = await storeNewCode(ctx, 'device_link', caller.userId, { deviceId: String(deviceId) }, undefined);
  await recordAudit(ctx, { actor: caller, action: 'link_code_issue', detail: { deviceId: String(deviceId) } });
  return { code, deviceId, expiresAt };
}
