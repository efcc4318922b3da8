/**
 * The directory (docs/design.md §3): the professionals of an organisation, the public keys of a
 * user's devices, and the prekey directory (organisations: orgs.ts). Every prekey that
 * arrives is verified against the device's registered identity key before it is stored;
 * each one-time prekey is handed out at most once (the store's atomic claim). None of it
 * says who a person is or which devices are his: certificates do.
 */
import { MAX_DIRECTORY_RESULTS, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type {
  ClaimBundlesRequest,
  ClaimBundlesResponse,
  ListDevicesResponse,
  ListUsersResponse,
  PrekeyCountResponse,
  ReplaceSignedPreKeyRequest,
  TopUpPrekeysRequest,
} from '@yhteispoyta/crypto/protocol';
import { toBase64 } from '@yhteispoyta/crypto/bytes';
import { verifyPrekeyTopUp, verifySignedPreKey } from '@yhteispoyta/crypto/prekeys';
import type { PrekeyRejection } from '@yhteispoyta/crypto/prekeys';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { DeviceRecord } from '../store/port';
import { recordAudit } from './audit';
import { claimLimitsOf } from './claim-limits';
import { chainStateOf, isMemberDevice } from './membership';

/** Most user certificates of one organisation read to search its directory (renewals included). */
const MAX_DIRECTORY_CERTIFICATES = 50_000;

/** A name as searched: NFKC, lower case, so "Virtanen", "VIRTANEN" and a composed "ä" all match. */
function searchable(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase('fi');
}

/**
 * Search the certified professionals of an organisation by a fragment of their name, for
 * adding them to workspaces (issue 15): at most MAX_DIRECTORY_RESULTS answers, so nobody
 * receives an organisation's staff list. A client device finds only people who share a
 * workspace with him (he adds nobody; he sees who is in his own cases). Client persons are
 * never listed: that someone is a client of social or health services is itself
 * sensitive. Nor are professionals without a user certificate: no chain may name them yet.
 */
export async function listOrgUsers(
  ctx: Needs<'directory' | 'certificates' | 'workspaces'>,
  caller: DeviceRef,
  orgId: string,
  query: string,
): Promise<ListUsersResponse> {
  if ((await ctx.store.directory.getOrg(orgId)) === null) throw new ProtocolError('not_found', 'no such organisation');
  const self = await ctx.store.directory.getUser(caller.userId);
  const needle = searchable(query);
  const certified = new Set(
    (await ctx.store.certificates.listCertificatesOfOrgs([orgId], 'user', MAX_DIRECTORY_CERTIFICATES)).map((r) => r.userId),
  );
  let users = (await ctx.store.directory.listUsers(orgId)).filter(
    (u) => u.role !== 'client' && certified.has(u.id) && searchable(u.displayName).includes(needle),
  );
  if (self === null || self.role === 'client') {
    const mine = new Set(await ctx.store.workspaces.workspacesOfUser(caller.userId));
    const sharing = [];
    for (const u of users) {
      if ((await ctx.store.workspaces.workspacesOfUser(u.id)).some((w) => mine.has(w))) sharing.push(u);
      if (sharing.length >= MAX_DIRECTORY_RESULTS) break;
    }
    users = sharing;
  }
  return {
    users: users.slice(0, MAX_DIRECTORY_RESULTS).map((u) => ({ userId: u.id, displayName: u.displayName, role: u.role, orgId: u.orgId })),
  };
}

/**
 * The registered devices of a user with their public identity keys, certified or not. Kept
 * for compatibility; agents learn a person's devices from his certificates.
 */
export async function listUserDevices(ctx: Needs<'directory'>, userId: string): Promise<ListDevicesResponse> {
  if ((await ctx.store.directory.getUser(userId)) === null) throw new ProtocolError('not_found', 'no such user');
  const devices = await ctx.store.directory.listDevices(userId);
  return {
    devices: devices.map((d) => ({ deviceId: d.deviceId, identityKey: toBase64(d.identityKey), registrationId: d.registrationId })),
  };
}

/**
 * Whether `caller` may claim bundles of `userId`'s devices: his own person's other devices,
 * or a person who is a member of a workspace in which the caller is a current member
 * device. The agent appends `add_member` (or `add_device`) before it claims the newcomer's
 * bundle to send him the epoch key (keys/membership-service.ts, key-sender.ts), so an add
 * in progress is a shared workspace by then. Without this rule any enrolled device could
 * drain anyone's one-time prekeys.
 */
async function mayClaim(ctx: Needs<'directory' | 'workspaces'>, caller: DeviceRef, userId: string): Promise<boolean> {
  if (caller.userId === userId) return true;
  const theirs = new Set(await ctx.store.workspaces.workspacesOfUser(userId));
  for (const workspaceId of await ctx.store.workspaces.workspacesOfUser(caller.userId)) {
    if (!theirs.has(workspaceId)) continue;
    const state = await chainStateOf(ctx, workspaceId);
    if (state !== null && isMemberDevice(state, caller) && state.members.has(userId)) return true;
  }
  return false;
}

/**
 * Claim bundles of a user's devices (the listed ones, or all active ones). Devices that
 * do not exist are left out of the answer rather than failing the rest. Only a caller
 * sharing a workspace with the user may claim (`forbidden`), and claims are rate-limited
 * per claimed device and per claiming device (`rate_limited`, claim-limits.ts).
 */
export async function claimBundles(ctx: Needs<'directory' | 'workspaces' | 'audit', 'now' | 'config'>, caller: DeviceRef, request: ClaimBundlesRequest): Promise<ClaimBundlesResponse> {
  if ((await ctx.store.directory.getUser(request.userId)) === null) throw new ProtocolError('not_found', 'no such user');
  if (!(await mayClaim(ctx, caller, request.userId))) throw new ProtocolError('forbidden', 'bundles only of people who share a workspace with this device');
  const deviceIds = request.deviceIds ?? (await ctx.store.directory.listDevices(request.userId)).map((d) => d.deviceId);
  claimLimitsOf(ctx).take(caller, request.userId, deviceIds, ctx.now());
  const bundles = [];
  for (const deviceId of deviceIds) {
    const bundle = await ctx.store.directory.claimBundle({ userId: request.userId, deviceId });
    if (bundle !== null) bundles.push(bundle);
  }
  await recordAudit(ctx, {
    actor: caller,
    action: 'prekey_claim',
    detail: { userId: request.userId, devices: bundles.map((b) => String(b.device.deviceId)).join(',') },
  });
  return { bundles };
}

/** The caller's own registered device; authentication already proved it is active. */
async function ownDevice(ctx: Needs<'directory'>, caller: DeviceRef): Promise<DeviceRecord> {
  const device = await ctx.store.directory.getDevice(caller);
  if (device === null) throw new ProtocolError('unauthenticated', 'device is not registered');
  return device;
}

function prekeyRefusal(rejection: PrekeyRejection): ProtocolError {
  return rejection.code === 'bad_signature'
    ? new ProtocolError('bad_signature', 'a prekey signature does not verify')
    : new ProtocolError('bad_request', `prekeys refused: ${rejection.code}`);
}

async function countsOf(ctx: Needs<'directory'>, caller: DeviceRef): Promise<PrekeyCountResponse> {
  const counts = await ctx.store.directory.prekeyCounts(caller);
  if (counts === null) throw new ProtocolError('unauthenticated', 'device is not registered');
  return { ec: counts.oneTimePreKeys, kyber: counts.oneTimeKyberPreKeys };
}

/** Add one-time prekeys (every Kyber signature verified first); answers the remaining counts. */
export async function topUpPrekeys(ctx: Needs<'directory' | 'audit', 'now'>, caller: DeviceRef, request: TopUpPrekeysRequest): Promise<PrekeyCountResponse> {
  const device = await ownDevice(ctx, caller);
  const verified = verifyPrekeyTopUp(device.identityKey, request);
  if (!verified.ok) throw prekeyRefusal(verified);
  const added = await ctx.store.directory.addOneTimePrekeys(caller, verified.topUp.oneTimePreKeys, verified.topUp.oneTimeKyberPreKeys);
  if (!added.ok) throw new ProtocolError('unauthenticated', 'device is not registered');
  await recordAudit(ctx, {
    actor: caller,
    action: 'prekey_upload',
    detail: { ec: String(added.added.oneTimePreKeys), kyber: String(added.added.oneTimeKyberPreKeys) },
  });
  return countsOf(ctx, caller);
}

/** Replace the caller's signed EC prekey after verifying its signature. */
export async function replaceSignedPreKey(ctx: Needs<'directory' | 'audit', 'now'>, caller: DeviceRef, request: ReplaceSignedPreKeyRequest): Promise<Record<string, never>> {
  const device = await ownDevice(ctx, caller);
  const verified = verifySignedPreKey(device.identityKey, request.signedPreKey);
  if (!verified.ok) throw prekeyRefusal(verified);
  const replaced = await ctx.store.directory.replaceSignedPrekeys(caller, verified.signedPreKey);
  if (!replaced.ok) throw new ProtocolError('unauthenticated', 'device is not registered');
  await recordAudit(ctx, { actor: caller, action: 'prekey_upload', detail: { signedPreKeyId: String(verified.signedPreKey.id) } });
  return {};
}

/** The caller's remaining one-time prekeys. */
export async function countPrekeys(ctx: Needs<'directory'>, caller: DeviceRef): Promise<PrekeyCountResponse> {
  return countsOf(ctx, caller);
}
