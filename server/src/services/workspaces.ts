/**
 * Reading workspaces: the ones a device is a member of, and a workspace's chain, which
 * every client verifies itself (docs/design.md §4). Only current member devices may read.
 */
import { MAX_MEMBERSHIP_PAGE, MAX_WORKSPACES_LISTED } from '@yhteispoyta/crypto/protocol';
import type { ListWorkspacesResponse, WorkspaceSummary } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MembershipEvent } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { recordAudit } from './audit';
import type { ChainReader } from './chain-cache';
import { chainStateOf, isMemberDevice, requireMemberState } from './membership';

/** The workspaces the calling device is a current member device of. */
export async function listWorkspaces(ctx: ChainReader, caller: DeviceRef): Promise<ListWorkspacesResponse> {
  const ids = await ctx.store.workspaces.workspacesOfUser(caller.userId);
  const workspaces: WorkspaceSummary[] = [];
  for (const workspaceId of ids) {
    if (workspaces.length >= MAX_WORKSPACES_LISTED) break;
    const state = await chainStateOf(ctx, workspaceId);
    if (state === null || !isMemberDevice(state, caller)) continue;
    const record = await ctx.store.workspaces.getWorkspace(workspaceId);
    workspaces.push({
      workspaceId,
      kind: state.kind,
      membershipSeq: state.seq,
      lastActivityAt: record?.lastActivityAt ?? 0,
    });
  }
  return { workspaces };
}

/** Membership events with seq > `after` (all from `create` without it), one page, oldest first. */
export async function listMembership(
  ctx: Needs<'workspaces' | 'directory' | 'audit', 'now'>,
  caller: DeviceRef,
  workspaceId: string,
  after: number | undefined,
): Promise<{ events: readonly MembershipEvent[] }> {
  await requireMemberState(ctx, caller, workspaceId);
  const stored = await ctx.store.workspaces.listMembershipEvents(workspaceId, after ?? -1, MAX_MEMBERSHIP_PAGE);
  await recordAudit(ctx, {
    actor: caller,
    action: 'fetch',
    workspaceId,
    detail: { what: 'membership', after: String(after ?? -1), events: String(stored.length) },
  });
  return { events: stored.map((s) => s.event) };
}
