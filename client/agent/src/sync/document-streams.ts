/**
 * Document streams (`doc:plan`, `doc:<meetingId>`): one live Y.Doc per stream, loaded
 * from the profile first, fed by verified envelopes, and whose local changes are merged
 * over a short window, stored with the document state and queued in the outbox in one
 * transaction.
 */
import * as Y from 'yjs';
import type { Logger } from 'pino';
import type { EnvelopeKind } from '@yhteispoyta/crypto/types';
import { MAX_PLAINTEXT_BYTES } from '@yhteispoyta/crypto/envelope';
import type { OutboxEntry } from './outbox';
import { streamNameSchema } from '@yhteispoyta/crypto/protocol';
import { isDocStream } from '@yhteispoyta/crypto/stream-rules';
import type { InboundEnvelope, StreamHandler } from './stream-handler';
import type { SyncEngine } from './sync-engine';

/** Transaction origin of updates that came from other devices; everything else is a local change. */
export const REMOTE_ORIGIN = 'remote';
/** Transaction origin of loading the stored state: neither local nor remote. */
const LOAD_ORIGIN = Symbol('load');
/** Merged outgoing updates stay under this size, far below the envelope limit. */
const MAX_MERGED_BYTES = 1024 * 1024;

/** A document this device has open. */
export interface OpenDocument {
  readonly workspaceId: string;
  readonly stream: string;
  readonly doc: Y.Doc;
}

interface DocSlot extends OpenDocument {
  pending: Uint8Array[];
  timer: ReturnType<typeof setTimeout> | undefined;
  /** the remote update being applied right now */
  applying: Uint8Array | undefined;
}

const slotKey = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;

/**
 * Whether applying `applied` made the document delete more than `applied` says. Yjs
 * sometimes deletes inside a remote transaction on its own (text formatting clean-up,
 * a concurrent map key losing): those deletions exist only locally until they are sent
 * like a local edit, and peers that never see them diverge.
 */
export function deletesBeyond(applied: Uint8Array, transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size === 0) return false;
  const declared = Y.decodeUpdate(applied).ds.clients;
  for (const [client, items] of transaction.deleteSet.clients) {
    const ranges = declared.get(client) ?? [];
    for (const item of items) {
      if (!ranges.some((r) => r.clock <= item.clock && item.clock + item.len <= r.clock + r.len)) return true;
    }
  }
  return false;
}

/** The StreamHandler of document streams, and the registry of open Y.Docs. */
export class DocumentStreams implements StreamHandler {
  readonly kinds: readonly EnvelopeKind[] = ['update', 'snapshot'];
  readonly #engine: SyncEngine;
  readonly #log: Logger;
  readonly #slots = new Map<string, DocSlot>();
  readonly #onChanged: (workspaceId: string, stream: string) => void;

  /** Documents on `engine`; `onChanged` runs after a stream's state moved (compaction checks). */
  constructor(engine: SyncEngine, onChanged: (workspaceId: string, stream: string) => void) {
    this.#engine = engine;
    this.#log = engine.moduleLogger('sync/documents');
    this.#onChanged = onChanged;
  }

