/**
 * Encrypted presence (awareness: cursors, names, colours) and heartbeats (docs/design.md
 * §12) on a workspace's `presence` stream. Sealed and verified like every envelope, fanned
 * out by the server, never stored by anyone. Presence is lossy by nature (only connected
 * devices receive it), so its clocks must only increase: a gap is normal, a repeat is a
 * replay. Presence and heartbeats share the stream's clock.
 */
import type { Logger } from 'pino';
import { AEAD_TAG_BYTES } from '@yhteispoyta/crypto/envelope';
import { MAX_PRESENCE_CIPHERTEXT_BYTES } from '@yhteispoyta/crypto/protocol';
import type { PresenceNotice } from '@yhteispoyta/crypto/protocol';
import { PRESENCE_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { ServerLink } from '../contracts';
import type { ProblemReporter } from '../streams/problem-reporter';
import type { CheckedEnvelope } from './envelope-check';
import { decodePresence, encodePresence } from './presence-codec';
import type { RelayRequests } from './relay-requests';
import type { Sealer } from './sealer';
import type { StreamStateStore } from './stream-state';

/** Receives presence: workspace, document stream, sending device, awareness update. */
export type PresenceListener = (workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void;

/** Receives a verified heartbeat: workspace, its authentic header (author, chain head), its plaintext. */
export type HeartbeatListener = (workspaceId: string, header: EnvelopeHeader, plaintext: Uint8Array) => void;

/** What presence is sent and received with. */
export interface PresenceDeps {
  /** presence notices arrive here; nothing is sent while it is not online */
  readonly link: Pick<ServerLink, 'onNotice' | 'status'>;
  readonly relay: Pick<RelayRequests, 'presence'>;
  readonly sealer: Pick<Sealer, 'gate' | 'header' | 'seal' | 'selfKey'>;
  /** verification against this device's view of the workspace (envelope-check.ts) */
  readonly verify: (workspaceId: string, stream: string, envelope: unknown) => CheckedEnvelope;
  /** this device's presence clock per workspace, kept across restarts so it only ever increases */
  readonly clocks: Pick<StreamStateStore, 'clock' | 'setClock'>;
  /** whether the engine follows a workspace (presence of others is only taken for those) */
  follows(workspaceId: string): boolean;
  readonly reporter: Pick<ProblemReporter, 'report'>;
  now(): number;
  readonly log: Logger;
}

/** Sending and receiving presence for the engine's workspaces. */
export class PresenceChannel {
  readonly #deps: PresenceDeps;
  readonly #listeners = new Listeners<Parameters<PresenceListener>>((error) =>
    this.#deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'presence listener failed'),
  );
  readonly #heartbeatListeners = new Listeners<Parameters<HeartbeatListener>>((error) =>
    this.#deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'heartbeat listener failed'),
  );
  readonly #lastClock = new Map<string, number>();
  readonly #off: () => void;
  #closed = false;

  /** Presence with `deps`. */
  constructor(deps: PresenceDeps) {
    this.#deps = deps;
    this.#off = deps.link.onNotice('presence', (notice) => this.#receive(notice));
  }

  /**
   * Seal and send an awareness update for a document stream. Dropped (not queued) while
   * offline or while this device may not seal for the workspace: presence is only
   * worth its moment. Throws RangeError for a non-document stream or an oversized update.
   */
  async send(workspaceId: string, stream: string, update: Uint8Array): Promise<void> {
    const plaintext = encodePresence(stream, update);
    if (plaintext.byteLength + AEAD_TAG_BYTES > MAX_PRESENCE_CIPHERTEXT_BYTES) {
      throw new RangeError(`presence update of ${update.byteLength} bytes is over the limit`);
    }
    await this.#sealAndSend(workspaceId, 'presence', plaintext);
  }

  /** Seal and send a heartbeat's plaintext; dropped like presence while offline or unable to seal. */
  async sendHeartbeat(workspaceId: string, plaintext: Uint8Array): Promise<void> {
    if (plaintext.byteLength + AEAD_TAG_BYTES > MAX_PRESENCE_CIPHERTEXT_BYTES) throw new RangeError('heartbeat over the presence limit');
    await this.#sealAndSend(workspaceId, 'heartbeat', plaintext);
  }

  async #sealAndSend(workspaceId: string, kind: 'presence' | 'heartbeat', plaintext: Uint8Array): Promise<void> {
    const deps = this.#deps;
    const gate = deps.sealer.gate(workspaceId);
    if (this.#closed || deps.link.status() !== 'online' || !gate.ok) return;
    const selfKey = deps.sealer.selfKey;
    const clock = deps.clocks.clock(workspaceId, PRESENCE_STREAM, selfKey).clock + 1;
    deps.clocks.setClock(workspaceId, PRESENCE_STREAM, selfKey, clock, 0);
    const header = deps.sealer.header(gate, { workspaceId, stream: PRESENCE_STREAM, kind, clock, snapshotId: '', sentAt: deps.now() });
    const envelope = deps.sealer.seal(gate, header, plaintext);
    const res = await deps.relay.presence(envelope);
    if (res.ok || res.error.code === 'offline' || this.#closed) return;
    deps.reporter.report(res.error.code === 'forbidden' ? 'forbidden' : 'server_error', {
      workspaceId,
      stream: PRESENCE_STREAM,
      detail: `${kind} refused: ${res.error.code}`,
    });
  }

  /** Listen to verified heartbeats of other devices; returns the unsubscribe function. */
  onHeartbeat(listener: HeartbeatListener): () => void {
    return this.#heartbeatListeners.add(listener);
  }

  /** Listen to verified presence; returns the unsubscribe function. */
  onPresence(listener: PresenceListener): () => void {
    return this.#listeners.add(listener);
  }

  /** Stop sending and receiving. */
  close(): void {
    this.#closed = true;
    this.#off();
    this.#listeners.clear();
    this.#heartbeatListeners.clear();
  }

  #receive(notice: PresenceNotice): void {
    const deps = this.#deps;
    const { workspaceId } = notice;
    if (this.#closed || !deps.follows(workspaceId)) return;
    const where = { workspaceId, stream: PRESENCE_STREAM };
    const checked = deps.verify(workspaceId, PRESENCE_STREAM, notice.envelope);
    if (checked.status === 'rejected') {
      deps.reporter.report(checked.code, { ...where, ...(checked.author === undefined ? {} : { device: checked.author }), detail: checked.detail });
      return;
    }
    if (checked.status === 'stale') {
      deps.reporter.report(checked.code, { ...where, device: checked.header.author, detail: checked.detail });
      return;
    }
    if (checked.status !== 'ok') {
      this.#deps.log.debug(where, 'presence under an epoch without key ignored');
      return;
    }
    const { header, plaintext } = checked;
    const authorKey = deviceKey(header.author);
    if (header.kind !== 'presence' && header.kind !== 'heartbeat') {
      deps.reporter.report('malformed', { ...where, device: header.author, detail: `a ${header.kind} envelope as presence` });
      return;
    }
    if (authorKey === deps.sealer.selfKey) return;
    const clockKey = `${workspaceId}\u0000${authorKey}`;
    if (header.clock <= (this.#lastClock.get(clockKey) ?? 0)) {
      deps.reporter.report('replay', { ...where, device: header.author, detail: `presence clock ${header.clock}` });
      return;
    }
    this.#lastClock.set(clockKey, header.clock);
    if (header.kind === 'heartbeat') {
      this.#heartbeatListeners.emit(workspaceId, header, plaintext);
      return;
    }
    const decoded = decodePresence(plaintext);
    if (decoded === undefined) {
      deps.reporter.report('malformed', { ...where, device: header.author, detail: 'unreadable presence content' });
      return;
    }
    this.#listeners.emit(workspaceId, decoded.stream, header.author, decoded.update);
  }
}
