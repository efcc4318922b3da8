/**
 * The `chat` stream of each followed workspace as a StreamHandler: signed message
 * envelopes (not a CRDT, so that each message's author is provable), applied in server
 * order, edits and deletions honoured only from the message's author.
 */
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { EnvelopeKind } from '@yhteispoyta/crypto/types';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { CHAT_STREAM } from '@yhteispoyta/crypto/stream-rules';
import type { OutboxEntry } from '../streams/outbox-entry';
import { OneStreamFamily } from '../streams/one-stream-family';
import type { StreamContext } from '../streams/stream-context';
import type { InboundEnvelope, StreamHandler } from '../streams/stream-handler';
import { encodeChatPayload, parseChatPayload } from './chat-payload';
import type { SealedAttachment } from './chat-payload';
import type { ChatStore } from './chat-store';

/** A message changed: (workspace, author device key, message id). */
export type MessageChanged = (workspaceId: string, authorKey: string, messageId: string) => void;

/** AttachmentRef fields of a sealed attachment (without its key material). */
function attachmentRefOf(a: SealedAttachment): { blobId: string; name: string; type: string; size: number; sha256: string } {
  return { blobId: a.blobId, name: a.name, type: a.type, size: a.size, sha256: a.sha256 };
}

/** StreamHandler of the chat stream. */
export class ChatStream extends OneStreamFamily implements StreamHandler {
  readonly kinds: readonly EnvelopeKind[] = ['chat'];
  readonly #store: ChatStore;
  readonly #reporter: Pick<StreamContext, 'report' | 'enqueue'>;
  readonly #selfKey: string;
  readonly #changed: [string, string, string][] = [];
  readonly #onChanged: MessageChanged;

  /** Chat of this device (`selfKey`), stored in `store`; `onChanged` hears of every change after it is committed. */
  constructor(store: ChatStore, reporter: Pick<StreamContext, 'report' | 'enqueue'>, selfKey: string, onChanged: MessageChanged) {
    super(CHAT_STREAM);
    this.#store = store;
    this.#reporter = reporter;
    this.#selfKey = selfKey;
    this.#onChanged = onChanged;
  }


  validate(item: InboundEnvelope): string | undefined {
    const parsed = parseChatPayload(item.plaintext);
    return parsed.ok ? undefined : parsed.detail;
  }

  apply(item: InboundEnvelope): void {
    const parsed = parseChatPayload(item.plaintext);
    if (!parsed.ok) return;
    const { workspaceId, header, seq } = item;
    const authorKey = deviceKey(header.author);
    const payload = parsed.payload;
    const target = this.#store.get(workspaceId, authorKey, payload.id);
    switch (payload.t) {
      case 'msg':
        if (target !== undefined) {
          // Our own message, stored although its acknowledgement was lost; anything else is a repeat of an id.
          if (authorKey === this.#selfKey && target.pending) this.#store.markSent(workspaceId, authorKey, payload.id, header.clock, seq);
          else return;
        } else {
          this.#store.insert({
            workspaceId,
            authorKey,
            id: payload.id,
            authorUser: header.author.userId,
            authorDevice: header.author.deviceId,
            text: payload.text,
            attachments: payload.attachments.map(attachmentRefOf),
            sentAt: header.sentAt,
            seq,
            clock: header.clock,
            editedAt: undefined,
            deleted: false,
            pending: false,
          });
          for (const a of payload.attachments) {
            const key = fromBase64(a.key);
            const noncePrefix = fromBase64(a.noncePrefix);
            if (key !== undefined && noncePrefix !== undefined) this.#store.addKey(workspaceId, a.blobId, a.sha256, key, noncePrefix);
          }
        }
        break;
      case 'edit':
      case 'delete':
        if (target === undefined) {
          if (this.#store.existsFromOther(workspaceId, authorKey, payload.id)) {
            this.#reporter.report('forbidden', {
              workspaceId,
              stream: CHAT_STREAM,
              device: header.author,
              message: 'A device tried to change a message someone else wrote; the change was refused.',
            });
          }
          // Otherwise the message is one this device never could read (sealed before it joined).
          return;
        }
        if (target.deleted) return;
        if (payload.t === 'edit') this.#store.edit(workspaceId, authorKey, payload.id, payload.text, header.sentAt);
        else this.#store.markDeleted(workspaceId, authorKey, payload.id, header.sentAt);
        break;
    }
    this.#changed.push([workspaceId, authorKey, payload.id]);
  }

  echo(item: InboundEnvelope): void {
    const parsed = parseChatPayload(item.plaintext);
    if (!parsed.ok || parsed.payload.t !== 'msg') return;
    const message = this.#store.get(item.workspaceId, this.#selfKey, parsed.payload.id);
    if (message === undefined || message.seq !== undefined) return;
    this.#store.setSeq(item.workspaceId, this.#selfKey, parsed.payload.id, item.seq);
    this.#changed.push([item.workspaceId, this.#selfKey, parsed.payload.id]);
  }

  applySnapshot(): void {
    // Chat streams have no snapshots: `kinds` excludes them, so the engine refuses one before it gets here.
  }

  acknowledged(entry: OutboxEntry, clock: number, seq: number | undefined): void {
    const parsed = parseChatPayload(entry.payload);
    if (!parsed.ok || parsed.payload.t !== 'msg') return;
    this.#store.markSent(entry.workspaceId, this.#selfKey, parsed.payload.id, clock, seq);
    this.#changed.push([entry.workspaceId, this.#selfKey, parsed.payload.id]);
  }

  dropped(entry: OutboxEntry): void {
    const parsed = parseChatPayload(entry.payload);
    if (!parsed.ok || parsed.payload.t !== 'msg') return;
    this.#store.markDeleted(entry.workspaceId, this.#selfKey, parsed.payload.id, entry.createdAt);
    this.#store.clearPending(entry.workspaceId, this.#selfKey, parsed.payload.id);
    this.#changed.push([entry.workspaceId, this.#selfKey, parsed.payload.id]);
  }

  /**
   * The server lost messages of ours it had acknowledged: each one, from this device's own
   * store, goes into the outbox again (same id, so a receiver that has it after all skips
   * the repeat) and shows as pending until the server really stores it.
   */
  lost(workspaceId: string, stream: string, fromClock: number, toClock: number): void {
    for (const m of this.#store.list(workspaceId)) {
      if (m.authorKey !== this.#selfKey || m.deleted || m.clock === undefined || m.clock < fromClock || m.clock > toClock) continue;
      const attachments = m.attachments.flatMap((a) => {
        const material = this.#store.keys(workspaceId, a.blobId, a.sha256)[0];
        return material === undefined ? [] : [{ ...a, key: toBase64(material.key), noncePrefix: toBase64(material.noncePrefix) }];
      });
      this.#reporter.enqueue(workspaceId, stream, 'chat', encodeChatPayload({ t: 'msg', id: m.id, text: m.text, attachments }));
      this.#store.markPending(workspaceId, this.#selfKey, m.id);
      this.#changed.push([workspaceId, this.#selfKey, m.id]);
    }
  }

  coalesce(): undefined {
    return undefined;
  }

  afterApply(): void {
    for (const [workspaceId, authorKey, id] of this.#changed.splice(0)) this.#onChanged(workspaceId, authorKey, id);
  }

  afterCatchUp(): void {
    this.afterApply();
  }
}
