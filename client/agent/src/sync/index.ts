/**
 * The sync engine's entry point for agent.ts: one engine per unlocked profile, with the
 * contracts.ts DocumentSync and ChatService on it.
 */
import { EncryptedChatService } from '../chat/chat-service';
import type { ChatService, DocumentSync } from '../contracts';
import { EncryptedDocumentSync } from './document-sync';
import { SyncEngine } from './sync-engine';
import type { SyncDeps } from './sync-options';

export { DEFAULT_SYNC_CONFIG } from './sync-options';
export type { SyncConfig, SyncDeps } from './sync-options';
export { REMOTE_ORIGIN } from './document-streams';

/** The sync services of one profile. */
export interface SyncServices {
  /** `documents.close()` stops the whole engine, chat included; call `flush()` first to send what is queued */
  readonly documents: DocumentSync;
  readonly chat: ChatService;
}

/**
 * Starts the sync engine on an open profile (applying its `sync` and `chat` migrations)
 * and returns its services. It follows a workspace once a document of it is opened or
 * its chat is used, and catches up on every `onOnline` of the link.
 */
export function startSync(deps: SyncDeps): SyncServices {
  const engine = new SyncEngine(deps);
  const documents = new EncryptedDocumentSync(engine);
  const chat = new EncryptedChatService(engine);
  return { documents, chat };
}
