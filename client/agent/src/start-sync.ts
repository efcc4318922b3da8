/**
 * The sync services of one unlocked profile: the engine (sync/), the documents on it
 * (sync/), the chat (chat/) and the case records (records/) on it. This is the one place
 * that knows them all; the documents, the chat and the records each get a narrow context from the engine and know nothing of
 * each other, and each has its own lifecycle.
 */
import type { Logger } from 'pino';
import { BlobReferences } from './chat/blob-references';
import { EncryptedChatService } from './chat/chat-service';
import type { ChatSession } from './chat/chat-service';
import type { DocumentSync, KeyRing, LocalDevice, ProblemSink, ServerLink } from './contracts';
import type { ProfileDb } from './profile/profile-db';
import { moduleLogger } from './streams/module-logger';
import { EncryptedRecordsService } from './records/records-service';
import type { RecordsSession } from './records/records-service';
import { VersionStore } from './history/version-store';
import { DocStore } from './sync/doc-store';
import { EncryptedDocumentSync } from './sync/document-sync';
import { SyncEngine } from './sync/sync-engine';
import { resolveSyncConfig } from './sync/sync-options';
import type { SyncConfig } from './sync/sync-options';
import type { LogHeadHooks } from './sync/heartbeats';

/** Everything the sync services need, as wired by agent.ts. */
export interface SyncDeps {
  readonly link: ServerLink;
  readonly keys: KeyRing;
  readonly device: LocalDevice;
  readonly problems: ProblemSink;
  /** the open profile; the services apply their own migration sets to it */
  readonly profile: ProfileDb;
  readonly config?: Partial<SyncConfig>;
  /** parent logger; each module takes a child named after itself */
  readonly logger?: Logger;
  /** ms since epoch; tests may move it */
  readonly now?: () => number;
  /**
   * The transparency log's side of the heartbeat (docs/design.md §12): `logHead` gives the
   * newest verified tree head each heartbeat carries, `onPeerLogHead` receives the heads of
   * other members' heartbeats. Both default to nothing.
   */
  readonly logHeads?: LogHeadHooks;
}

/** The sync services of one profile. */
export interface SyncServices {
  /** closing the documents leaves the chat and the engine running */
  readonly documents: DocumentSync;
  /** closing the chat leaves the documents and the engine running */
  readonly chat: ChatSession;
  /** the case records (docs/design.md §11); closing them leaves the rest running */
  readonly records: RecordsSession;
  /** Close the documents, the chat, the records and the engine; queued changes stay in the profile. Call `documents.flush()` first to send them. */
  close(): Promise<void>;
}

/**
 * Starts the engine on an open profile (applying its `sync`, `chat` and `records`
 * migrations) with the documents, the chat and the records on it. The engine follows a workspace once a document of it
 * is opened or its chat is used, and catches up on every `onOnline` of the link.
 */
export function startSync(deps: SyncDeps): SyncServices {
  const config = resolveSyncConfig(deps.config);
  const engine = new SyncEngine({ ...deps, config });
  const documents = new EncryptedDocumentSync({
    context: engine.context('sync/documents'),
    store: new DocStore(deps.profile),
    config,
    history: { versions: new VersionStore(deps.profile), self: deps.device.self },
    presence: engine.presence,
    status: engine.status,
  });
  // Which uploaded blobs sent messages and records reference (issue 15); what could not be
  // confirmed goes out again whenever the link comes back.
  const references = new BlobReferences(deps.link.rest, deps.profile, moduleLogger(deps.logger, 'chat/blob-references'));
  const unfollowOnline = deps.link.onOnline(() => {
    references.flush().catch((error: unknown) => deps.logger?.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'blob references not flushed'));
  });
  const chat = new EncryptedChatService({
    context: engine.context('chat/service'),
    profile: deps.profile,
    device: deps.device,
    members: deps.keys,
    rest: deps.link.rest,
    references,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const records = new EncryptedRecordsService({
    context: engine.context('records/service'),
    profile: deps.profile,
    device: deps.device,
    members: deps.keys,
    references,
  });
  let closing: Promise<void> | undefined;
  return {
    documents,
    chat,
    records,
    close: () => {
      closing ??= (async () => {
        unfollowOnline();
        await documents.close();
        await chat.close();
        await records.close();
        await engine.close();
      })();
      return closing;
    },
  };
}
