/**
 * The presence tracker: devices come online with an awareness state, leave with a
 * `null` state or when their state is not renewed in time, and malformed updates and
 * other workspaces do not disturb what is known.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { PRESENCE_ONLINE_MS, PresenceTracker } from './presence-tracker';
import { encodeAwarenessEntries } from './yjs-rooms';

type Listener = (workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void;

function setup() {
  const listeners = new Set<Listener>();
  let now = 1_000_000;
  const removed = new Set<string>();
  const tracker = new PresenceTracker(
    {
      onPresence: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    (_workspaceId, device) => !removed.has(device.userId),
    () => now,
  );
  const send = (workspaceId: string, from: DeviceRef, entries: { clientId: number; clock: number; state: string }[]) => {
    for (const listener of listeners) listener(workspaceId, 'doc:plan', from, encodeAwarenessEntries(entries));
  };
  const sendRaw = (workspaceId: string, from: DeviceRef, update: Uint8Array) => {
    for (const listener of listeners) listener(workspaceId, 'doc:plan', from, update);
  };
  return { tracker, send, sendRaw, listeners, removed, advance: (ms: number) => (now += ms), now: () => now };
}

const anna = { userId: 'u-anna', deviceId: 1 };
const sini = { userId: 'u-sini', deviceId: 2 };
const state = JSON.stringify({ user: { name: 'Anna' } });

describe('PresenceTracker', () => {
  it('lists a device whose awareness state arrived, per workspace', () => {
    const { tracker, send, now } = setup();
    send('ws1', sini, [{ clientId: 7, clock: 1, state }]);
    send('ws1', anna, [{ clientId: 3, clock: 1, state }]);
    send('ws2', anna, [{ clientId: 4, clock: 1, state }]);
    expect(tracker.online()).toEqual([
      { workspaceId: 'ws1', devices: [{ ...anna, lastSeenAt: now() }, { ...sini, lastSeenAt: now() }] },
      { workspaceId: 'ws2', devices: [{ ...anna, lastSeenAt: now() }] },
    ]);
  });

  it('drops a device at once when the verified chain no longer names it, and ignores its later presence', () => {
    const { tracker, send, removed, advance } = setup();
    send('ws1', anna, [{ clientId: 3, clock: 1, state }]);
    send('ws1', sini, [{ clientId: 7, clock: 1, state }]);
    removed.add(anna.userId);
    advance(1);
    expect(tracker.online().map((w) => w.devices.map((d) => d.userId))).toEqual([[sini.userId]]);
    send('ws1', anna, [{ clientId: 3, clock: 2, state }]);
    expect(tracker.online().map((w) => w.devices.map((d) => d.userId))).toEqual([[sini.userId]]);
  });

  it('drops a device that announced its departure with a null state', () => {
    const { tracker, send } = setup();
    send('ws1', anna, [{ clientId: 3, clock: 1, state }]);
    send('ws1', anna, [{ clientId: 3, clock: 2, state: 'null' }]);
    expect(tracker.online()).toEqual([]);
  });

  it('keeps a device online while one of its tabs is still there', () => {
    const { tracker, send } = setup();
    send('ws1', anna, [{ clientId: 3, clock: 1, state }, { clientId: 5, clock: 1, state }]);
    send('ws1', anna, [{ clientId: 3, clock: 2, state: 'null' }]);
    expect(tracker.online()).toHaveLength(1);
  });

  it('forgets a state that is not renewed within the window, and keeps a renewed one', () => {
    const { tracker, send, advance } = setup();
    send('ws1', anna, [{ clientId: 3, clock: 1, state }]);
    send('ws1', sini, [{ clientId: 9, clock: 1, state }]);
    advance(PRESENCE_ONLINE_MS - 1000);
    send('ws1', sini, [{ clientId: 9, clock: 2, state }]);
    advance(2000);
    expect(tracker.online()).toEqual([{ workspaceId: 'ws1', devices: [expect.objectContaining(sini)] }]);
  });

  it('ignores a malformed update without losing what it knew', () => {
    const { tracker, send, sendRaw } = setup();
    send('ws1', anna, [{ clientId: 3, clock: 1, state }]);
    sendRaw('ws1', anna, new Uint8Array([5, 1, 2]));
    sendRaw('ws1', sini, new Uint8Array([]));
    expect(tracker.online()).toEqual([{ workspaceId: 'ws1', devices: [expect.objectContaining(anna)] }]);
  });

  it('stops listening when closed', () => {
    const { tracker, send, listeners } = setup();
    send('ws1', anna, [{ clientId: 3, clock: 1, state }]);
    tracker.close();
    expect(listeners.size).toBe(0);
    expect(tracker.online()).toEqual([]);
  });
});
