/**
 * Document streams (`doc:plan`, `doc:<meetingId>`): one live Y.Doc per stream — the one
 * the browsers edit through their room and the one verified envelopes are applied to —
 * loaded from the profile first. This device's own changes (doc-origin.ts says which
 * those are) are merged over a short window, stored with the document state and queued in
 * the outbox in one transaction.
 */
import * as Y from 'yjs';
import type { Logger } from 'pino';
import type { EnvelopeKind } from '@yhteispoyta/crypto/types';
import { MAX_PLAINTEXT_BYTES } from '@yhteispoyta/crypto/envelope';
import { streamNameSchema } from '@yhteispoyta/crypto/protocol';
import { isDocStream } from '@yhteispoyta/crypto/stream-rules';
import type { OutboxEntry } from '../streams/outbox-entry';
import type { StreamContext } from '../streams/stream-context';
import type { InboundEnvelope, StreamHandler } from '../streams/stream-handler';
import type { DocStore } from './doc-store';
import { isOwnChange, LOAD_ORIGIN, REMOTE_ORIGIN, sourceOf, tagFollowUps } from './doc-origin';
import type { DocSource } from './doc-origin';
import type { SyncConfig } from './sync-options';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { VersionRecorder } from '../history/version-recorder';
import type { RecorderTiming } from '../history/version-recorder';
import type { VersionStore } from '../history/version-store';
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
  /** the merge window's timer (an immediate for a window of 0: the rest of this turn, not setTimeout's 1 ms) */
  timer: { readonly cancel: () => void } | undefined;
  /** the remote update being applied right now */
  applying: Uint8Array | undefined;
  /** an untagged change was seen (reported once per document) */
  warnedUntagged: boolean;
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

/** What document streams work with. */
export interface DocumentStreamsDeps {
  readonly context: Pick<StreamContext, 'transaction' | 'enqueue' | 'send' | 'report' | 'log' | 'now'>;
  /** the decrypted document state in the profile */
  readonly store: DocStore;
  readonly config: Pick<SyncConfig, 'mergeWindowMs' | 'docLogCompactRows'>;
  /** where versions of the documents are recorded (plan history), and who this device is */
  readonly history?: { readonly versions: Pick<VersionStore, 'insert' | 'update'>; readonly self: DeviceRef; readonly timing?: RecorderTiming };
}

/** The StreamHandler of document streams, and the registry of open Y.Docs. */
export class DocumentStreams implements StreamHandler {
  readonly kinds: readonly EnvelopeKind[] = ['update', 'snapshot'];
  readonly #context: DocumentStreamsDeps['context'];
  readonly #store: DocStore;
  readonly #config: DocumentStreamsDeps['config'];
  readonly #log: Logger;
  readonly #slots = new Map<string, DocSlot>();
  readonly #recorder: VersionRecorder | undefined;
  readonly #self: DeviceRef | undefined;
  #closed = false;

  /** Documents with `deps`. */
  constructor(deps: DocumentStreamsDeps) {
    this.#context = deps.context;
    this.#store = deps.store;
    this.#config = deps.config;
    this.#log = deps.context.log;
    this.#self = deps.history?.self;
    this.#recorder =
      deps.history === undefined ? undefined : new VersionRecorder(deps.history.versions, (w, s) => this.#stateOf(w, s), deps.history.timing);
  }

  /** The last edit of a session being recorded in the workspace (ms); 0 for none. */
  pendingEditAt(workspaceId: string): number {
    return this.#recorder?.pendingAt(workspaceId) ?? 0;
  }

  /** Write the versions being recorded now (before they are listed). */
  flushVersions(): void {
    this.#recorder?.flush();
  }

  /** The open document of a stream, loading it from the profile on first use. Throws RangeError for a non-document stream. */
  open(workspaceId: string, stream: string): OpenDocument {
    if (!isDocStream(stream) || !streamNameSchema.safeParse(stream).success) throw new RangeError(`not a document stream: ${stream}`);
    const existing = this.#slots.get(slotKey(workspaceId, stream));
    if (existing !== undefined) return existing;
    if (this.#closed) throw new Error('the documents are closed');
    const doc = new Y.Doc();
    tagFollowUps(doc);
    const stored = this.#store.load(workspaceId, stream);
    Y.transact(doc, () => {
      for (const update of stored) Y.applyUpdate(doc, update, LOAD_ORIGIN);
    }, LOAD_ORIGIN);
    const slot: DocSlot = { workspaceId, stream, doc, pending: [], timer: undefined, applying: undefined, warnedUntagged: false };
    doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      this.#changed(slot, update, sourceOf(origin), transaction);
    });
    doc.on('beforeTransaction', (transaction: Y.Transaction) => {
      // Before this user's change: someone else's editing session is recorded as he left it.
      if (this.#self !== undefined && sourceOf(transaction.origin) === 'browser') {
        this.#recorder?.willChange(workspaceId, stream, this.#self, this.#context.now());
      }
    });
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
    this.#recorder?.close();
    this.#closed = true;
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
    // Stored even when the document closed a moment ago: its next open loads it.
    const slot = this.#slots.get(slotKey(item.workspaceId, item.stream));
    const recordEdit = item.header.kind !== 'snapshot';
    if (recordEdit) this.#recorder?.willChange(item.workspaceId, item.stream, item.header.author, item.header.sentAt);
    if (slot !== undefined) {
      // A snapshot is the whole document, and an open document holds nearly all of it:
      // applied whole, Yjs decodes every item of it anew only to skip them. Only what this
      // document lacks by its state vector, with the snapshot's whole delete set, gives the
      // same document, and Yjs builds only those items.
      const applied = item.header.kind === 'snapshot' ? Y.diffUpdate(item.plaintext, Y.encodeStateVector(slot.doc)) : item.plaintext;
      slot.applying = applied;
      try {
        Y.applyUpdate(slot.doc, applied, REMOTE_ORIGIN);
      } finally {
        slot.applying = undefined;
      }
    }
    this.#store.append(item.workspaceId, item.stream, item.plaintext);
    if (recordEdit) this.#recorder?.changed(item.workspaceId, item.stream, item.header.author, item.header.sentAt);
  }

