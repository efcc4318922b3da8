/**
 * Telling the server which uploaded blobs a sent message or record references (issue 15):
 * the server removes blobs nobody confirmed within a day, so uploads that are never sent do
 * not keep counting against quotas. The server learns only that these blob ids are
 * referenced, not by what. A confirmation that fails (offline, a refusal) never fails the
 * send: it is kept in the profile and sent again with the next confirmation and whenever
 * the link comes back online (start-sync.ts), also after a restart.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { MAX_BLOB_CONFIRM } from '@yhteispoyta/crypto/protocol';
import { SerialQueue } from '@yhteispoyta/common/queue';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';

const OWED_KEY = 'chat.blob_references_owed';
/** workspaceId → blob ids whose confirmation has not reached the server yet */
const owedSchema = z.record(z.string(), z.array(z.string()));

/** Blob confirmations of one device. */
export class BlobReferences {
  readonly #rest: RestClient;
  readonly #profile: ProfileDb;
  readonly #log: Logger;
  /** one flush at a time: two must not send (and forget) the same ids twice */
  readonly #queue = new SerialQueue();

  constructor(rest: RestClient, profile: ProfileDb, log: Logger) {
    this.#rest = rest;
    this.#profile = profile;
    this.#log = log;
  }

  /** Confirm `blobIds` of the workspace, and whatever is still owed; resolves whatever the server answers. */
  async confirm(workspaceId: string, blobIds: readonly string[]): Promise<void> {
    const owed = this.#owed();
    owed.set(workspaceId, [...new Set([...(owed.get(workspaceId) ?? []), ...blobIds])]);
    this.#save(owed);
    await this.flush();
  }

  /** Send every owed confirmation; what fails stays owed. */
  flush(): Promise<void> {
    return this.#queue.run(async () => {
      for (const [workspaceId, ids] of this.#owed()) {
        for (let i = 0; i < ids.length; i += MAX_BLOB_CONFIRM) {
          const chunk = ids.slice(i, i + MAX_BLOB_CONFIRM);
          try {
            await this.#rest.call('confirmBlobs', { params: { workspaceId }, body: { blobIds: chunk } });
          } catch (error) {
            if (!(error instanceof RestError)) throw error;
            this.#log.warn({ workspaceId, reason: error.code, blobs: chunk.length }, 'blob references not confirmed yet');
            // A workspace this device left (forbidden, not_found) will never take them.
            if (error.code === 'forbidden' || error.code === 'not_found') break;
            return;
          }
          this.#forget(workspaceId, chunk);
        }
        this.#forget(workspaceId, ids);
      }
    });
  }

  #owed(): Map<string, string[]> {
    const text = this.#profile.getSetting(OWED_KEY);
    if (text === undefined) return new Map();
    const parsed = owedSchema.safeParse(JSON.parse(text));
    // SQLCipher authenticates the profile: a record that does not parse is a bug.
    if (!parsed.success) throw new Error('owed blob references do not parse');
    return new Map(Object.entries(parsed.data));
  }

  #save(owed: ReadonlyMap<string, readonly string[]>): void {
    this.#profile.setSetting(OWED_KEY, JSON.stringify(Object.fromEntries([...owed].filter(([, ids]) => ids.length > 0))));
  }

  #forget(workspaceId: string, ids: readonly string[]): void {
    const owed = this.#owed();
    const gone = new Set(ids);
    owed.set(workspaceId, (owed.get(workspaceId) ?? []).filter((id) => !gone.has(id)));
    this.#save(owed);
  }
}
