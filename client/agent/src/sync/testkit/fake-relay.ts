/**
 * Test support: an in-memory relay that applies the server's rules (DESIGN §6–§7, as
 * server/src/services/envelopes.ts and the store do) and hands out ServerLinks to it.
 * Admission: author = connected device, member device of the relay's chain, signature
 * against the registered identity key, current epoch. Clocks exactly last + 1 per
 * (author, stream); updates on the active snapshot; snapshots compare-and-set on the
 * active one and covering every update on it. Join/fetch/fan-out as the real server.
 * Tests reach in through `intercept` (drop, alter, replay deliveries) and `deliver`.
 */
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { decodeHeader } from '@yhteispoyta/crypto/header';
import { verifyEnvelopeSignature } from '@yhteispoyta/crypto/envelope';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_JOIN_ENVELOPES_PER_STREAM } from '@yhteispoyta/crypto/protocol';
import type { AckFailure, ErrorCode, ErrorDetails, StoredEnvelope, StreamCatchUp } from '@yhteispoyta/crypto/protocol';
import { clockRefusal, isDocStream, PRESENCE_STREAM, streamFitsKind, uncoveredAuthor } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, EnvelopeHeader, EnvelopeKind, WireEnvelope } from '@yhteispoyta/crypto/types';
import { FakeLink } from './fake-link';

/** One stored envelope with the fields the rules look at. */
export interface RelayRecord {
  readonly seq: number;
  readonly stream: string;
  readonly kind: EnvelopeKind;
  readonly authorKey: string;
  readonly clock: number;
  /** update/chat: the snapshot it builds on; snapshot: its own id */
  readonly snapshotId: string;
  readonly parentSnapshotId: string;
  readonly coveredClocks: Readonly<Record<string, number>>;
  readonly stored: StoredEnvelope;
}

/** What a test may do with a delivery: pass it on, drop it, or replace it. */
export type Interceptor = (to: FakeLink, event: 'envelope' | 'presence', notice: unknown) => 'deliver' | 'drop' | { replace: unknown };

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
  }
}

const key2 = (a: string, b: string): string => `${a}\u0000${b}`;

/** The in-memory relay. */
export class FakeRelay {
  readonly #identities = new Map<string, Bytes>();
  readonly #chains = new Map<string, ChainState>();
  readonly #records = new Map<string, RelayRecord[]>();
  readonly #seqs = new Map<string, number>();
  readonly #clocks = new Map<string, number>();
  readonly #active = new Map<string, string>();
  readonly #links = new Set<FakeLink>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly blobs = new Map<string, Bytes>();
  /** inspects every delivery to a link */
  intercept: Interceptor | undefined;
  /** seqs the relay pretends not to have when answering join and fetch (a server that lost them) */
  readonly hidden = new Set<number>();
  /** every refusal answered, in order */
  readonly refusals: { event: string; code: ErrorCode }[] = [];

  /** Register a device's identity key (as the prekey directory would). */
  registerDevice(ref: DeviceRef, identityKey: Bytes): void {
    this.#identities.set(deviceKey(ref), identityKey);
  }

  /** Set the relay's view of a workspace's membership chain. */
  setChain(state: ChainState): void {
    this.#chains.set(state.workspaceId, state);
  }

  /** A link for a device, online at once unless `online` is false. */
  connect(device: DeviceRef, online = true): FakeLink {
    const link = new FakeLink(this, device);
    this.#links.add(link);
    if (online) link.setOnline(true);
    return link;
  }

  /** Everything stored in a stream (snapshots included), in seq order. */
  records(workspaceId: string, stream?: string): RelayRecord[] {
    return (this.#records.get(workspaceId) ?? []).filter((r) => stream === undefined || r.stream === stream);
  }

  /** What join and fetch answer from: the records minus the hidden ones. */
  #visible(workspaceId: string, stream: string): RelayRecord[] {
    return this.records(workspaceId, stream).filter((r) => !this.hidden.has(r.seq));
  }

  /** Forget every author's last clock (a server restored from an old backup). */
  forgetClocks(): void {
    this.#clocks.clear();
  }

  /** The active snapshot id of a stream ('' for none). */
  activeSnapshot(workspaceId: string, stream: string): string {
    return this.#active.get(key2(workspaceId, stream)) ?? '';
  }

