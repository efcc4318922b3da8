/**
 * Quotas on what one user may make the server keep (issue 15, limits-config.ts), beside
 * the blob quotas of blobs.ts: workspaces per user and items waiting per mailbox. Each
 * refusal is a typed error the agent shows in the user's language: `quota_exceeded`
 * (413) for what stays, `mailbox_full` (429) for what frees as its recipient reads.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';

/** Refuse a new workspace when its creator is a member of as many as the deployment allows. */
export async function requireWorkspaceRoom(ctx: Needs<'workspaces', 'config'>, caller: DeviceRef): Promise<void> {
  const limit = ctx.config.limits.quotas.workspacesPerUser;
  const count = (await ctx.store.workspaces.workspacesOfUser(caller.userId)).length;
  if (count >= limit) throw new ProtocolError('quota_exceeded', `you may be a member of at most ${limit} workspaces`);
}

/** Refuse a send that would leave a recipient's mailbox with more items than the deployment allows. */
export async function requireMailboxRoom(ctx: Needs<'mailbox', 'config'>, items: readonly { readonly to: DeviceRef }[]): Promise<void> {
  const limit = ctx.config.limits.quotas.mailboxItemsPerDevice;
  const incoming = new Map<string, { to: DeviceRef; count: number }>();
  for (const { to } of items) {
    const entry = incoming.get(deviceKey(to)) ?? { to, count: 0 };
    entry.count += 1;
    incoming.set(deviceKey(to), entry);
  }
  for (const { to, count } of incoming.values()) {
    if ((await ctx.store.mailbox.mailboxCount(to)) + count > limit) {
      throw new ProtocolError('mailbox_full', 'a recipient has too many unread items; try again later', { to: deviceKey(to) });
    }
  }
}
