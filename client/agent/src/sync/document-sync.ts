/**
 * The contracts.ts `DocumentSync`: Yjs documents of workspaces, synced as encrypted
 * envelopes, with encrypted presence and convergence fingerprints.
 */
import type * as Y from 'yjs';
import type { Logger } from 'pino';
import { idSchema } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { DocumentSync, SyncStatus } from '../contracts';
import { DocumentStreams } from './document-streams';
import { PresenceChannel } from './presence-channel';
import { SnapshotMaker } from './snapshot-maker';
import { documentStateHash } from './state-hash';
import type { SyncEngine } from './sync-engine';

/** DocumentSync on a {@link SyncEngine}. `close()` shuts the whole engine down. */
export class EncryptedDocumentSync implements DocumentSync {
  readonly #engine: SyncEngine;
  readonly #log: Logger;
  readonly #documents: DocumentStreams;
  readonly #snapshots: SnapshotMaker;
  readonly #presence: PresenceChannel;

  /**
   * Registers document streams on `engine` and reopens every document that still has
   * queued changes, so that they are sent on the next connection even if the user does
   * not open that document again.
   */
  constructor(engine: SyncEngine) {
    this.#engine = engine;
    this.#log = engine.moduleLogger('sync/document-sync');
    this.#documents = new DocumentStreams(engine, (workspaceId, stream) => this.#snapshots.consider(workspaceId, stream));
    this.#snapshots = new SnapshotMaker(engine, this.#documents);
    this.#presence = new PresenceChannel(engine);
    engine.register(this.#documents);
    for (const { workspaceId, stream } of engine.outbox.streams()) {
      if (this.#documents.owns(stream)) this.#openAndFollow(workspaceId, stream);
    }
  }

  /** The live Y.Doc of a document stream, from the local state at once; catch-up with the server follows in the background. */
  async open(workspaceId: string, stream: string): Promise<Y.Doc> {
    return this.#openAndFollow(workspaceId, stream).doc;
  }

  /** Seal and send our awareness update for a document stream. */
  sendPresence(workspaceId: string, stream: string, update: Uint8Array): Promise<void> {
    checkWorkspaceId(workspaceId);
    return this.#presence.send(workspaceId, stream, update);
  }

  /** Listen to verified presence from other devices. */
  onPresence(listener: (workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void): () => void {
    return this.#presence.onPresence(listener);
  }

  /** The document's convergence fingerprint (state-hash.ts describes the method). */
  async stateHash(workspaceId: string, stream: string): Promise<string> {
    return documentStateHash(this.#openAndFollow(workspaceId, stream).doc);
  }

  /** Link status, queued changes, workspaces catching up. */
  status(): SyncStatus {
    return this.#engine.status();
  }

  /** Listen to status changes. */
  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#engine.onStatus(listener);
  }

  /** Send what the merge windows hold and everything queued; resolves when acknowledged or nothing more can be sent now. */
  async flush(): Promise<void> {
    this.#documents.flushWindows();
    await this.#engine.lanes.idle();
    await this.#engine.flush();
    await this.#snapshots.flush();
    await this.#engine.flush();
  }

  /** Keep pending local edits in the outbox, stop the engine (chat included) and drop the documents. */
  async close(): Promise<void> {
    this.#documents.flushWindows();
    await this.#snapshots.close();
    this.#presence.close();
    await this.#engine.close();
    this.#documents.close();
  }

  #openAndFollow(workspaceId: string, stream: string) {
    checkWorkspaceId(workspaceId);
    const known = this.#documents.get(workspaceId, stream) !== undefined;
    const open = this.#documents.open(workspaceId, stream);
    if (!known) {
      void this.#engine.follow(workspaceId).catch((error: unknown) => {
        this.#log.error({ err: error instanceof Error ? error.message : 'unknown', workspaceId }, 'catch-up failed');
      });
    }
    return open;
  }
}

function checkWorkspaceId(workspaceId: string): void {
  if (!idSchema.safeParse(workspaceId).success) throw new RangeError('not a workspace id');
}
