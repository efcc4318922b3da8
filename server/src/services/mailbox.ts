/**
 * Per-device mailboxes of pairwise libsignal ciphertexts (docs/design.md §5: epoch keys and
 * session set-up wait here until the recipient acknowledges them).
 *
 * Who may write to whom: a device may queue items only for
 *  - another registered device of its own user (device linking, history hand-over), or
 *  - a registered device that is a current member device of a workspace in which the
 *    sender device is also a current member device (epoch keys go to exactly the
 *    chain's device set, docs/design.md §4–5).
 * Without this rule the mailbox would be an open channel from any enrolled device to any
 * other: spam, forced session set-ups that drain one-time prekeys, and a probe for who
 * exists. The server's check is an abuse bound only; clients still decide, from the chain
 * they verified, whom they give keys. A send is all-or-nothing, and refused
 * (`mailbox_full`) when a recipient already holds as many items as the deployment allows.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type {
  AckMailboxResponse,
  FetchMailboxResponse,
  SendMailboxRequest,
  SendMailboxResponse,
} from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { recordAudit } from './audit';
import { chainStateOf, isMemberDevice } from './membership';
import { requireMailboxRoom } from './quotas';

async function isRegisteredDevice(ctx: Needs<'directory'>, ref: DeviceRef): Promise<boolean> {
  return (await ctx.store.directory.getDevice(ref)) !== null;
}

/** Whether `sender` may queue items for `recipient` (see the module comment). */
async function mayWrite(ctx: Needs<'directory' | 'workspaces'>, sender: DeviceRef, recipient: DeviceRef, senderWorkspaces: readonly string[]): Promise<boolean> {
  if (!(await isRegisteredDevice(ctx, recipient))) return false;
  if (recipient.userId === sender.userId) return true;
  const recipientWorkspaces = new Set(await ctx.store.workspaces.workspacesOfUser(recipient.userId));
  for (const workspaceId of senderWorkspaces) {
    if (!recipientWorkspaces.has(workspaceId)) continue;
    const state = await chainStateOf(ctx, workspaceId);
    if (state !== null && isMemberDevice(state, sender) && isMemberDevice(state, recipient)) return true;
  }
  return false;
}

/** Queue the items for their recipients, notify them through the hub, and audit one entry per recipient user. */
export async function sendMailbox(ctx: Needs<'directory' | 'workspaces' | 'mailbox' | 'audit', 'now' | 'hub' | 'config'>, sender: DeviceRef, request: SendMailboxRequest): Promise<SendMailboxResponse> {
  const senderWorkspaces = await ctx.store.workspaces.workspacesOfUser(sender.userId);
  const recipients = new Map<string, DeviceRef>();
  for (const item of request.items) recipients.set(deviceKey(item.to), { userId: item.to.userId, deviceId: item.to.deviceId });
  for (const recipient of recipients.values()) {
    if (!(await mayWrite(ctx, sender, recipient, senderWorkspaces))) {
      throw new ProtocolError('forbidden', 'a recipient is not a device this device may write to', { to: deviceKey(recipient) });
    }
  }
  // After the check of who may write: a stranger learns nothing of anyone's mailbox.
  await requireMailboxRoom(ctx, request.items);
  const createdAt = ctx.now();
  const ids = await ctx.store.mailbox.enqueueMailbox(
    request.items.map((item) => ({ from: sender, to: item.to, message: item.message, createdAt })),
  );
  for (const to of recipients.values()) ctx.hub.emit('mailbox', { to, pending: await ctx.store.mailbox.mailboxCount(to) });
  const byUser = new Map<string, { devices: Set<number>; items: number }>();
  for (const item of request.items) {
    const entry = byUser.get(item.to.userId) ?? { devices: new Set<number>(), items: 0 };
    entry.devices.add(item.to.deviceId);
    entry.items += 1;
    byUser.set(item.to.userId, entry);
  }
  for (const [toUser, entry] of byUser) {
    await recordAudit(ctx, {
      actor: sender,
      action: 'mailbox_send',
      detail: { toUser, devices: [...entry.devices].sort((a, b) => a - b).join(','), items: String(entry.items) },
    });
  }
  return { ids };
}

/**
 * The oldest items of the caller's mailbox. Only fetches that deliver something are
 * audited: an agent checks its mailbox on every reconnect, and empty reads say nothing.
 */
export async function fetchMailbox(ctx: Needs<'mailbox' | 'audit', 'now'>, caller: DeviceRef, limit: number): Promise<FetchMailboxResponse> {
  const items = await ctx.store.mailbox.fetchMailbox(caller, limit);
  if (items.length > 0) await recordAudit(ctx, { actor: caller, action: 'mailbox_fetch', detail: { items: String(items.length) } });
  return { items };
}

/** Delete acknowledged items; only the caller's own items are touched. */
export async function ackMailbox(ctx: Needs<'mailbox' | 'audit', 'now'>, caller: DeviceRef, ids: readonly string[]): Promise<AckMailboxResponse> {
  const deleted = await ctx.store.mailbox.ackMailbox(caller, ids);
  await recordAudit(ctx, { actor: caller, action: 'mailbox_ack', detail: { deleted: String(deleted) } });
  return { deleted };
}
