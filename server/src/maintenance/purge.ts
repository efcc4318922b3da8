/**
 * The purge job: expired codes, challenges and sessions, and uploads abandoned mid-way
 * (a crash or a cut connection) go.
 */
import type { Needs } from '../context';
import type { MaintenanceJob } from './schedule';

/** How often expired rows are purged. */
const PURGE_INTERVAL_MS = 60_000;
/** An upload still incomplete after this long was abandoned. */
const ABANDONED_UPLOAD_MS = 60 * 60_000;

/** The purge job over the store's auth and blob parts. */
export function purgeJob(deps: Needs<'auth' | 'blobs', 'now'>): MaintenanceJob {
  return {
    name: 'purge',
    everyMs: PURGE_INTERVAL_MS,
    async run() {
      const now = deps.now();
      const [rows, blobs] = await Promise.all([deps.store.auth.purgeExpired(now), deps.store.blobs.purgeIncompleteBlobs(now - ABANDONED_UPLOAD_MS)]);
      return { rows, blobs };
    },
  };
}
