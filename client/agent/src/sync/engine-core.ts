/**
 * The state the parts of the sync engine (inbound processing, the outbox pump, snapshots)
 * share. One instance per running engine.
 */
import type { Logger } from 'pino';
import type { ProfileDb } from '../profile/profile-db';
import type { KeyRing, LocalDevice, ServerLink } from '../contracts';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { KeyedLanes } from './keyed-lanes';
import type { Outbox } from './outbox';
import type { ProblemReporter } from './problem-reporter';
import type { StreamHandler } from './stream-handler';
import type { StreamStateStore } from './stream-state';
import type { SyncConfig } from './sync-options';

/** Why this device may not send to a workspace right now. */
export type SendBlock = 'no_chain' | 'not_member' | 'closed' | 'rotation_pending' | 'no_key';

/** Whether this device may seal for a workspace now, and under which key. */
export type SendGate =
  | { readonly ok: true; readonly epoch: number; readonly key: Bytes }
  | { readonly ok: false; readonly reason: SendBlock };

/** What the engine's parts share. */
export interface EngineCore {
  readonly link: ServerLink;
  readonly keys: KeyRing;
  readonly device: LocalDevice;
  readonly profile: ProfileDb;
  readonly config: SyncConfig;
  readonly log: Logger;
  readonly state: StreamStateStore;
  readonly outbox: Outbox;
  readonly reporter: ProblemReporter;
  readonly lanes: KeyedLanes;
  /** this device's `userId.deviceId` */
  readonly selfKey: string;
  now(): number;
  isClosed(): boolean;
  /** the handler of a stream this device follows in that workspace, if any */
  handlerFor(workspaceId: string, stream: string): StreamHandler | undefined;
  /** every registered handler */
  handlers(): readonly StreamHandler[];
  /** workspaces refused with `forbidden`; nothing is pushed to them until membership changes */
  readonly blocked: Set<string>;
  /** recompute and publish the status */
  statusChanged(): void;
}

/**
 * Whether this device may seal for the workspace now. It must be a member device of an
 * open workspace in its own verified chain, hold the key of the chain's current epoch, and
 * no rotation may be pending: after a removal, nothing new may be sealed under the key the
 * removed device still has.
 */
export function sendGate(core: Pick<EngineCore, 'keys' | 'selfKey'>, workspaceId: string): SendGate {
  const chain = core.keys.chainState(workspaceId);
  if (chain === undefined) return { ok: false, reason: 'no_chain' };
  if (chain.closed) return { ok: false, reason: 'closed' };
  if (!chain.devices.some((d) => deviceKey(d) === core.selfKey)) return { ok: false, reason: 'not_member' };
  if (chain.rotationRequired) return { ok: false, reason: 'rotation_pending' };
  const current = core.keys.currentEpoch(workspaceId);
  if (current === undefined || current.epoch !== chain.epoch) return { ok: false, reason: 'no_key' };
  return { ok: true, epoch: current.epoch, key: current.key };
}

/** Whether a failed request failed because the server could not be reached (contracts.ts `ServerLink.request`). */
export function isOfflineFailure(error: { readonly message: string }): boolean {
  return error.message.startsWith('offline:');
}
