/**
 * What the server adds to the chain rules (DESIGN §4): the chain says who a member is;
 * only the server's directory can say whether that is true. An event that names a user
 * with another organisation or role than the directory's, or a device that is not a
 * registered, active device of that user, is refused before it is stored.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { MemberInfo, MembershipEvent } from '@yhteispoyta/crypto/types';
import type { ServerContext } from '../context';

async function requireActiveDevice(ctx: ServerContext, userId: string, deviceId: number): Promise<void> {
  const device = await ctx.store.getDevice({ userId, deviceId });
  if (device === null || device.removedAt !== undefined) {
    throw new ProtocolError('invalid_chain', `device ${userId}.${deviceId} is not a registered device`);
  }
}

async function requireTruthfulMember(ctx: ServerContext, member: MemberInfo): Promise<void> {
  const user = await ctx.store.getUser(member.userId);
  if (user === null) throw new ProtocolError('invalid_chain', `user ${member.userId} is not registered`);
  if (user.orgId !== member.orgId || user.role !== member.role) {
    throw new ProtocolError('invalid_chain', `organisation or role of ${member.userId} does not match the directory`);
  }
  for (const deviceId of member.devices) await requireActiveDevice(ctx, member.userId, deviceId);
}

/**
 * Check the members and devices an event brings in against the directory. Events that
 * bring nobody in pass. Throws `invalid_chain` on a mismatch.
 */
export async function checkEventAgainstDirectory(ctx: ServerContext, event: MembershipEvent): Promise<void> {
  switch (event.type) {
    case 'create':
      return requireTruthfulMember(ctx, event.payload.creator);
    case 'add_member':
      return requireTruthfulMember(ctx, event.payload.member);
    case 'add_device':
      return requireActiveDevice(ctx, event.payload.userId, event.payload.deviceId);
    default:
      return undefined;
  }
}
