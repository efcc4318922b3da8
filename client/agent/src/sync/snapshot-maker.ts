/**
 * Sealing snapshots of document streams (DESIGN §6): when more than
 * `compactionThreshold` updates sit on the active snapshot, or the document holds content
 * sealed under an epoch older than the current one (after a rotation, members who only
 * hold the new key must still be able to read it), the full state is sealed as a snapshot
 * that extends the active one and names the clocks it covers. Of concurrent snapshots the
 * server keeps one; a loser catches up and adopts the winner's.
 */
import * as Y from 'yjs';
import { sha256 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_PLAINTEXT_BYTES, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { Ack, StoredResult } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { DocumentStreams } from './document-streams';
import { isOfflineFailure } from './engine-core';
import { expectedParentProof, newSnapshotId } from './snapshot-chain';
import type { SyncEngine } from './sync-engine';

/** Most snapshot attempts per trigger (a lost race, a duplicate id, a missed update). */
const MAX_ATTEMPTS = 3;

type Step = 'done' | 'catch_up' | 'retry' | 'stop';

interface Sealed {
  readonly header: EnvelopeHeader;
  /** the header's parentProof: the new snapshot's own proof */
  readonly proof: Bytes;
  readonly envelope: WireEnvelope;
}

/** Decides when document streams need a snapshot, and makes it. */
export class SnapshotMaker {
  readonly #engine: SyncEngine;
  readonly #documents: DocumentStreams;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** Snapshots of `documents`' streams on `engine`. */
  constructor(engine: SyncEngine, documents: DocumentStreams) {
    this.#engine = engine;
    this.#documents = documents;
  }

  /** Schedule a snapshot of the stream if it needs one. */
  consider(workspaceId: string, stream: string): void {
    const key = `${workspaceId}\u0000${stream}`;
    if (this.#inFlight.has(key) || this.#timers.has(key) || !this.#needs(workspaceId, stream)) return;
    const jitter = Math.floor(Math.random() * this.#engine.config.compactionJitterMs);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.#start(key, workspaceId, stream);
    }, jitter);
    this.#timers.set(key, timer);
  }

  /** Start scheduled snapshots now and wait for every snapshot in flight. */
  async flush(): Promise<void> {
    for (const [key, timer] of [...this.#timers]) {
      clearTimeout(timer);
      this.#timers.delete(key);
      const [workspaceId = '', stream = ''] = key.split('\u0000');
      this.#start(key, workspaceId, stream);
    }
    await Promise.all([...this.#inFlight.values()]);
  }

  /** Cancel scheduled snapshots and wait for those in flight. */
  async close(): Promise<void> {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#inFlight.values()]);
  }

  #start(key: string, workspaceId: string, stream: string): void {
    if (this.#inFlight.has(key)) return;
    const run = this.#run(workspaceId, stream)
      .catch((error: unknown) => {
        this.#engine.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'snapshot failed');
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, run);
  }

  #needs(workspaceId: string, stream: string): boolean {
    const gate = this.#engine.gate(workspaceId);
    if (!gate.ok || this.#documents.get(workspaceId, stream) === undefined) return false;
    const row = this.#engine.state.get(workspaceId, stream);
    if (row.updatesOnSnapshot > this.#engine.config.compactionThreshold) return true;
    return row.oldestEpoch > 0 && row.oldestEpoch < gate.epoch;
  }

  async #run(workspaceId: string, stream: string): Promise<void> {
    const engine = this.#engine;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (engine.isClosed() || engine.link.status() !== 'online') return;
      const sealed = await engine.lanes.run(workspaceId, () => this.#seal(workspaceId, stream));
      if (sealed === undefined) return;
      const res = await engine.link.request('snapshot', { envelope: sealed.envelope }, engine.config.requestTimeoutMs);
      if (engine.isClosed()) return;
      const step = await engine.lanes.run(workspaceId, () => this.#record(sealed, res));
      if (step === 'done' || step === 'stop') return;
      if (step === 'catch_up') await engine.catchUp(workspaceId);
    }
  }

  /** Seals the full state on the active snapshot, if a snapshot is still needed. Runs in the lane. */
  #seal(workspaceId: string, stream: string): Sealed | undefined {
    const engine = this.#engine;
    const open = this.#documents.get(workspaceId, stream);
    const gate = engine.gate(workspaceId);
    if (open === undefined || !gate.ok || !this.#needs(workspaceId, stream)) return undefined;
    const row = engine.state.get(workspaceId, stream);
    const plaintext = Y.encodeStateAsUpdate(open.doc);
    const proof = expectedParentProof(row.active);
    const header: EnvelopeHeader = {
      v: PROTOCOL_VERSION,
      workspaceId,
      stream,
      kind: 'snapshot',
      epoch: gate.epoch,
      author: engine.device.self,
      clock: 0,
      snapshotId: newSnapshotId(),
      parentSnapshotId: row.active.id,
      parentProof: proof,
      coveredClocks: engine.state.clocks(workspaceId, stream),
      sentAt: engine.now(),
    };
    if (plaintext.byteLength > MAX_PLAINTEXT_BYTES) {
      engine.reporter.report('too_large', { workspaceId, stream, detail: 'document state over the snapshot limit' });
      return undefined;
    }
    try {
      const envelope = sealEnvelope({ header, plaintext, epochKey: gate.key, identityKey: engine.device.identityKey });
      return { header, proof, envelope };
    } catch (error) {
      engine.reporter.report('too_large', { workspaceId, stream, detail: error instanceof Error ? error.message : 'cannot seal' });
      return undefined;
    }
  }

  /** Applies the server's answer. Runs in the lane. */
  #record(sealed: Sealed, res: Ack<StoredResult>): Step {
    const engine = this.#engine;
    const { header, proof, envelope } = sealed;
    const where = { workspaceId: header.workspaceId, stream: header.stream };
    if (res.ok) {
      engine.state.adoptSnapshot(header.workspaceId, header.stream, {
        id: header.snapshotId,
        proof,
        ciphertextHash: sha256(envelope.ciphertext),
        epoch: header.epoch,
        seq: res.seq,
      });
      engine.log.info({ ...where, seq: res.seq }, 'snapshot stored');
      return 'done';
    }
    const { error } = res;
    if (isOfflineFailure(error)) return 'stop';
    switch (error.code) {
      case 'stale_snapshot':
        // Another member's snapshot won, or updates arrived that ours lacks: catch up, then judge again.
        return 'catch_up';
      case 'conflict':
        return error.details?.['reason'] === 'duplicate_snapshot' ? 'retry' : 'stop';
      case 'rate_limited':
        return 'stop';
      case 'forbidden':
        engine.reporter.report('forbidden', { ...where, detail: 'snapshot refused: forbidden' });
        return 'stop';
      default:
        engine.reporter.report(error.code === 'too_large' ? 'too_large' : 'server_error', { ...where, detail: `snapshot refused: ${error.code}` });
        return 'stop';
    }
  }
}
