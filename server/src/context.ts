/**
 * What every server module is handed: configuration, the store, a logger factory, the
 * clock, the audit writer and an in-process notification hub. Passing it explicitly
 * (no globals) lets tests run several servers in one process.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { ServerConfig } from './config';
import type { Store, StorePart, StoreParts } from './store/port';

/** Notifications between the HTTP layer and the socket layer of one process. */
export interface HubEvents {
  /**
   * a membership event was appended; `removed` lists devices that are no longer members,
   * `members` every member device after the event (notified even when they have not
   * joined the workspace's room)
   */
  membership: [{ workspaceId: string; seq: number; removed: DeviceRef[]; members: readonly DeviceRef[] }];
  /** items were queued in a device's mailbox */
  mailbox: [{ to: DeviceRef; pending: number }];
  /** certificates of `userId` changed; `to` are the devices to tell (his own and those sharing a workspace with him) */
  certificates: [{ userId: string; to: readonly DeviceRef[] }];
  /** a device redeemed code `codeId`; `to` are the devices that may certify it (the issuer, or the person's devices) */
  enrolment: [{ codeId: string; to: readonly DeviceRef[] }];
}

export type Hub = EventEmitter<HubEvents>;

export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly hub: Hub;
  /** ms since epoch; injectable so expiry rules can be tested */
  now(): number;
}

/**
 * The slice of the context a service uses: the store parts it names and the other
 * context fields it names. A ServerContext is one; so is anything a test builds with just
 * those parts, and the type says at a glance what a service can touch.
 */
export type Needs<P extends StorePart = never, F extends Exclude<keyof ServerContext, 'store'> = never> = {
  readonly store: Pick<StoreParts, P>;
} & Pick<ServerContext, F>;

export function createHub(): Hub {
  const hub = new EventEmitter<HubEvents>();
  hub.setMaxListeners(0);
  return hub;
}
