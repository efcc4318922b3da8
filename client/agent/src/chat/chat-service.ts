/**
 * The contracts.ts `ChatService`: signed, encrypted chat per workspace, kept in the
 * profile, ordered by server seq, with pending messages shown until the server has them,
 * and encrypted attachments. It has its own lifecycle: closing it leaves the engine and
 * the documents running.
 */
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { idSchema } from '@yhteispoyta/crypto/protocol';
import { CHAT_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Logger } from 'pino';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { AttachmentRef, ChatMessage, ChatService, KeyRing, LocalDevice, RestClient, TransferProgress } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import { moduleLogger } from '../streams/module-logger';
import type { StreamContext } from '../streams/stream-context';
import { AttachmentTransfers } from './attachment-transfer';
import { BlobReferences } from './blob-references';
import type { AttachmentFile } from './attachment-transfer';
import { encodeChatPayload } from './chat-payload';
import type { ChatPayload, SealedAttachment } from './chat-payload';
import { CHAT_MIGRATIONS } from './chat-schema';
import { ChatStore } from './chat-store';
import type { StoredMessage } from './chat-store';
import { ChatStream } from './chat-stream';
import { UnknownAttachmentError } from './unknown-attachment';

/** What the chat is built with. */
export interface ChatDeps {
  readonly context: Pick<StreamContext, 'now' | 'log' | 'report' | 'transaction' | 'enqueue' | 'send' | 'follow' | 'queuedStreams' | 'register'>;
  /** the open profile: the chat applies its `chat` migrations and keeps its messages there */
  readonly profile: ProfileDb;
  /** this device, as its own messages show it */
  readonly device: Pick<LocalDevice, 'self' | 'displayName' | 'orgId'>;
  /** verified membership: the organisation a message's author belongs to */
  readonly members: Pick<KeyRing, 'chainState'>;
  /** attachments travel over REST */
  readonly rest: RestClient;
  /** confirms the blobs a sent message references (shared with the records); default: one of the chat's own */
  readonly references?: BlobReferences;
  /** parent logger of the chat's modules */
  readonly logger?: Logger;
}

/** A ChatService that can be closed on its own. */
export interface ChatSession extends ChatService {
  /** Unplug the chat stream and drop listeners; queued messages stay in the outbox. */
  close(): Promise<void>;
}

