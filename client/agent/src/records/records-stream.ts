/**
 * The `records` stream of each followed workspace as a StreamHandler: signed records
 * events, stored as received with their author as the verified chain names him at that
 * moment. What the events mean — the records, and which events are refused — is the
 * replay of the stored rows in server order (records-replay.ts), run after each batch.
 */
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { RECORDS_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { EnvelopeKind } from '@yhteispoyta/crypto/types';
import type { ChatStore } from '../chat/chat-store';
import type { KeyRing } from '../contracts';
import type { OutboxEntry } from '../streams/outbox-entry';
import { OneStreamFamily } from '../streams/one-stream-family';
import type { StreamContext } from '../streams/stream-context';
import type { InboundEnvelope, StreamHandler } from '../streams/stream-handler';
import { attachmentsOf, parseRecordEvent } from './record-payload';
import type { RecordEvent } from './record-payload';
import { authorOf, membersOf } from './record-members';
import type { RecordsStore } from './records-store';

/** StreamHandler of the records stream. */
export class RecordsStream extends OneStreamFamily implements StreamHandler {
  readonly kinds: readonly EnvelopeKind[] = ['records'];
  readonly #store: RecordsStore;
  readonly #keys: ChatStore;
  readonly #ring: Pick<KeyRing, 'chainState'>;
  readonly #outbox: Pick<StreamContext, 'enqueue'>;
  readonly #selfKey: string;
  readonly #changed = new Set<string>();
  readonly #onChanged: (workspaceId: string) => void;

  /**
   * Records of this device (`selfKey`) kept in `store`; attachment keys of received records
   * go to the chat's key table (`keys`), where downloads find them; `onChanged` hears of a
   * workspace whose events changed, after they are committed; what the server lost goes
   * into `outbox` again.
   */
  constructor(
    store: RecordsStore,
    keys: ChatStore,
    ring: Pick<KeyRing, 'chainState'>,
    outbox: Pick<StreamContext, 'enqueue'>,
    selfKey: string,
    onChanged: (workspaceId: string) => void,
  ) {
    super(RECORDS_STREAM);
    this.#store = store;
    this.#outbox = outbox;
    this.#keys = keys;
    this.#ring = ring;
    this.#selfKey = selfKey;
    this.#onChanged = onChanged;
  }


  validate(item: InboundEnvelope): string | undefined {
    const parsed = parseRecordEvent(item.plaintext);
    return parsed.ok ? undefined : parsed.detail;
  }

  apply(item: InboundEnvelope): void {
    const parsed = parseRecordEvent(item.plaintext);
    if (!parsed.ok) return;
    const { workspaceId, header, seq } = item;
    const authorKey = deviceKey(header.author);
    if (this.#store.has(workspaceId, authorKey, header.clock)) return;
    // Our own event whose acknowledgement was lost, coming back as the next clock.
    if (authorKey === this.#selfKey && this.#adoptOwn(workspaceId, item.plaintext, header.clock, seq)) return;
    const chain = this.#ring.chainState(workspaceId);
    const member = chain?.members.get(header.author.userId);
    this.#store.insert({
      workspaceId,
      seq,
      authorKey,
      authorUser: header.author.userId,
      authorDevice: header.author.deviceId,
      author: member === undefined ? undefined : authorOf(member),
      members: membersOf(chain),
      clock: header.clock,
      payload: item.plaintext,
      pending: false,
    });
    this.#rememberKeys(workspaceId, parsed.event);
    this.#changed.add(workspaceId);
  }

  echo(item: InboundEnvelope): void {
    const { workspaceId, header, seq } = item;
    if (this.#store.setSeq(workspaceId, this.#selfKey, header.clock, seq) || this.#adoptOwn(workspaceId, item.plaintext, header.clock, seq)) {
      this.#changed.add(workspaceId);
    }
  }

  applySnapshot(): void {
    // The records stream has no snapshots: `kinds` excludes them, so the engine refuses one before it gets here.
  }

  acknowledged(entry: OutboxEntry, clock: number, seq: number | undefined): void {
    const rowId = this.#store.findOwnPending(entry.workspaceId, this.#selfKey, entry.payload);
    if (rowId === undefined) return;
    this.#store.markSent(rowId, clock, seq);
    this.#changed.add(entry.workspaceId);
  }

  dropped(entry: OutboxEntry): void {
    // Refused for good by the server (already reported): the event never happened.
    const rowId = this.#store.findOwnPending(entry.workspaceId, this.#selfKey, entry.payload);
    if (rowId === undefined) return;
    this.#store.remove(rowId);
    this.#changed.add(entry.workspaceId);
  }

  /**
   * The server lost events of ours it had acknowledged: each goes into the outbox again,
   * byte for byte from this device's own rows (so its record id is the same), and is
   * pending again until the server really stores it.
   */
  lost(workspaceId: string, stream: string, fromClock: number, toClock: number): void {
    for (const payload of this.#store.markLost(workspaceId, this.#selfKey, fromClock, toClock)) {
      this.#outbox.enqueue(workspaceId, stream, 'records', payload);
    }
    this.#changed.add(workspaceId);
  }

  coalesce(): undefined {
    return undefined;
  }

  afterApply(): void {
    for (const workspaceId of [...this.#changed]) {
      this.#changed.delete(workspaceId);
      this.#onChanged(workspaceId);
    }
  }

  afterCatchUp(workspaceId: string): void {
    this.#changed.add(workspaceId);
    this.afterApply();
  }

  /** Give our pending row with this payload its clock and seq; false when there is none. */
  #adoptOwn(workspaceId: string, payload: Uint8Array, clock: number, seq: number): boolean {
    const rowId = this.#store.findOwnPending(workspaceId, this.#selfKey, payload);
    if (rowId === undefined) return false;
    this.#store.markSent(rowId, clock, seq);
    return true;
  }

  #rememberKeys(workspaceId: string, event: RecordEvent): void {
    for (const a of attachmentsOf(event)) {
      const key = fromBase64(a.key);
      const noncePrefix = fromBase64(a.noncePrefix);
      if (key !== undefined && noncePrefix !== undefined) this.#keys.addKey(workspaceId, a.blobId, a.sha256, key, noncePrefix);
    }
  }
}
