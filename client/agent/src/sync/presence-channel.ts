/**
 * Encrypted presence (awareness: cursors, names, colours) on a workspace's `presence`
 * stream. Sealed and verified like every envelope, fanned out by the server, never
 * stored by anyone. Presence is lossy by nature (only connected devices receive it), so
 * its clocks must only increase: a gap is normal, a repeat is a replay.
 */
import type { Logger } from 'pino';
import { AEAD_TAG_BYTES, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { MAX_PRESENCE_CIPHERTEXT_BYTES } from '@yhteispoyta/crypto/protocol';
import type { PresenceNotice } from '@yhteispoyta/crypto/protocol';
import { PRESENCE_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey, PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { isOfflineFailure } from './engine-core';
import { checkEnvelope } from './envelope-check';
import { decodePresence, encodePresence } from './presence-codec';
import type { SyncEngine } from './sync-engine';

/** Receives presence: workspace, document stream, sending device, awareness update. */
export type PresenceListener = (workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void;

/** Sending and receiving presence for the engine's workspaces. */
export class PresenceChannel {
  readonly #engine: SyncEngine;
  readonly #log: Logger;
  readonly #listeners = new Set<PresenceListener>();
  readonly #lastClock = new Map<string, number>();
  readonly #off: () => void;

  /** Presence on `engine`'s link. */
  constructor(engine: SyncEngine) {
    this.#engine = engine;
    this.#log = engine.moduleLogger('sync/presence');
    this.#off = engine.link.onNotice('presence', (notice) => this.#receive(notice));
  }

  /**
   * Seal and send an awareness update for a document stream. Dropped (not queued) while
   * offline or while this device may not seal for the workspace: presence is only
   * worth its moment. Throws RangeError for a non-document stream or an oversized update.
   */
  async send(workspaceId: string, stream: string, update: Uint8Array): Promise<void> {
    const engine = this.#engine;
    const plaintext = encodePresence(stream, update);
    if (plaintext.byteLength + AEAD_TAG_BYTES > MAX_PRESENCE_CIPHERTEXT_BYTES) {
      throw new RangeError(`presence update of ${update.byteLength} bytes is over the limit`);
    }
    const gate = engine.gate(workspaceId);
    if (engine.isClosed() || engine.link.status() !== 'online' || !gate.ok) return;
    const clock = engine.state.clock(workspaceId, PRESENCE_STREAM, engine.selfKey).clock + 1;
    engine.state.setClock(workspaceId, PRESENCE_STREAM, engine.selfKey, clock, 0);
    const envelope = sealEnvelope({
      header: {
        v: PROTOCOL_VERSION,
        workspaceId,
        stream: PRESENCE_STREAM,
        kind: 'presence',
        epoch: gate.epoch,
        author: engine.device.self,
        clock,
        snapshotId: '',
        sentAt: engine.now(),
      },
      plaintext,
      epochKey: gate.key,
      identityKey: engine.device.identityKey,
    });
    const res = await engine.link.request('presence', { envelope }, engine.config.requestTimeoutMs);
    if (res.ok || isOfflineFailure(res.error) || engine.isClosed()) return;
    engine.reporter.report(res.error.code === 'forbidden' ? 'forbidden' : 'server_error', {
      workspaceId,
      stream: PRESENCE_STREAM,
      detail: `presence refused: ${res.error.code}`,
    });
  }

  /** Listen to verified presence; returns the unsubscribe function. */
  onPresence(listener: PresenceListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stop receiving. */
  close(): void {
    this.#off();
    this.#listeners.clear();
  }

  #receive(notice: PresenceNotice): void {
    const engine = this.#engine;
    const { workspaceId } = notice;
    if (engine.isClosed() || !engine.follows(workspaceId)) return;
    const where = { workspaceId, stream: PRESENCE_STREAM };
    const checked = checkEnvelope(engine.keys, engine.state, workspaceId, PRESENCE_STREAM, notice.envelope);
    if (checked.status === 'rejected') {
      engine.reporter.report(checked.code, { ...where, ...(checked.author === undefined ? {} : { device: checked.author }), detail: checked.detail });
      return;
    }
    if (checked.status !== 'ok') {
      this.#log.debug(where, 'presence under an epoch without key ignored');
      return;
    }
    const { header, plaintext } = checked;
    const authorKey = deviceKey(header.author);
    if (header.kind !== 'presence') {
      engine.reporter.report('malformed', { ...where, device: header.author, detail: `a ${header.kind} envelope as presence` });
      return;
    }
    if (authorKey === engine.selfKey) return;
    const clockKey = `${workspaceId}\u0000${authorKey}`;
    if (header.clock <= (this.#lastClock.get(clockKey) ?? 0)) {
      engine.reporter.report('replay', { ...where, device: header.author, detail: `presence clock ${header.clock}` });
      return;
    }
    this.#lastClock.set(clockKey, header.clock);
    const decoded = decodePresence(plaintext);
    if (decoded === undefined) {
      engine.reporter.report('malformed', { ...where, device: header.author, detail: 'unreadable presence content' });
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener(workspaceId, decoded.stream, header.author, decoded.update);
      } catch (error) {
        this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'presence listener failed');
      }
    }
  }
}
