/**
 * Room names. A device room reaches every socket of one device (mailbox notices,
 * `revoked`); a workspace room reaches every socket that joined the workspace. The
 * prefixes keep the two namespaces apart whatever the ids contain.
 */
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';

/** The room of every socket of one device: `device:<userId>.<deviceId>`. */
export function deviceRoom(ref: DeviceRef): string {
  return `device:${deviceKey(ref)}`;
}

/** The room of every socket that joined a workspace: `workspace:<workspaceId>`. */
export function workspaceRoom(workspaceId: string): string {
  return `workspace:${workspaceId}`;
}
