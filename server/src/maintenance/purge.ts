/**
 * The purge job: expired codes, challenges and sessions, uploads abandoned mid-way
 * (a crash or a cut connection), and blobs no member confirmed as referenced by a sent
 * message or record within BLOB_UNREFERENCED_TTL_SECONDS (issue 15: an upload nobody
 * sends must not keep counting, nor keep its bytes on the server) go.
 */
import type { Needs } from '../context';
import type { MaintenanceJob } from './schedule';

/** How often expired rows are purged. */
const PURGE_INTERVAL_MS = 60_000;
/** An upload still incomplete after this long was abandoned. */
const ABANDONED_UPLOAD_MS = 60 * 60_000;

/** The purge job over the store's auth and blob parts. */
export function purgeJob(deps: Needs<'auth' | 'blobs', 'now' | 'config'>): MaintenanceJob {
  const unreferencedMs = deps.config.limits.blobUnreferencedTtlSeconds * 1000;
  return {
    name: 'purge',
    everyMs: PURGE_INTERVAL_MS,
    async run() {
      const now = deps.now();
      const [rows, blobs, unreferenced] = await Promise.all([
        deps.store.auth.purgeExpired(now),
        deps.store.blobs.purgeIncompleteBlobs(now - ABANDONED_UPLOAD_MS),
        deps.store.blobs.purgeUnconfirmedBlobs(now - unreferencedMs),
      ]);
      return { rows, blobs, unreferenced };
    },
  };
}
