/**
 * The contracts.ts `RecordsService`: the case records of each workspace (docs/design.md
 * §11) over the signed, encrypted `records` stream. An action is checked against the
 * records as this device holds them (its own pending events included) by the rules every
 * agent runs on replay; a refused one is a RecordRefusedError and nothing is queued. An
 * accepted one is stored as pending and queued like a chat message; it is shown with
 * `pending: true` until the server has it. Each received event the rules refuse is
 * reported once as a `record_refused` problem with the rule's code, and changes nothing.
 */
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { idSchema } from '@yhteispoyta/crypto/protocol';
import { RECORDS_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { CaseRecordView, RecordAction } from '@yhteispoyta/local-api';
import type { Logger } from 'pino';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { SealedAttachment } from '../chat/chat-payload';
import { UnknownAttachmentError } from '../chat/unknown-attachment';
import { CHAT_MIGRATIONS } from '../chat/chat-schema';
import { ChatStore } from '../chat/chat-store';
import type { AttachmentRef, KeyRing, LocalDevice, RecordsService } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { StreamContext } from '../streams/stream-context';
import { RecordRefusedError } from './record-error';
import { authorOf, membersOf } from './record-members';
import type { BlobReferences } from '../chat/blob-references';
import { attachmentsOf, encodeRecordEvent, parseRecordEvent } from './record-payload';
import type { RecordEvent } from './record-payload';
import { replayRecords } from './records-replay';
import type { Replay } from './records-replay';
import { RECORDS_MIGRATIONS } from './records-schema';
import { RecordsStore } from './records-store';
import { RecordsStream } from './records-stream';
import { recordView } from './records-view';

/** What the records are built with. */
export interface RecordsDeps {
  readonly context: Pick<StreamContext, 'now' | 'log' | 'report' | 'transaction' | 'enqueue' | 'send' | 'follow' | 'queuedStreams' | 'register'>;
  /** the open profile: the records keep their events there, and find attachment keys in the chat's table */
  readonly profile: ProfileDb;
  readonly device: Pick<LocalDevice, 'self'>;
  /** the verified membership chain: who an author is, and who the members are */
  readonly members: Pick<KeyRing, 'chainState'>;
  /**
   * tells the server which uploaded blobs a sent record references, so they are kept
   * (issue 15: blobs nobody confirms are removed after a day); absent in tests without attachments
   */
  readonly references?: Pick<BlobReferences, 'confirm'>;
}

/** A RecordsService that can be closed on its own. */
export interface RecordsSession extends RecordsService {
  /** Unplug the records stream and drop listeners; queued events stay in the outbox. */
  close(): Promise<void>;
}

/** Record events that create a record, whose id the agent chooses. */
const CREATING = new Set<RecordAction['t']>(['request', 'statement', 'decision', 'concern', 'meeting', 'meeting_decision', 'transition']);

/** RecordsService over the engine's {@link StreamContext}. */
export class EncryptedRecordsService implements RecordsSession {
  readonly #context: RecordsDeps['context'];
  readonly #device: RecordsDeps['device'];
  readonly #members: RecordsDeps['members'];
  readonly #references: RecordsDeps['references'];
  readonly #selfKey: string;
  readonly #log: Logger;
  readonly #store: RecordsStore;
  readonly #keys: ChatStore;
  readonly #stream: RecordsStream;
  readonly #unplug: () => void;
  /** the replay of each workspace, dropped whenever its events change */
  readonly #replays = new Map<string, Replay>();
  readonly #listeners = new Listeners<[workspaceId: string]>((error) =>
    this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'records listener failed'),
  );

  /** Applies the `records` migrations, plugs in the records stream and follows workspaces that still have queued events. */
  constructor(deps: RecordsDeps) {
    const { context } = deps;
    this.#context = context;
    this.#device = deps.device;
    this.#members = deps.members;
    this.#references = deps.references;
    this.#selfKey = deviceKey(deps.device.self);
    this.#log = context.log;
    deps.profile.migrate(CHAT_MIGRATIONS);
    deps.profile.migrate(RECORDS_MIGRATIONS);
    this.#store = new RecordsStore(deps.profile);
    this.#keys = new ChatStore(deps.profile);
    this.#stream = new RecordsStream(this.#store, this.#keys, deps.members, context, this.#selfKey, (workspaceId) => this.#changed(workspaceId));
    this.#unplug = context.register(this.#stream);
    for (const { workspaceId, stream } of context.queuedStreams()) {
      if (stream === RECORDS_STREAM) this.#follow(workspaceId);
    }
  }

  /** The workspace's records, in the order they were created (and, from now on, follows it). */
  async list(workspaceId: string): Promise<CaseRecordView[]> {
    this.#follow(workspaceId);
    return this.#replay(workspaceId).book.list().map((record) => recordView(workspaceId, record));
  }

  /** One record, or undefined. */
  async get(workspaceId: string, recordId: string): Promise<CaseRecordView | undefined> {
    this.#follow(workspaceId);
    const record = this.#replay(workspaceId).book.get(recordId);
    return record === undefined ? undefined : recordView(workspaceId, record);
  }

  /**
   * Create or advance a record: checked by the records' rules against what this device
   * holds, then queued and sent as soon as possible. Returns the record as it now stands
   * (pending). Throws RecordRefusedError when the rules refuse it, RangeError for invalid
   * input or an attachment not uploaded from this device — in both cases nothing is queued.
   */
  async send(workspaceId: string, action: RecordAction): Promise<CaseRecordView> {
    this.#follow(workspaceId);
    const chain = this.#members.chainState(workspaceId);
    const self = this.#device.self;
    const member = chain?.members.get(self.userId);
    if (chain === undefined || member === undefined) throw new RecordRefusedError('not_allowed', 'This device is not a member of the workspace.');
    const event = this.#event(workspaceId, action);
    const payload = encodeRecordEvent(event);
    const author = authorOf(member);
    const members = membersOf(chain);
    // The rules on a fresh replay (the cached one must not see an event that may be refused).
    const trial = replayRecords(this.#store.list(workspaceId)).book;
    const result = trial.apply(event, { author, seq: -Number.MAX_SAFE_INTEGER, members });
    if (!result.ok) throw new RecordRefusedError(result.code, result.detail);
    // Before the event goes out: the server keeps only blobs a sent message or record references.
    const blobIds = attachmentsOf(event).map((a) => a.blobId);
    if (blobIds.length > 0) await this.#references?.confirm(workspaceId, blobIds);
    const context = this.#context;
    context.transaction(() => {
      this.#store.insert({
        workspaceId, seq: undefined, authorKey: this.#selfKey, authorUser: self.userId, authorDevice: self.deviceId,
        author, members, clock: undefined, payload, pending: true,
      });
      context.enqueue(workspaceId, RECORDS_STREAM, 'records', payload);
    });
    this.#changed(workspaceId);
    context.send(workspaceId, RECORDS_STREAM);
    const record = this.#replay(workspaceId).book.get(result.recordId);
    if (record === undefined) throw new Error('the record was not stored');
    return recordView(workspaceId, record);
  }

  /** An attachment some record of the workspace carries (for its download), or undefined. */
  attachment(workspaceId: string, blobId: string): AttachmentRef | undefined {
    for (const { row, result } of this.#replay(workspaceId).events) {
      if (!result.ok) continue;
      const found = this.#attachmentsOf(row.payload).find((a) => a.blobId === blobId);
      if (found !== undefined) return { blobId: found.blobId, name: found.name, type: found.type, size: found.size, sha256: found.sha256 };
    }
    return undefined;
  }

  /** Listen to changes of a workspace's records (received, sent, acknowledged, refused). */
  onChange(listener: (workspaceId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Unplug the records stream and drop the listeners; queued events stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.#unplug();
    this.#listeners.clear();
  }

  #follow(workspaceId: string): void {
    if (!idSchema.safeParse(workspaceId).success) throw new RangeError('not a workspace id');
    if (this.#stream.follow(workspaceId)) this.#context.follow(workspaceId);
  }

  /** The event of an action: its time, a new id for a new record, attachments sealed with their keys. */
  #event(workspaceId: string, action: RecordAction): RecordEvent {
    const at = this.#context.now();
    const id = Buffer.from(randomBytes(16)).toString('base64url');
    const withId = CREATING.has(action.t) ? { id } : {};
    if (action.t === 'request' || action.t === 'statement') {
      const attachments = (action.attachments ?? []).map((a) => this.#sealed(workspaceId, a));
      return { ...action, ...withId, at, attachments } as RecordEvent;
    }
    return { ...action, ...withId, at } as RecordEvent;
  }

  #sealed(workspaceId: string, ref: AttachmentRef): SealedAttachment {
    const material = this.#keys.keys(workspaceId, ref.blobId, ref.sha256)[0];
    if (material === undefined) throw new UnknownAttachmentError(ref.blobId);
    return { blobId: ref.blobId, name: ref.name, type: ref.type, size: ref.size, sha256: ref.sha256, key: toBase64(material.key), noncePrefix: toBase64(material.noncePrefix) };
  }

  #attachmentsOf(payload: Uint8Array): readonly SealedAttachment[] {
    const parsed = parseRecordEvent(payload);
    return parsed.ok ? attachmentsOf(parsed.event) : [];
  }

  #replay(workspaceId: string): Replay {
    let replay = this.#replays.get(workspaceId);
    if (replay === undefined) {
      replay = replayRecords(this.#store.list(workspaceId));
      this.#replays.set(workspaceId, replay);
    }
    return replay;
  }

  /** The workspace's events changed: replay, report each newly refused sequenced event once, tell the listeners. */
  #changed(workspaceId: string): void {
    this.#replays.delete(workspaceId);
    const replay = this.#replay(workspaceId);
    for (const { row, result } of replay.events) {
      if (row.seq === undefined) continue;
      const code = result.ok ? undefined : result.code;
      if (code === row.refused) continue;
      this.#store.setRefused(row.rowId, code);
      if (result.ok) continue;
      this.#context.report('record_refused', {
        workspaceId,
        stream: RECORDS_STREAM,
        device: { userId: row.authorUser, deviceId: row.authorDevice },
        reason: result.code,
        message: `A case record event was refused by the records' rules (${result.code}): ${result.detail}. It changed nothing.`,
        detail: `seq ${row.seq}: ${result.code}`,
      });
    }
    this.#listeners.emit(workspaceId);
  }
}
