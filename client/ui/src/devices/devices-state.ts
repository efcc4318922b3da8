/**
 * This person's devices as the devices view shows them: this device, the others in use,
 * those revoked, and new devices waiting for approval — and what may be done to each.
 * Approving and revoking need the person's user key, which only his first device holds.
 * A waiting device is approved only after the person has said that the six digits shown
 * on the new device are the ones shown here. Pure, so it is tested without a page.
 */
import type { OwnDevice, OwnDevices, PendingDevice } from '@yhteispoyta/local-api';

/** What the view shows. */
export interface DevicesViewState {
  /** this very device, when certificates list it */
  readonly current: OwnDevice | undefined;
  /** the person's other devices in use, oldest first */
  readonly others: readonly OwnDevice[];
  /** revoked devices, newest number first */
  readonly revoked: readonly OwnDevice[];
  /** devices waiting for approval, oldest first */
  readonly pending: readonly PendingDevice[];
  /** this device approves and revokes (holds the user key) */
  readonly canApprove: boolean;
  /** this device may make a link code for a new device */
  readonly canLink: boolean;
}

/** Arrange the agent's list for the view. */
export function devicesViewState(list: OwnDevices): DevicesViewState {
  const inUse = list.devices.filter((d) => !d.revoked);
  return {
    current: inUse.find((d) => d.current),
    others: inUse.filter((d) => !d.current).sort((a, b) => a.created - b.created || a.deviceId - b.deviceId),
    revoked: list.devices.filter((d) => d.revoked).sort((a, b) => b.deviceId - a.deviceId),
    pending: list.canApprove ? [...list.pending].sort((a, b) => a.enrolledAt - b.enrolledAt || a.deviceId - b.deviceId) : [],
    canApprove: list.canApprove,
    canLink: list.canApprove,
  };
}

/** Whether a device may be revoked from here: another device of the person, still in use, and this device holds the user key. */
export function mayRevoke(device: OwnDevice, state: Pick<DevicesViewState, 'canApprove'>): boolean {
  return state.canApprove && !device.current && !device.revoked;
}

/** The person's answer to "does the code match the new device's code?". */
export type CodeComparison = 'unanswered' | 'same' | 'different';

/** Approval is offered only once the person has said the codes are the same. */
export function mayApprove(comparison: CodeComparison): boolean {
  return comparison === 'same';
}

/** The six digits one by one, so a screen reader reads "1 2 3 4 5 6" rather than a number. */
export function spokenDigits(code: string): string {
  return [...code.replace(/\D/g, '')].join(' ');
}

/** How many devices wait for approval (0 where this device cannot approve). */
export function waitingCount(list: OwnDevices | undefined): number {
  return list === undefined || !list.canApprove ? 0 : list.pending.length;
}
