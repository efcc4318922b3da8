import { describe, expect, it } from 'vitest';
import type { OwnDevices } from '@yhteispoyta/local-api';
import { devicesViewState, mayApprove, mayRevoke, spokenDigits, waitingCount } from './devices-state';

const list: OwnDevices = {
  devices: [
    { deviceId: 3, current: false, created: 300, revoked: false },
    { deviceId: 1, current: true, created: 100, revoked: false },
    { deviceId: 2, current: false, created: 200, revoked: true },
    { deviceId: 4, current: false, created: 150, revoked: false },
    { deviceId: 5, current: false, created: 500, revoked: true },
  ],
  pending: [
    { deviceId: 7, approvalCode: '654 321', enrolledAt: 900 },
    { deviceId: 6, approvalCode: '123 456', enrolledAt: 800 },
  ],
  canApprove: true,
};

describe('devicesViewState', () => {
  it('separates this device, the others in use, the revoked and the waiting', () => {
    const state = devicesViewState(list);
    expect(state.current?.deviceId).toBe(1);
    expect(state.others.map((d) => d.deviceId)).toEqual([4, 3]);
    expect(state.revoked.map((d) => d.deviceId)).toEqual([5, 2]);
    expect(state.pending.map((d) => d.deviceId)).toEqual([6, 7]);
    expect(state.canLink).toBe(true);
    expect(waitingCount(list)).toBe(2);
  });

  it('offers nothing to approve, link or revoke on a device without the user key', () => {
    const second = devicesViewState({ ...list, canApprove: false });
    expect(second.pending).toEqual([]);
    expect(second.canLink).toBe(false);
    expect(second.others.some((d) => mayRevoke(d, second))).toBe(false);
    expect(waitingCount({ ...list, canApprove: false })).toBe(0);
    expect(waitingCount(undefined)).toBe(0);
  });

  it('never offers to revoke this device or one already revoked', () => {
    const state = devicesViewState(list);
    expect(state.current !== undefined && mayRevoke(state.current, state)).toBe(false);
    expect(state.revoked.some((d) => mayRevoke(d, state))).toBe(false);
    expect(state.others.every((d) => mayRevoke(d, state))).toBe(true);
  });
});

describe('approving a new device', () => {
  it('waits until the person says the codes are the same', () => {
    expect(mayApprove('unanswered')).toBe(false);
    expect(mayApprove('different')).toBe(false);
    expect(mayApprove('same')).toBe(true);
  });

  it('reads the digits one by one', () => {
    expect(spokenDigits('123 456')).toBe('1 2 3 4 5 6');
  });
});
