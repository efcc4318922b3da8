/**
 * The requesting connection as the relay core sees it, and what the core needs of the
 * server. A transport implements the connection: socket/ with socket.io rooms, the
 * in-process testkit with sets of workspace ids.
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { FanOut } from './fan-out';

/** One authenticated connection of a device. */
export interface RelayConnection {
  readonly device: DeviceRef;
  /** Enter the workspace's room: the connection receives the workspace's fan-out from now on. */
  enterWorkspace(workspaceId: string): Promise<void>;
  /** Leave the workspace's room. */
  leaveWorkspace(workspaceId: string): Promise<void>;
  /**
   * Carry out a fan-out now, before this request is answered: `push` sends an accepted
   * envelope to the receivers while its commit runs (they are idempotent by author and
   * clock). Never throws.
   */
  fanOutNow(fanOut: FanOut): void;
  /**
   * Let the fan-outs carried out so far leave now. A transport may hold the writes of one
   * synchronous run back to send them together; a group commit's COMMIT follows its
   * fan-out in the same run, and receivers should not wait for it. Never throws.
   */
  releaseFanOut(): void;
  /**
   * The request has taken its place in the store's order (a push handed its envelope to
   * the store): the connection's next request may start while this one waits for its
   * commit. Its answer still comes only after the commit.
   */
  ordered(): void;
}

/** What the relay core reads and writes: chains and devices, the envelope log, the audit log, the clock. */
export type RelayDeps = Needs<'workspaces' | 'directory' | 'envelopes' | 'audit', 'now' | 'log'>;