/** ChatService over the engine's {@link StreamContext}. */
export class EncryptedChatService implements ChatSession {
  readonly #context: ChatDeps['context'];
  readonly #device: ChatDeps['device'];
  readonly #members: ChatDeps['members'];
  readonly #selfKey: string;
  readonly #log: Logger;
  readonly #store: ChatStore;
  readonly #stream: ChatStream;
  readonly #transfers: AttachmentTransfers;
  readonly #references: BlobReferences;
  readonly #unplug: () => void;
  readonly #listeners = new Listeners<[workspaceId: string, message: ChatMessage]>((error) =>
    this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'message listener failed'),
  );

  /** Applies the `chat` migrations, plugs in the chat stream and follows workspaces that still have queued messages. */
  constructor(deps: ChatDeps) {
    const { context } = deps;
    this.#context = context;
    this.#device = deps.device;
    this.#members = deps.members;
    this.#selfKey = deviceKey(deps.device.self);
    this.#log = context.log;
    deps.profile.migrate(CHAT_MIGRATIONS);
    this.#store = new ChatStore(deps.profile);
    this.#stream = new ChatStream(this.#store, context, this.#selfKey, (workspaceId, authorKey, id) => this.#changed(workspaceId, authorKey, id));
    this.#transfers = new AttachmentTransfers(deps.rest, this.#store, context, moduleLogger(deps.logger, 'chat/attachments'));
    this.#references = deps.references ?? new BlobReferences(deps.rest, deps.profile, moduleLogger(deps.logger, 'chat/blob-references'));
    this.#unplug = context.register(this.#stream);
    for (const { workspaceId, stream } of context.queuedStreams()) {
      if (stream === CHAT_STREAM) this.#follow(workspaceId);
    }
  }

  /** The workspace's messages as this device holds them (and, from now on, follows). */
  async list(workspaceId: string): Promise<ChatMessage[]> {
    this.#follow(workspaceId);
    return this.#store.list(workspaceId).map((m) => this.#toMessage(m));
  }

  /**
   * Queue a message and send it as soon as possible; it is shown with `pending: true`
   * until the server stored it. Attachments must have been uploaded from this device.
   * Throws RangeError for invalid text or attachments.
   */
  async send(workspaceId: string, text: string, attachments: readonly AttachmentRef[] = []): Promise<ChatMessage> {
    this.#follow(workspaceId);
    const sealed = attachments.map((ref) => this.#sealedAttachment(workspaceId, ref));
    // Before the message goes out: the server keeps only blobs a sent message or record references.
    if (attachments.length > 0) await this.#references.confirm(workspaceId, attachments.map((a) => a.blobId));
    const id = Buffer.from(randomBytes(16)).toString('base64url');
    const payload = encodeChatPayload({ t: 'msg', id, text, attachments: sealed });
    const context = this.#context;
    const self = this.#device.self;
    context.transaction(() => {
      this.#store.insert({
        workspaceId,
        authorKey: this.#selfKey,
        id,
        authorUser: self.userId,
        authorDevice: self.deviceId,
        text,
        attachments: attachments.map((a) => ({ blobId: a.blobId, name: a.name, type: a.type, size: a.size, sha256: a.sha256 })),
        sentAt: context.now(),
        seq: undefined,
        clock: undefined,
        editedAt: undefined,
        deleted: false,
        pending: true,
      });
      context.enqueue(workspaceId, CHAT_STREAM, 'chat', payload);
    });
    this.#changed(workspaceId, this.#selfKey, id);
    context.send(workspaceId, CHAT_STREAM);
    const stored = this.#store.get(workspaceId, this.#selfKey, id);
    if (stored === undefined) throw new Error('the message was not stored');
    return this.#toMessage(stored);
  }

  /** Replace the text of one of this device's messages. Throws for a message that is not ours or is deleted. */
  async edit(workspaceId: string, messageId: string, text: string): Promise<void> {
    this.#changeOwn(workspaceId, messageId, { t: 'edit', id: messageId, text }, () =>
      this.#store.edit(workspaceId, this.#selfKey, messageId, text, this.#context.now()),
    );
  }

  /** Delete one of this device's messages for everyone. Throws for a message that is not ours or is deleted. */
  async remove(workspaceId: string, messageId: string): Promise<void> {
    this.#changeOwn(workspaceId, messageId, { t: 'delete', id: messageId }, () =>
      this.#store.markDeleted(workspaceId, this.#selfKey, messageId, this.#context.now()),
    );
  }

  /** Listen to new and changed messages (received, sent, acknowledged, edited, deleted). */
  onMessage(listener: (workspaceId: string, message: ChatMessage) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Encrypt and upload a file; put the returned reference into a message. */
  uploadAttachment(workspaceId: string, file: AttachmentFile, transferId?: string): Promise<AttachmentRef> {
    checkWorkspaceId(workspaceId);
    return this.#transfers.upload(workspaceId, file, transferId);
  }

  /** Download, verify and decrypt an attachment of a message of this workspace. */
  downloadAttachment(workspaceId: string, ref: AttachmentRef, transferId?: string): Promise<Uint8Array> {
    checkWorkspaceId(workspaceId);
    return this.#transfers.download(workspaceId, ref, transferId);
  }

  /** Listen to upload and download progress. */
  onProgress(listener: (progress: TransferProgress) => void): () => void {
    return this.#transfers.onProgress(listener);
  }

  /** Unplug the chat stream and drop the listeners; queued messages stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.#unplug();
    this.#listeners.clear();
  }

  #follow(workspaceId: string): void {
    checkWorkspaceId(workspaceId);
    if (this.#stream.follow(workspaceId)) this.#context.follow(workspaceId);
  }

  #changeOwn(workspaceId: string, messageId: string, payload: ChatPayload, applyLocally: () => void): void {
    this.#follow(workspaceId);
    const context = this.#context;
    const message = this.#store.get(workspaceId, this.#selfKey, messageId);
    if (message === undefined) throw new RangeError('no such message from this device');
    if (message.deleted) throw new RangeError('the message is deleted');
    const bytes = encodeChatPayload(payload);
    context.transaction(() => {
      applyLocally();
      context.enqueue(workspaceId, CHAT_STREAM, 'chat', bytes);
    });
    this.#changed(workspaceId, this.#selfKey, messageId);
    context.send(workspaceId, CHAT_STREAM);
  }

  #sealedAttachment(workspaceId: string, ref: AttachmentRef): SealedAttachment {
    const material = this.#store.keys(workspaceId, ref.blobId, ref.sha256)[0];
    if (material === undefined) throw new UnknownAttachmentError(ref.blobId);
    return { ...ref, key: toBase64(material.key), noncePrefix: toBase64(material.noncePrefix) };
  }

  #toMessage(m: StoredMessage): ChatMessage {
    const member = this.#members.chainState(m.workspaceId)?.members.get(m.authorUser);
    const own = m.authorKey === this.#selfKey;
    return {
      id: m.id,
      workspaceId: m.workspaceId,
      author: { userId: m.authorUser, deviceId: m.authorDevice },
      ...(own ? { authorName: this.#device.displayName } : {}),
      ...(member === undefined ? (own ? { authorOrgId: this.#device.orgId } : {}) : { authorOrgId: member.orgId }),
      text: m.text,
      attachments: m.attachments,
      sentAt: m.sentAt,
      // 0 = not sequenced by the server yet (server seqs start at 1)
      seq: m.seq ?? 0,
      ...(m.editedAt === undefined ? {} : { editedAt: m.editedAt }),
      deleted: m.deleted,
      verified: true,
      pending: m.pending,
    };
  }

  #changed(workspaceId: string, authorKey: string, id: string): void {
    const stored = this.#store.get(workspaceId, authorKey, id);
    if (stored === undefined) return;
    const message = this.#toMessage(stored);
    this.#listeners.emit(workspaceId, message);
  }
}

function checkWorkspaceId(workspaceId: string): void {
  if (!idSchema.safeParse(workspaceId).success) throw new RangeError('not a workspace id');
}
