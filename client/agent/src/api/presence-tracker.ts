/**
 * Who has a workspace open right now, for the UI's workspace list. It is read from the
 * verified presence other devices send (their browsers' awareness of a document room):
 * a device counts as online in a workspace while at least one of its awareness clients
 * has a state that was announced or renewed within {@link PRESENCE_ONLINE_MS}.
 * y-protocols renews a live state every 15 s and announces a departure as a `null`
 * state, so a closed tab drops out at once and a vanished one within the window.
 *
 * Only the sending device (authenticated by the envelope) is used; what the awareness
 * state says about names is ignored here, so nobody can appear online as someone else.
 * A device the verified chain no longer names (its person was removed or left, the device
 * was removed) is not online, whatever its last state: a removed device cannot announce
 * its departure under the new epoch, and must not linger for the window.
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DocumentSync } from '../contracts';
import { decodeAwarenessUpdate } from './yjs-rooms';

/** How long an awareness state counts as live without a renewal (y-protocols drops them at 30 s). */
export const PRESENCE_ONLINE_MS = 35_000;

/** One workspace and the devices seen in it recently. */
export interface WorkspacePresence {
  readonly workspaceId: string;
  readonly devices: readonly { readonly userId: string; readonly deviceId: number; readonly lastSeenAt: number }[];
}

interface DeviceClients {
  readonly device: DeviceRef;
  /** awareness client id → when its state was last announced */
  readonly clients: Map<number, number>;
}

/** Whether the verified chain names `device` as a member device of `workspaceId` now. */
export type MemberCheck = (workspaceId: string, device: DeviceRef) => boolean;

/** Presence of other devices, per workspace, from a session's DocumentSync. */
export class PresenceTracker {
  readonly #workspaces = new Map<string, Map<string, DeviceClients>>();
  readonly #now: () => number;
  readonly #off: () => void;

  readonly #isMember: MemberCheck;

  /**
   * Follow the presence `documents` delivers; `isMember` answers from the verified chain
   * whether a device is (still) in a workspace; `now` is injectable for tests.
   */
  constructor(documents: Pick<DocumentSync, 'onPresence'>, isMember: MemberCheck, now: () => number = Date.now) {
    this.#now = now;
    this.#isMember = isMember;
    this.#off = documents.onPresence((workspaceId, _stream, from, update) => this.#receive(workspaceId, from, update));
  }

  /** Every workspace with at least one device online, devices ordered by user and device id. */
  online(): WorkspacePresence[] {
    this.#prune();
    const out: WorkspacePresence[] = [];
    for (const [workspaceId, devices] of this.#workspaces) {
      const list = [...devices.values()]
        .map(({ device, clients }) => ({ userId: device.userId, deviceId: device.deviceId, lastSeenAt: Math.max(...clients.values()) }))
        .sort((a, b) => (a.userId === b.userId ? a.deviceId - b.deviceId : a.userId < b.userId ? -1 : 1));
      out.push({ workspaceId, devices: list });
    }
    return out.sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : a.workspaceId > b.workspaceId ? 1 : 0));
  }

  /** Stop following presence and forget it. */
  close(): void {
    this.#off();
    this.#workspaces.clear();
  }

  #receive(workspaceId: string, from: DeviceRef, update: Uint8Array): void {
    if (!this.#isMember(workspaceId, from)) return;
    // A malformed update is reported by the room that applies it; here it only says nothing.
    const entries = decodeAwarenessUpdate(update);
    if (entries === undefined) return;
    let devices = this.#workspaces.get(workspaceId);
    if (devices === undefined) {
      devices = new Map();
      this.#workspaces.set(workspaceId, devices);
    }
    const key = deviceKey(from);
    let entry = devices.get(key);
    if (entry === undefined) {
      entry = { device: { userId: from.userId, deviceId: from.deviceId }, clients: new Map() };
      devices.set(key, entry);
    }
    const now = this.#now();
    for (const { clientId, state } of entries) {
      if (state === 'null') entry.clients.delete(clientId);
      else entry.clients.set(clientId, now);
    }
    this.#prune();
  }

  /** Drop expired clients, then devices and workspaces left empty: memory stays bounded by what is live. */
  #prune(): void {
    const cutoff = this.#now() - PRESENCE_ONLINE_MS;
    for (const [workspaceId, devices] of this.#workspaces) {
      for (const [key, { device, clients }] of devices) {
        for (const [clientId, seenAt] of clients) if (seenAt <= cutoff) clients.delete(clientId);
        if (clients.size === 0 || !this.#isMember(workspaceId, device)) devices.delete(key);
      }
      if (devices.size === 0) this.#workspaces.delete(workspaceId);
    }
  }
}