  /** Deliver a notice to a link as the server would (after `intercept`); used by tests to replay or forge. */
  deliver(to: FakeLink, event: 'envelope' | 'presence', notice: unknown): void {
    const verdict = this.intercept?.(to, event, notice) ?? 'deliver';
    if (verdict === 'drop') return;
    const payload = verdict === 'deliver' ? notice : verdict.replace;
    const done = new Promise<void>((resolve) =>
      setImmediate(() => {
        to.receive(event, payload);
        resolve();
      }),
    );
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
  }

  /** Resolves when no delivery is under way. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Handle a request of a link; answers like the server's ack. */
  async handle(from: FakeLink, event: string, payload: unknown): Promise<unknown> {
    try {
      const p = payload as Record<string, unknown>;
      switch (event) {
        case 'join':
          return this.#join(from, p['workspaceId'] as string, p['positions'] as Record<string, { snapshotId: string; afterSeq: number }>);
        case 'push':
          return this.#push(from, p['envelope'] as WireEnvelope);
        case 'snapshot':
          return this.#snapshot(from, p['envelope'] as WireEnvelope);
        case 'presence':
          return this.#presence(from, p['envelope'] as WireEnvelope);
        case 'fetch':
          return this.#fetch(from, p['workspaceId'] as string, p['stream'] as string, p['afterSeq'] as number, p['limit'] as number);
        case 'leave':
          from.rooms.delete(p['workspaceId'] as string);
          return { ok: true };
        default:
          throw new Refusal('bad_request', 'unknown event');
      }
    } catch (error) {
      if (error instanceof Refusal) {
        this.refusals.push({ event, code: error.code });
        const failure: AckFailure = {
          ok: false,
          error: error.details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details: error.details },
        };
        return failure;
      }
      throw error;
    }
  }

  #member(workspaceId: string, device: DeviceRef): ChainState {
    const chain = this.#chains.get(workspaceId);
    if (chain === undefined || chain.closed || !chain.devices.some((d) => deviceKey(d) === deviceKey(device))) {
      throw new Refusal('forbidden', 'not a member device of this workspace');
    }
    return chain;
  }

  #join(from: FakeLink, workspaceId: string, positions: Record<string, { snapshotId: string; afterSeq: number }>): unknown {
    const chain = this.#member(workspaceId, from.device);
    from.rooms.add(workspaceId);
    const streams: Record<string, StreamCatchUp> = {};
    for (const [stream, position] of Object.entries(positions)) {
      if (stream === PRESENCE_STREAM) streams[stream] = { snapshot: null, envelopes: [] };
      else if (!isDocStream(stream)) {
        const after = this.#visible(workspaceId, stream).filter((r) => r.kind !== 'snapshot' && r.stored.seq > position.afterSeq);
        streams[stream] = { snapshot: null, envelopes: after.slice(0, MAX_JOIN_ENVELOPES_PER_STREAM).map((r) => r.stored) };
      } else {
        const active = this.activeSnapshot(workspaceId, stream);
        const behind = position.snapshotId !== active;
        const snapshot = this.records(workspaceId, stream).find((r) => r.kind === 'snapshot' && r.snapshotId === active);
        const onActive = this.#visible(workspaceId, stream).filter(
          (r) => r.kind !== 'snapshot' && r.snapshotId === active && (behind || r.stored.seq > position.afterSeq),
        );
        streams[stream] = {
          snapshot: behind && snapshot !== undefined ? snapshot.stored : null,
          envelopes: onActive.slice(0, MAX_JOIN_ENVELOPES_PER_STREAM).map((r) => r.stored),
        };
      }
    }
    return { ok: true, streams, membershipSeq: chain.seq };
  }

  /** The server's admission of envelopes/services/envelopes.ts `admitEnvelope`. */
  #admit(from: FakeLink, envelope: WireEnvelope, kinds: readonly EnvelopeKind[]): EnvelopeHeader {
    const decoded = decodeHeader(envelope.header);
    if (!decoded.ok) throw new Refusal('bad_request', 'envelope header does not decode');
    const header = decoded.header;
    if (!kinds.includes(header.kind)) throw new Refusal('bad_request', 'wrong kind');
    if (!streamFitsKind(header.kind, header.stream)) throw new Refusal('bad_request', 'kind does not fit the stream');
    if (deviceKey(header.author) !== deviceKey(from.device)) throw new Refusal('forbidden', 'author must be the connected device');
    const chain = this.#member(header.workspaceId, from.device);
    const identity = this.#identities.get(deviceKey(from.device));
    if (identity === undefined || !verifyEnvelopeSignature(envelope, identity).ok) throw new Refusal('bad_signature', 'bad signature');
    if (header.epoch !== chain.epoch) throw new Refusal('conflict', 'not the current epoch', { currentEpoch: chain.epoch });
    return header;
  }

  #store(header: EnvelopeHeader, envelope: WireEnvelope): RelayRecord {
    const seq = (this.#seqs.get(header.workspaceId) ?? 0) + 1;
    this.#seqs.set(header.workspaceId, seq);
    const record: RelayRecord = {
      seq,
      stream: header.stream,
      kind: header.kind,
      authorKey: deviceKey(header.author),
      clock: header.clock,
      snapshotId: header.snapshotId,
      parentSnapshotId: header.parentSnapshotId ?? '',
      coveredClocks: header.coveredClocks ?? {},
      stored: { seq, envelope, receivedAt: Date.now() },
    };
    const list = this.#records.get(header.workspaceId) ?? [];
    list.push(record);
    this.#records.set(header.workspaceId, list);
    return record;
  }

  #fanOut(from: FakeLink, workspaceId: string, stream: string, stored: StoredEnvelope): void {
    for (const link of this.#links) {
      if (link !== from && link.status() === 'online' && link.rooms.has(workspaceId)) {
        this.deliver(link, 'envelope', { workspaceId, stream, stored });
      }
    }
  }

  #push(from: FakeLink, envelope: WireEnvelope): unknown {
    const header = this.#admit(from, envelope, ['update', 'chat']);
    const clockKey = `${header.workspaceId}\u0000${header.stream}\u0000${deviceKey(header.author)}`;
    const refusal = clockRefusal(this.#clocks.get(clockKey) ?? 0, header.clock);
    if (refusal !== null) throw new Refusal(refusal.code, 'clock', { expected: refusal.expected });
    const active = this.activeSnapshot(header.workspaceId, header.stream);
    if (header.snapshotId !== active) throw new Refusal('stale_snapshot', 'stale', { activeSnapshotId: active });
    const record = this.#store(header, envelope);
    this.#clocks.set(clockKey, header.clock);
    this.#fanOut(from, header.workspaceId, header.stream, record.stored);
    return { ok: true, seq: record.seq };
  }

  #snapshot(from: FakeLink, envelope: WireEnvelope): unknown {
    const header = this.#admit(from, envelope, ['snapshot']);
    const { workspaceId, stream } = header;
    const parent = header.parentSnapshotId ?? '';
    const active = this.activeSnapshot(workspaceId, stream);
    if (parent !== active) throw new Refusal('stale_snapshot', 'stale', { activeSnapshotId: active });
    if (this.records(workspaceId, stream).some((r) => r.kind === 'snapshot' && r.snapshotId === header.snapshotId)) {
      throw new Refusal('conflict', 'duplicate', { reason: 'duplicate_snapshot' });
    }
    const lastClocks: Record<string, number> = {};
    for (const r of this.records(workspaceId, stream)) {
      if (r.kind !== 'snapshot' && r.snapshotId === parent) lastClocks[r.authorKey] = Math.max(lastClocks[r.authorKey] ?? 0, r.clock);
    }
    if (uncoveredAuthor(lastClocks, header.coveredClocks ?? {}) !== null) {
      throw new Refusal('stale_snapshot', 'not covering', { activeSnapshotId: parent, reason: 'not_covering' });
    }
    const record = this.#store(header, envelope);
    this.#active.set(key2(workspaceId, stream), header.snapshotId);
    this.#fanOut(from, workspaceId, stream, record.stored);
    return { ok: true, seq: record.seq };
  }

  #presence(from: FakeLink, envelope: WireEnvelope): unknown {
    const header = this.#admit(from, envelope, ['presence']);
    for (const link of this.#links) {
      if (link !== from && link.status() === 'online' && link.rooms.has(header.workspaceId)) {
        this.deliver(link, 'presence', { workspaceId: header.workspaceId, envelope });
      }
    }
    return { ok: true };
  }

  #fetch(from: FakeLink, workspaceId: string, stream: string, afterSeq: number, limit: number): unknown {
    this.#member(workspaceId, from.device);
    const envelopes = this.#visible(workspaceId, stream)
      .filter((r) => r.kind !== 'snapshot' && r.stored.seq > afterSeq)
      .slice(0, limit)
      .map((r) => r.stored);
    return { ok: true, envelopes };
  }
}
