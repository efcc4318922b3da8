/**
 * The membership chain of a workspace (docs/design.md §4): a signed, hash-linked, append-only list
 * of events from which every client computes the member and device set itself, so that a
 * server cannot slip a device into the set that receives epoch keys. Schema, signing and
 * rules live in membership-schema.ts, membership-signing.ts and membership-rules.ts and are
 * re-exported here.
 */
import { appendCheck } from './membership-rules';
import type { ChainError, ChainState, IdentityLookup } from './membership-rules';
import type { MemberInfo } from './types';

export * from './membership-schema';
export * from './membership-signing';
export * from './membership-rules';

/** Result of {@link replayChain}. */
export type ReplayResult = { readonly ok: true; readonly state: ChainState } | ChainError;

/** Options of {@link replayChain}. */
export interface ReplayOptions {
  /** the workspace the caller asked for: a chain of any other workspace is wrong_workspace */
  readonly workspaceId?: string;
}

/**
 * Verifies a whole chain from its create event, applying {@link appendCheck} to each event
 * in order; the first refusal ends the replay. An empty chain is malformed. Never throws on
 * hostile input.
 */
export function replayChain(events: readonly unknown[], identityOf: IdentityLookup, options: ReplayOptions = {}): ReplayResult {
  if (!Array.isArray(events) || events.length === 0) return { ok: false, code: 'malformed', seq: 0, detail: 'empty chain' };
  let state: ChainState | null = null;
  for (const event of events) {
    const result = appendCheck(state, event, identityOf);
    if (!result.ok) return result;
    if (state === null && options.workspaceId !== undefined && result.state.workspaceId !== options.workspaceId) {
      return { ok: false, code: 'wrong_workspace', seq: 0, detail: `chain of workspace ${result.state.workspaceId}` };
    }
    state = result.state;
  }
  // The loop ran at least once and every pass either returned or set state.
  return state === null ? { ok: false, code: 'malformed', seq: 0, detail: 'empty chain' } : { ok: true, state };
}

/** Current members grouped by organisation (e.g. to show who from Kela takes part). */
export function membersByOrg(state: ChainState): ReadonlyMap<string, readonly MemberInfo[]> {
  const byOrg = new Map<string, MemberInfo[]>();
  for (const member of state.members.values()) {
    const list = byOrg.get(member.orgId);
    if (list === undefined) byOrg.set(member.orgId, [member]);
    else list.push(member);
  }
  return byOrg;
}
