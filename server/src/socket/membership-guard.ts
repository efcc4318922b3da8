/**
 * Who may read a workspace over the socket: a current member device per the
 * server-verified membership chain, whose device record has not been removed (a device
 * removed from the directory may still hold an open socket from before).
 */
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import { requireMemberState } from '../services/membership';
import type { EventCall } from './event-dispatch';

/**
 * The workspace's chain state when the calling device is a member device; otherwise
 * throws forbidden, the same for an unknown workspace so that ids cannot be probed.
 */
export async function requireMemberDevice(call: EventCall, workspaceId: string): Promise<ChainState> {
  const { ctx } = call.relay;
  const chain = await requireMemberState(ctx, call.device, workspaceId);
  const record = await ctx.store.directory.getDevice(call.device);
  if (record === null || record.removedAt !== undefined) throw new ProtocolError('forbidden', 'the device is not registered');
  return chain;
}
