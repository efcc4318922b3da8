/**
 * The directory (docs/design.md §3): the professionals of an organisation, the public keys of a
 * user's devices, and the prekey directory (organisations: orgs.ts). Every prekey that
 * arrives is verified against the device's registered identity key before it is stored;
 * each one-time prekey is handed out at most once (the store's atomic claim). None of it
 * says who a person is or which devices are his: certificates do.
 */
import { MAX_DIRECTORY_USERS, ProtocolError } from '@yhteispoyta/crypto/protocol';
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

/** Most user certificates of one organisation read to build its directory (renewals included). */
const MAX_DIRECTORY_CERTIFICATES = 10 * MAX_DIRECTORY_USERS;

/**
 * The certified professionals of an organisation, for inviting them into workspaces.
 * Client persons are never listed: that someone is a client of social or health services
 * is itself sensitive, and clients join by invitation, not from a directory. Nor are
 * professionals without a user certificate: no chain may name them yet.
 */
export async function listOrgUsers(ctx: Needs<'directory' | 'certificates'>, orgId: string): Promise<ListUsersResponse> {
  if ((await ctx.store.directory.getOrg(orgId)) === null) throw new ProtocolError('not_found', 'no such organisation');
  const certified = new Set(
    (await ctx.store.certificates.listCertificatesOfOrgs([orgId], 'user', MAX_DIRECTORY_CERTIFICATES)).map((r) => r.userId),
  );
  const users = (await ctx.store.directory.listUsers(orgId)).filter((u) => u.role !== 'client' && certified.has(u.id));
  return {
    users: users.slice(0, MAX_DIRECTORY_USERS).map((u) => ({ userId: u.id, displayName: u.displayName, role: u.role, orgId: u.orgId })),
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
 * Claim bundles of a user's devices (the listed ones, or all active ones). Devices that
 * do not exist are left out of the answer rather than failing the rest.
 */
export async function claimBundles(ctx: Needs<'directory' | 'audit', 'now'>, caller: DeviceRef, request: ClaimBundlesRequest): Promise<ClaimBundlesResponse> {
  if ((await ctx.store.directory.getUser(request.userId)) === null) throw new ProtocolError('not_found', 'no such user');
  const deviceIds = request.deviceIds ?? (await ctx.store.directory.listDevices(request.userId)).map((d) => d.deviceId);
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
