/**
 * Telling the server which uploaded blobs a sent message or record references (issue 15):
 * the server removes blobs nobody confirmed within a day, so uploads that are never sent do
 * not keep counting against quotas. The server learns only that these blob ids are
 * referenced, not by what. A confirmation that fails (offline, a refusal) is kept and sent
 * again with the next one of the same workspace; it never fails the send itself.
 */
import type { Logger } from 'pino';
import { MAX_BLOB_CONFIRM } from '@yhteispoyta/crypto/protocol';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';

/** Blob confirmations of one device. */
export class BlobReferences {
  readonly #rest: RestClient;
  readonly #log: Logger;
  /** workspaceId → blob ids whose confirmation has not reached the server yet */
  readonly #owed = new Map<string, Set<string>>();

  constructor(rest: RestClient, log: Logger) {
    this.#rest = rest;
    this.#log = log;
  }

  /** Confirm `blobIds` of the workspace (and any owed there before); resolves whatever the server answers. */
  async confirm(workspaceId: string, blobIds: readonly string[]): Promise<void> {
    const owed = this.#owed.get(workspaceId) ?? new Set<string>();
    for (const id of blobIds) owed.add(id);
    if (owed.size === 0) return;
    this.#owed.set(workspaceId, owed);
    const ids = [...owed];
    for (let i = 0; i < ids.length; i += MAX_BLOB_CONFIRM) {
      const chunk = ids.slice(i, i + MAX_BLOB_CONFIRM);
      try {
        await this.#rest.call('confirmBlobs', { params: { workspaceId }, body: { blobIds: chunk } });
        for (const id of chunk) owed.delete(id);
      } catch (error) {
        if (!(error instanceof RestError)) throw error;
        this.#log.warn({ workspaceId, reason: error.code, blobs: chunk.length }, 'blob references not confirmed yet');
        return;
      }
    }
    if (owed.size === 0) this.#owed.delete(workspaceId);
  }
}
