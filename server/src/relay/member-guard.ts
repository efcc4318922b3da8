/**
 * Who may read a workspace through the relay: a current member device per the
 * server-verified membership chain that is registered in the directory.
 */
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { ChainReader } from '../services/chain-cache';
import { requireMemberState } from '../services/membership';

/**
 * The workspace's chain state when `device` is a member device; otherwise throws
 * forbidden, the same for an unknown workspace so that ids cannot be probed.
 */
export async function requireMemberDevice(deps: ChainReader, device: DeviceRef, workspaceId: string): Promise<ChainState> {
  const chain = await requireMemberState(deps, device, workspaceId);
  const record = await deps.store.directory.getDevice(device);
  if (record === null) throw new ProtocolError('forbidden', 'the device is not registered');
  return chain;
}
