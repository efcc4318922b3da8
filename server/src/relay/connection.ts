/**
 * The requesting connection as the relay core sees it, and what the core needs of the
 * server. A transport implements the connection: socket/ with socket.io rooms, the
 * in-process testkit with sets of workspace ids.
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';

/** One authenticated connection of a device. */
export interface RelayConnection {
  readonly device: DeviceRef;
  /** Enter the workspace's room: the connection receives the workspace's fan-out from now on. */
  enterWorkspace(workspaceId: string): Promise<void>;
  /** Leave the workspace's room. */
  leaveWorkspace(workspaceId: string): Promise<void>;
}

/** What the relay core reads and writes: chains and devices, the envelope log, the audit log, the clock. */
export type RelayDeps = Needs<'workspaces' | 'directory' | 'envelopes' | 'audit', 'now' | 'log'>;
