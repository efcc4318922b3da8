/**
 * The contracts.ts `DocumentSync`: Yjs documents of workspaces, synced as encrypted
 * envelopes, with encrypted presence and convergence fingerprints. It has its own
 * lifecycle: closing it closes the documents, not the engine or the chat.
 */
import type * as Y from 'yjs';
import { idSchema } from '@yhteispoyta/crypto/protocol';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { DocumentSync, DocVersion, DocVersionState, SyncStatus } from '../contracts';
import { restoreVersion } from '../history/restore-version';
import type { VersionInfo, VersionStore } from '../history/version-store';
import { LOCAL_EDIT } from './doc-origin';
import type { StreamContext } from '../streams/stream-context';
import type { DocStore } from './doc-store';
import { DocumentStreams } from './document-streams';
import type { DocumentStreamsDeps, OpenDocument } from './document-streams';
import type { PresenceChannel, PresenceListener } from './presence-channel';
import { documentStateHash } from './state-hash';
import type { SyncConfig } from './sync-options';
import type { SyncStatusBoard } from './sync-status';

/** What the documents are built with. */
export interface DocumentSyncDeps {
  readonly context: Pick<StreamContext, 'transaction' | 'enqueue' | 'send' | 'report' | 'log' | 'now' | 'follow' | 'queuedStreams' | 'register' | 'flush'>;
  /** the decrypted document state in the profile */
  readonly store: DocStore;
  readonly config: Pick<SyncConfig, 'mergeWindowMs' | 'docLogCompactRows'>;
  /** where the documents' versions are recorded (plan history), and who this device is */
  readonly history?: NonNullable<DocumentStreamsDeps['history']> & { readonly versions: VersionStore };
  readonly presence: Pick<PresenceChannel, 'send' | 'onPresence'>;
  readonly status: Pick<SyncStatusBoard, 'status' | 'onStatus'>;
}

/** DocumentSync over the engine's {@link StreamContext}. */
export class EncryptedDocumentSync implements DocumentSync {
  readonly #deps: DocumentSyncDeps;
  readonly #documents: DocumentStreams;
  readonly #unplug: () => void;
  /** the unsubscribe functions of presence and status subscriptions made through this object, all called on close */
  readonly #subscriptions = new Listeners((error) =>
    this.#deps.context.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'unsubscribing failed'),
  );
  #closed = false;

  /**
   * Plugs document streams into the engine and reopens every document that still has
   * queued changes, so that they are sent on the next connection even if the user does
   * not open that document again.
   */
  constructor(deps: DocumentSyncDeps) {
    this.#deps = deps;
    this.#documents = new DocumentStreams(deps);
    this.#unplug = deps.context.register(this.#documents);
    for (const { workspaceId, stream } of deps.context.queuedStreams()) {
      if (this.#documents.owns(stream)) this.#openAndFollow(workspaceId, stream);
    }
  }

  /** The live Y.Doc of a document stream, from the local state at once; catch-up with the server follows in the background. */
  async open(workspaceId: string, stream: string): Promise<Y.Doc> {
    return this.#openAndFollow(workspaceId, stream).doc;
  }

  /** Seal and send our awareness update for a document stream (nothing once closed). */
  async sendPresence(workspaceId: string, stream: string, update: Uint8Array): Promise<void> {
    checkWorkspaceId(workspaceId);
    if (this.#closed) return;
    await this.#deps.presence.send(workspaceId, stream, update);
  }

  /** Listen to verified presence from other devices. */
  onPresence(listener: PresenceListener): () => void {
    return this.#track(this.#deps.presence.onPresence(listener));
  }

  /** The document's convergence fingerprint (state-hash.ts describes the method). */
  async stateHash(workspaceId: string, stream: string): Promise<string> {
    return documentStateHash(this.#openAndFollow(workspaceId, stream).doc);
  }

  /** Link status, queued changes, workspaces catching up. */
  status(): SyncStatus {
    return this.#deps.status.status();
  }

  /** Listen to status changes. */
  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#track(this.#deps.status.onStatus(listener));
  }

  /** Send what the merge windows hold, then everything queued; resolves when acknowledged or nothing more can be sent now. */
  async flush(): Promise<void> {
    this.#documents.flushWindows();
    await this.#deps.context.flush();
  }

  async versions(workspaceId: string, stream: string): Promise<DocVersion[]> {
    checkWorkspaceId(workspaceId);
    const store = this.#deps.history?.versions;
    if (store === undefined) return [];
    this.#documents.flushVersions();
    return store.list(workspaceId, stream).map(toDocVersion);
  }

  lastEditAt(workspaceId: string): number {
    const stored = this.#deps.history?.versions.latestAt(workspaceId) ?? 0;
    return Math.max(stored, this.#documents.pendingEditAt(workspaceId));
  }

  async version(workspaceId: string, stream: string, versionId: number): Promise<DocVersionState | undefined> {
    checkWorkspaceId(workspaceId);
    this.#documents.flushVersions();
    const found = this.#deps.history?.versions.get(workspaceId, stream, versionId);
    return found === undefined ? undefined : { ...toDocVersion(found), state: found.state };
  }

  async restoreVersion(workspaceId: string, stream: string, versionId: number): Promise<boolean | undefined> {
    const found = await this.version(workspaceId, stream, versionId);
    if (found === undefined) return undefined;
    // LOCAL_EDIT: this device's user restores; it is sealed and sent like typing, and the browsers' rooms get it at once.
    return restoreVersion(this.#openAndFollow(workspaceId, stream).doc, found.state, LOCAL_EDIT);
  }

  /** Keep pending local edits in the outbox, unplug the documents and drop them. The engine and the chat keep running. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#documents.flushWindows();
    this.#unplug();
    this.#subscriptions.emit();
    this.#subscriptions.clear();
    this.#documents.close();
  }

  #track(off: () => void): () => void {
    const untrack = this.#subscriptions.add(off);
    return () => {
      off();
      untrack();
    };
  }

  #openAndFollow(workspaceId: string, stream: string): OpenDocument {
    checkWorkspaceId(workspaceId);
    const known = this.#documents.get(workspaceId, stream) !== undefined;
    const open = this.#documents.open(workspaceId, stream);
    if (!known) this.#deps.context.follow(workspaceId);
    return open;
  }
}

function toDocVersion(info: VersionInfo): DocVersion {
  return {
    versionId: info.versionId,
    kind: info.kind,
    author: { userId: info.authorUserId, deviceId: info.authorDeviceId },
    coauthors: info.coauthors,
    at: info.at,
    ...(info.snapshotId === undefined ? {} : { snapshotId: info.snapshotId }),
  };
}

function checkWorkspaceId(workspaceId: string): void {
  if (!idSchema.safeParse(workspaceId).success) throw new RangeError('not a workspace id');
}
