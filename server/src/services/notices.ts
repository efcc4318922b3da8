/**
 * Who is told when certificates change or a code is redeemed. The notices carry no
 * certificate and prove nothing: they only tell agents to fetch and verify now rather
 * than at their next reconnection.
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';

/**
 * `certificates` {userId} to the user's own devices and to every member device of
 * every workspace he is a member of (per the member views): exactly the agents whose
 * verified view of him may change.
 */
export async function notifyCertificates(ctx: Needs<'directory' | 'workspaces', 'hub'>, userId: string): Promise<void> {
  const to = new Map<string, DeviceRef>();
  const add = (ref: DeviceRef): void => void to.set(deviceKey(ref), { userId: ref.userId, deviceId: ref.deviceId });
  for (const device of await ctx.store.directory.listDevices(userId)) add(device);
  for (const workspaceId of await ctx.store.workspaces.workspacesOfUser(userId)) {
    for (const ref of await ctx.store.workspaces.memberDevices(workspaceId)) add(ref);
  }
  ctx.hub.emit('certificates', { userId, to: [...to.values()] });
}

/** `enrolment` {codeId} to the devices that may certify the device that redeemed it. */
export function notifyEnrolment(ctx: Needs<never, 'hub'>, codeId: string, to: readonly DeviceRef[]): void {
  if (to.length > 0) ctx.hub.emit('enrolment', { codeId, to });
}
