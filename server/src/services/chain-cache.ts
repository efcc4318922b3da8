/**
 * The verified membership state of each workspace, kept in memory per store. A cached
 * state is used as it is while the store's foreign-write mark (port.ts) stands where it
 * stood when the state was last read: nothing but this process has committed since, and
 * this process's own appends are in the cache at once (rememberChainState). When the mark
 * has moved — another server process sharing the store committed something — or the
 * store cannot tell (mongo), the state is brought up to date from the store: a read
 * replays only the events stored after the cached one, and a cold start replays the whole
 * chain once. The mark is read once per turn of the event loop and shared by every read
 * in that turn, as is each workspace's store read: a burst of pushes to one workspace (the
 * relay admits and group-commits what arrives in one turn) costs one query, not one each.
 * So another process's append is seen from the next turn on, as before; an idle relay's
 * push no longer queries the chain it already holds (one pragma instead).
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

/** A cached state and the foreign-write mark the store stood at when it was read (null: unknown). */
interface CachedChain {
  readonly state: ChainState;
  readonly mark: number | null;
}

// The state is a function of the stored chain: one cache per store.
const statesOf = mapPerStorePart<WorkspaceStore, CachedChain>();
const cacheOf = (ctx: Needs<'workspaces'>): Map<string, CachedChain> => statesOf(ctx.store.workspaces);

// This turn's store reads, per store: each workspace's chain, and the foreign-write mark
// (under the key ''; workspace ids are never empty). All are dropped when the turn ends.
const readsOf = mapPerStorePart<WorkspaceStore, Promise<ChainState | null>>();
const marksOf = mapPerStorePart<WorkspaceStore, Promise<number | null>>();
const readsThisTurn = new Set<Map<string, Promise<unknown>>>();
let turnEnd: NodeJS.Immediate | undefined;

/** Share `read` under `key` with every caller in this turn of the event loop (until the check phase runs). */
function shareForThisTurn<T>(reads: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  const shared = reads.get(key);
  if (shared !== undefined) return shared;
  const started = read();
  reads.set(key, started);
  // A failed read is not shared beyond its own callers: the next one tries again.
  started.catch(() => {
    if (reads.get(key) === started) reads.delete(key);
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

/**
 * Keep `state` (this process's own append) unless the cache already holds a newer one
 * (concurrent readers may race). It keeps the mark of the state it follows: the store took
 * the append only on that state's head, and a commit by anyone else since moves the mark.
 */
export function rememberChainState(ctx: Needs<'workspaces'>, state: ChainState): void {
  const cached = cacheOf(ctx).get(state.workspaceId);
  remember(ctx, state, cached === undefined ? null : cached.mark);
}

function remember(ctx: Needs<'workspaces'>, state: ChainState, mark: number | null): void {
  const cache = cacheOf(ctx);
  const cached = cache.get(state.workspaceId);
  if (cached !== undefined && cached.state.seq > state.seq) return;
  putRecent(cache, state.workspaceId, { state, mark }, MAX_CACHED_WORKSPACES);
}

/** Drop a workspace's cached state (after the store refused an append as stale); the next read goes to the store. */
export function forgetChainState(ctx: Needs<'workspaces'>, workspaceId: string): void {
  cacheOf(ctx).delete(workspaceId);
  readsOf(ctx.store.workspaces).delete(workspaceId);
}

/**
 * The current verified state of a workspace's chain: the cached state while nothing but
 * this process has committed to the store since it was read, else the cached state
 * advanced by every event stored after it. null when the workspace has no chain. Rejects
 * with {@link StoredChainError} when a stored event does not verify.
 */
export async function currentChainState(ctx: ChainReader, workspaceId: string): Promise<ChainState | null> {
  const workspaces = ctx.store.workspaces;
  const mark = await shareForThisTurn(marksOf(workspaces), '', () => workspaces.foreignWriteMark());
  const held = cacheOf(ctx).get(workspaceId);
  if (held !== undefined && mark !== null && held.mark === mark) return held.state;
  const read = await shareForThisTurn(readsOf(workspaces), workspaceId, () => readFromStore(ctx, workspaceId, mark));
  // An append this process made since that read is already in the cache, and newer.
  const cached = cacheOf(ctx).get(workspaceId);
  return cached !== undefined && (read === null || cached.state.seq > read.seq) ? cached.state : read;
}

/** The cached state advanced by every event stored after it; cached with `mark`, read before the query. */
async function readFromStore(ctx: ChainReader, workspaceId: string, mark: number | null): Promise<ChainState | null> {
  let state = cacheOf(ctx).get(workspaceId)?.state ?? null;
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
  if (state !== null) remember(ctx, state, mark);
  return state;
}
