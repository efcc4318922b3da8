/**
 * The mailbox part of the storage port: per-device queues of pairwise libsignal
 * messages, kept until the recipient acknowledges them.
 */
import type { ControlMessage, DeviceRef, MailboxItem } from '@yhteispoyta/crypto/types';

/** Per-device mailboxes. Every method is safe to call concurrently. */
export interface MailboxStore {
  /** Queue pairwise messages; returns their ids in input order. */
  enqueueMailbox(
    items: readonly { from: DeviceRef; to: DeviceRef; message: ControlMessage; createdAt: number }[],
  ): Promise<string[]>;
  /** A device's pending items, oldest first. */
  fetchMailbox(device: DeviceRef, limit: number): Promise<MailboxItem[]>;
  /** Delete the given items of this device only (others' ids are ignored). Returns how many. */
  ackMailbox(device: DeviceRef, ids: readonly string[]): Promise<number>;
  /** How many items wait for the device. */
  mailboxCount(device: DeviceRef): Promise<number>;
}