  /** The open document of a stream, loading it from the profile on first use. Throws RangeError for a non-document stream. */
  open(workspaceId: string, stream: string): OpenDocument {
    if (!isDocStream(stream) || !streamNameSchema.safeParse(stream).success) throw new RangeError(`not a document stream: ${stream}`);
    const existing = this.#slots.get(slotKey(workspaceId, stream));
    if (existing !== undefined) return existing;
    const doc = new Y.Doc();
    const stored = this.#engine.docs.load(workspaceId, stream);
    Y.transact(doc, () => {
      for (const update of stored) Y.applyUpdate(doc, update, LOAD_ORIGIN);
    }, LOAD_ORIGIN);
    const slot: DocSlot = { workspaceId, stream, doc, pending: [], timer: undefined, applying: undefined };
    doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      if (origin === LOAD_ORIGIN) return;
      if (origin === REMOTE_ORIGIN) {
        if (slot.applying !== undefined && deletesBeyond(slot.applying, transaction)) this.#collect(slot, update);
        return;
      }
      this.#collect(slot, update);
    });
    this.#engine.state.ensure(workspaceId, stream);
    this.#slots.set(slotKey(workspaceId, stream), slot);
    return slot;
  }

  /** An open document, if open. */
  get(workspaceId: string, stream: string): OpenDocument | undefined {
    return this.#slots.get(slotKey(workspaceId, stream));
  }

  /** Every open document. */
  all(): OpenDocument[] {
    return [...this.#slots.values()];
  }

  /** Store and queue what the merge windows hold now, without waiting for them. */
  flushWindows(): void {
    for (const slot of this.#slots.values()) this.#flushWindow(slot);
  }

  /** Store what is pending and drop the documents. */
  close(): void {
    this.flushWindows();
    for (const slot of this.#slots.values()) slot.doc.destroy();
    this.#slots.clear();
  }

  owns(stream: string): boolean {
    return isDocStream(stream);
  }

  streamsOf(workspaceId: string): readonly string[] {
    return [...this.#slots.values()].filter((s) => s.workspaceId === workspaceId).map((s) => s.stream);
  }

  validate(item: InboundEnvelope): string | undefined {
    try {
      Y.decodeUpdate(item.plaintext);
      return undefined;
    } catch {
      return 'the content is not a Yjs update';
    }
  }

  apply(item: InboundEnvelope): void {
    const slot = this.#slots.get(slotKey(item.workspaceId, item.stream));
    if (slot === undefined) return;
    slot.applying = item.plaintext;
    try {
      Y.applyUpdate(slot.doc, item.plaintext, REMOTE_ORIGIN);
    } finally {
      slot.applying = undefined;
    }
    this.#engine.docs.append(item.workspaceId, item.stream, item.plaintext);
  }

  echo(): void {
    // Our own update: the document has had it since it was made.
  }

  applySnapshot(item: InboundEnvelope): void {
    // A snapshot is the full state; Yjs merges it idempotently with what we hold.
    this.apply(item);
  }

  acknowledged(): void {
    // Nothing beyond leaving the outbox: the update is already in the stored state.
  }

  dropped(entry: OutboxEntry): void {
    this.#log.warn({ workspaceId: entry.workspaceId, stream: entry.stream }, 'an update was refused for good; it stays in the local document');
  }

  coalesce(entries: readonly OutboxEntry[]): { ids: number[]; payload: Uint8Array } | undefined {
    const ids: number[] = [];
    const updates: Uint8Array[] = [];
    let size = 0;
    for (const entry of entries) {
      if (ids.length > 0 && size + entry.payload.byteLength > MAX_MERGED_BYTES) break;
      ids.push(entry.id);
      updates.push(entry.payload);
      size += entry.payload.byteLength;
    }
    if (ids.length < 2) return undefined;
    return { ids, payload: Y.mergeUpdates(updates) };
  }

  afterApply(workspaceId: string, stream: string): void {
    const slot = this.#slots.get(slotKey(workspaceId, stream));
    if (slot === undefined) return;
    this.#foldIfLong(slot);
    this.#onChanged(workspaceId, stream);
  }

  afterCatchUp(workspaceId: string): void {
    for (const stream of this.streamsOf(workspaceId)) this.#onChanged(workspaceId, stream);
  }

  #collect(slot: DocSlot, update: Uint8Array): void {
    slot.pending.push(update);
    if (slot.timer !== undefined) return;
    slot.timer = setTimeout(() => this.#flushWindow(slot), this.#engine.config.mergeWindowMs);
  }

  #flushWindow(slot: DocSlot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.pending.length === 0 || this.#engine.isClosed()) return;
    const merged = Y.mergeUpdates(slot.pending);
    slot.pending = [];
    if (merged.byteLength > MAX_PLAINTEXT_BYTES) {
      // Too big for one envelope: it stays in the local document and reaches the others with the next snapshot.
      this.#engine.reporter.report('too_large', { workspaceId: slot.workspaceId, stream: slot.stream, detail: 'local change over the envelope limit' });
    }
    const engine = this.#engine;
    engine.profile.transaction(() => {
      engine.docs.append(slot.workspaceId, slot.stream, merged);
      if (merged.byteLength <= MAX_PLAINTEXT_BYTES) engine.outbox.add(slot.workspaceId, slot.stream, 'update', merged, engine.now());
    });
    this.#foldIfLong(slot);
    void engine.kick(slot.workspaceId, slot.stream);
  }

  #foldIfLong(slot: DocSlot): void {
    const engine = this.#engine;
    if (engine.docs.rowCount(slot.workspaceId, slot.stream) > engine.config.docLogCompactRows) {
      engine.docs.fold(slot.workspaceId, slot.stream, Y.encodeStateAsUpdate(slot.doc));
    }
  }
}
