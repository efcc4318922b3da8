/**
 * The verified membership state of each workspace, kept in memory per store and
 * brought up to date from the store once per turn of the event loop: a read replays only
 * the events stored after the cached one, so a state appended by another server process
 * sharing the store is picked up by the first read of the next turn, and a cold start
 * replays the whole chain once. Every read in one turn shares that turn's store read: a
 * burst of pushes to one workspace (the relay admits and group-commits what arrives in one
 * turn) costs one query, not one each. Appends made by this process are in the cache at
 * once (rememberChainState), so they are never a turn late.
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

// This turn's store read of each workspace, per store; all are dropped when the turn ends.
const readsOf = mapPerStorePart<WorkspaceStore, Promise<ChainState | null>>();
const readsThisTurn = new Set<Map<string, Promise<ChainState | null>>>();
let turnEnd: NodeJS.Immediate | undefined;

/** Share `read` with every caller in this turn of the event loop (until the check phase runs). */
function shareForThisTurn(reads: Map<string, Promise<ChainState | null>>, workspaceId: string, read: () => Promise<ChainState | null>): Promise<ChainState | null> {
  const shared = reads.get(workspaceId);
  if (shared !== undefined) return shared;
  const started = read();
  reads.set(workspaceId, started);
  // A failed read is not shared beyond its own callers: the next one tries again.
  started.catch(() => {
    if (reads.get(workspaceId) === started) reads.delete(workspaceId);
  });
  readsThisTurn.add(reads);
  turnEnd ??= setImmediate(() => {
    turnEnd = undefined;
    for (const map of readsThisTurn) map.clear();
    readsThisTurn.clear();
  });
  return started;
}

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

/** Drop a workspace's cached state (after the store refused an append as stale); the next read goes to the store. */
export function forgetChainState(ctx: Needs<'workspaces'>, workspaceId: string): void {
  cacheOf(ctx).delete(workspaceId);
  readsOf(ctx.store.workspaces).delete(workspaceId);
}

/**
 * The current verified state of a workspace's chain: the cached state advanced by every
 * event stored after it. null when the workspace has no chain. Rejects with
 * {@link StoredChainError} when a stored event does not verify.
 */
export async function currentChainState(ctx: ChainReader, workspaceId: string): Promise<ChainState | null> {
  const read = await shareForThisTurn(readsOf(ctx.store.workspaces), workspaceId, () => readFromStore(ctx, workspaceId));
  // An append this process made since that read is already in the cache, and newer.
  const cached = cacheOf(ctx).get(workspaceId);
  return cached !== undefined && (read === null || cached.seq > read.seq) ? cached : read;
}

/** The cached state advanced by every event stored after it. */
async function readFromStore(ctx: ChainReader, workspaceId: string): Promise<ChainState | null> {
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
