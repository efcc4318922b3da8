/**
 * The verified membership state of each workspace, kept in memory per store and
 * brought up to date from the store on every read: a read replays only the events stored
 * after the cached one, so a state appended by another server process sharing the store
 * is picked up on the next read, and a cold start replays the whole chain once.
 */
import { appendCheck } from '@yhteispoyta/crypto/membership';
import type { ChainState, IdentityLookup } from '@yhteispoyta/crypto/membership';
import type { IdentityKeyInput } from '@yhteispoyta/crypto/signature-check';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { WorkspaceStore } from '../store/port';
import { identityKeyOf } from './identity-keys';
import { mapPerStorePart, putRecent } from './store-caches';

/** Most workspaces whose state one process keeps; the least recently used goes first. */
const MAX_CACHED_WORKSPACES = 10_000;
/** Events read from the store per page when catching up. */
const REPLAY_PAGE = 1000;

/** What reading a workspace's verified chain needs: the chain, and the identity keys of its authors. */
export type ChainReader = Needs<'workspaces' | 'directory'>;

// The state is a function of the stored chain: one cache per store.
const statesOf = mapPerStorePart<WorkspaceStore, ChainState>();
const cacheOf = (ctx: Needs<'workspaces'>): Map<string, ChainState> => statesOf(ctx.store.workspaces);

/** Thrown when a chain read back from the store no longer verifies: the store is corrupt. */
class StoredChainError extends Error {
  override readonly name = 'StoredChainError';
}

/**
 * Identity keys of the given authors as the directory holds them (devices a later event
 * removed from the chain included: they signed their events while members).
 */
export async function identityLookupFor(ctx: Needs<'directory'>, authors: readonly DeviceRef[]): Promise<IdentityLookup> {
  const keys = new Map<string, IdentityKeyInput>();
  for (const author of authors) {
    const id = deviceKey(author);
    if (keys.has(id)) continue;
    const key = await identityKeyOf(ctx, author);
    if (key !== null) keys.set(id, key);
  }
  return (ref) => keys.get(deviceKey(ref));
}

/** Keep `state` unless the cache already holds a newer one (concurrent readers may race). */
export function rememberChainState(ctx: Needs<'workspaces'>, state: ChainState): void {
  const cache = cacheOf(ctx);
  const cached = cache.get(state.workspaceId);
  if (cached !== undefined && cached.seq > state.seq) return;
  putRecent(cache, state.workspaceId, state, MAX_CACHED_WORKSPACES);
}

/** Drop a workspace's cached state (after the store refused an append as stale). */
export function forgetChainState(ctx: Needs<'workspaces'>, workspaceId: string): void {
  cacheOf(ctx).delete(workspaceId);
}

/**
 * The current verified state of a workspace's chain: the cached state advanced by every
 * event stored after it. null when the workspace has no chain. Rejects with
 * {@link StoredChainError} when a stored event does not verify.
 */
export async function currentChainState(ctx: ChainReader, workspaceId: string): Promise<ChainState | null> {
  let state = cacheOf(ctx).get(workspaceId) ?? null;
  for (;;) {
    const page = await ctx.store.workspaces.listMembershipEvents(workspaceId, state?.seq ?? -1, REPLAY_PAGE);
    if (page.length === 0) break;
    const lookup = await identityLookupFor(ctx, page.map((stored) => stored.event.author));
    for (const stored of page) {
      const result = appendCheck(state, stored.event, lookup);
      if (!result.ok) {
        throw new StoredChainError(`stored membership chain fails verification at seq ${result.seq}: ${result.code}`);
      }
      state = result.state;
    }
    if (page.length < REPLAY_PAGE) break;
  }
  if (state !== null) rememberChainState(ctx, state);
  return state;
}
