/**
 * What the server adds to the chain rules (docs/design.md §3–4): the chain says who a member is;
 * the store's directory and certificates say whether that can be true. An event that
 * names a user with another organisation or role than the directory's, or a device that
 * is not a registered, active, certified and unrevoked device of that user with exactly
 * the identity key the event names (by its hash), is refused before it is stored. Agents
 * re-check all of it against certificates they verify themselves; this keeps the stored
 * chain free of members no agent would accept.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { MemberDevice, MemberInfo, MembershipEvent } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { deviceStanding } from './device-standing';

async function requireCertifiedDevice(ctx: Needs<'directory' | 'certificates'>, userId: string, device: MemberDevice): Promise<void> {
  const standing = await deviceStanding(ctx, { userId, deviceId: device.deviceId }, device.keyHash);
  if (!standing.ok) throw new ProtocolError('invalid_chain', standing.reason);
}

async function requireTruthfulMember(ctx: Needs<'directory' | 'certificates'>, member: MemberInfo): Promise<void> {
  const user = await ctx.store.directory.getUser(member.userId);
  if (user === null) throw new ProtocolError('invalid_chain', `user ${member.userId} is not registered`);
  if (user.orgId !== member.orgId || user.role !== member.role) {
    throw new ProtocolError('invalid_chain', `organisation or role of ${member.userId} does not match the directory`);
  }
  for (const device of member.devices) await requireCertifiedDevice(ctx, member.userId, device);
}

/**
 * Check the members and devices an event brings in against the directory and the stored
 * certificates. Events that bring nobody in pass. Throws `invalid_chain` on a mismatch.
 */
export async function checkEventAgainstDirectory(ctx: Needs<'directory' | 'certificates'>, event: MembershipEvent): Promise<void> {
  switch (event.type) {
    case 'create':
      return requireTruthfulMember(ctx, event.payload.creator);
    case 'add_member':
      return requireTruthfulMember(ctx, event.payload.member);
    case 'add_device':
      return requireCertifiedDevice(ctx, event.payload.userId, { deviceId: event.payload.deviceId, keyHash: event.payload.keyHash });
    default:
      return undefined;
  }
}