  echo(): void {
    // Our own update: the document has had it since it was made.
  }

  applySnapshot(item: InboundEnvelope): void {
    // A snapshot is the full state; Yjs merges it idempotently with what we hold.
    this.apply(item);
    this.#recorder?.snapshot(item.workspaceId, item.stream, item.header.author, item.header.sentAt, item.header.snapshotId, item.plaintext);
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

  snapshotState(workspaceId: string, stream: string): Uint8Array | undefined {
    const slot = this.#slots.get(slotKey(workspaceId, stream));
    return slot === undefined ? undefined : Y.encodeStateAsUpdate(slot.doc);
  }

  afterApply(workspaceId: string, stream: string): void {
    const slot = this.#slots.get(slotKey(workspaceId, stream));
    if (slot !== undefined) this.#foldIfLong(slot);
  }

  afterCatchUp(): void {
    // Nothing beyond what afterApply did; the engine looks at snapshots itself.
  }

  /** A transaction changed an open document: keep what is this device's own, to be sealed. */
  #changed(slot: DocSlot, update: Uint8Array, source: DocSource | undefined, transaction: Y.Transaction): void {
    if (isOwnChange(source)) {
      if (source === 'browser' && this.#self !== undefined) this.#recorder?.changed(slot.workspaceId, slot.stream, this.#self, this.#context.now());
      this.#collect(slot, update);
    } else if (source === 'remote') {
      // Yjs deleted more than the remote update says (a concurrent map key losing): a repair peers need too.
      if (slot.applying !== undefined && deletesBeyond(slot.applying, transaction)) this.#collect(slot, update);
    } else if (source === undefined && !slot.warnedUntagged) {
      slot.warnedUntagged = true;
      this.#log.warn({ workspaceId: slot.workspaceId, stream: slot.stream }, 'a change without a tagged origin stays local: it is not sent');
    }
  }

  /** The full state of a document now: the open Y.Doc's, or the stored rows merged. */
  #stateOf(workspaceId: string, stream: string): Uint8Array {
    const slot = this.#slots.get(slotKey(workspaceId, stream));
    if (slot !== undefined) return Y.encodeStateAsUpdate(slot.doc);
    const stored = this.#store.load(workspaceId, stream);
    return stored.length === 0 ? Y.encodeStateAsUpdate(new Y.Doc()) : Y.mergeUpdates(stored);
  }

  #collect(slot: DocSlot, update: Uint8Array): void {
    slot.pending.push(update);
    if (slot.timer !== undefined) return;
    const flush = (): void => this.#flushWindow(slot);
    const windowMs = this.#config.mergeWindowMs;
    if (windowMs === 0) {
      const immediate = setImmediate(flush);
      slot.timer = { cancel: () => clearImmediate(immediate) };
    } else {
      const timeout = setTimeout(flush, windowMs);
      slot.timer = { cancel: () => clearTimeout(timeout) };
    }
  }

  #flushWindow(slot: DocSlot): void {
    slot.timer?.cancel();
    slot.timer = undefined;
    if (slot.pending.length === 0 || this.#closed) return;
    const merged = Y.mergeUpdates(slot.pending);
    slot.pending = [];
    if (merged.byteLength > MAX_PLAINTEXT_BYTES) {
      // Too big for one envelope: it stays in the local document and reaches the others with the next snapshot.
      this.#context.report('too_large', { workspaceId: slot.workspaceId, stream: slot.stream, detail: 'local change over the envelope limit' });
    }
    const context = this.#context;
    context.transaction(() => {
      this.#store.append(slot.workspaceId, slot.stream, merged);
      if (merged.byteLength <= MAX_PLAINTEXT_BYTES) context.enqueue(slot.workspaceId, slot.stream, 'update', merged);
    });
    this.#foldIfLong(slot);
    context.send(slot.workspaceId, slot.stream);
  }

  #foldIfLong(slot: DocSlot): void {
    if (this.#store.rowCount(slot.workspaceId, slot.stream) > this.#config.docLogCompactRows) {
      this.#store.fold(slot.workspaceId, slot.stream, Y.encodeStateAsUpdate(slot.doc));
    }
  }
}
