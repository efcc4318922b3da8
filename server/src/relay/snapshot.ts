/**
 * `snapshot`: a snapshot envelope is admitted, its parentProof checked against the parent
 * it names (so the stored chain of snapshots stays verifiable by every reader), and
 * compare-and-set as the stream's active snapshot; the winner is acknowledged and fanned
 * out to the workspace's room.
 */
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { decodeWireEnvelope, GENESIS_PROOF, nextParentProof } from '@yhteispoyta/crypto/envelope';
import { envelopeBytes, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { SnapshotRequest, StoredResult } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { AppendSnapshotResult } from '../store/port';
import { admitEnvelope } from './admission';
import type { RelayConnection } from './connection';
import { toWorkspaceButSender } from './fan-out';
import type { RelayOutcome } from './fan-out';

/**
 * The parentProof a snapshot on `parentSnapshotId` must carry (envelope-format.ts
 * `nextParentProof`), or undefined when that snapshot is not stored; the store's
 * compare-and-set then refuses the snapshot as stale.
 */
async function expectedParentProof(deps: Needs<'envelopes'>, header: EnvelopeHeader): Promise<Uint8Array | undefined> {
  const parentId = header.parentSnapshotId ?? '';
  if (parentId === '') return GENESIS_PROOF;
  const parent = await deps.store.envelopes.getSnapshot(header.workspaceId, header.stream, parentId);
  if (parent === null) return undefined;
  const decoded = decodeWireEnvelope(parent.bytes);
  const parentProof = decoded.ok ? decoded.header.parentProof : undefined;
  if (!decoded.ok || parentProof === undefined) {
    throw new Error(`stored snapshot ${parent.seq} of workspace ${parent.workspaceId} does not decode`);
  }
  return nextParentProof(parentProof, decoded.envelope.ciphertext);
}

function snapshotRefusal(result: Extract<AppendSnapshotResult, { ok: false }>, parentId: string): ProtocolError {
  switch (result.code) {
    case 'stale_snapshot':
      return new ProtocolError('stale_snapshot', 'another snapshot is active: rebuild on it', {
        activeSnapshotId: result.activeSnapshotId,
      });
    // The parent is still active but updates arrived that the snapshot does not include:
    // like a lost race, the sender must catch up and seal again, hence the same code.
    case 'not_covering':
      return new ProtocolError('stale_snapshot', 'the snapshot does not cover every update on its parent', {
        activeSnapshotId: parentId,
        reason: 'not_covering',
        authorKey: result.authorKey,
        required: result.required,
      });
    case 'duplicate_snapshot':
      return new ProtocolError('conflict', 'a snapshot with this id already exists in the stream', { reason: 'duplicate_snapshot' });
  }
}

/**
 * `snapshot`. Of concurrent snapshots on one parent exactly one wins; the others get
 * stale_snapshot with `details.activeSnapshotId`. A snapshot that misses updates on its
 * parent (crypto's `uncoveredAuthor`, judged by the store) is stale_snapshot with
 * `details.reason = 'not_covering'`. Throws ProtocolError; stores nothing on any failure.
 */
export async function snapshot(
  deps: Needs<'workspaces' | 'directory' | 'envelopes', 'now'>,
  connection: RelayConnection,
  request: SnapshotRequest,
): Promise<RelayOutcome<StoredResult>> {
  const { envelope } = request;
  const { header } = await admitEnvelope(deps, connection.device, envelope, ['snapshot']);
  const parentSnapshotId = header.parentSnapshotId ?? '';
  const expectedProof = await expectedParentProof(deps, header);
  if (expectedProof !== undefined && (header.parentProof === undefined || !bytesEqual(header.parentProof, expectedProof))) {
    throw new ProtocolError('bad_request', 'parentProof does not extend the parent snapshot');
  }
  const receivedAt = deps.now();
  // The bytes it arrived as serve the store and the fan-out (the wire carries the same blob).
  const bytes = envelopeBytes(envelope);
  const appended = await deps.store.envelopes.appendSnapshot({
    workspaceId: header.workspaceId,
    stream: header.stream,
    snapshotId: header.snapshotId,
    parentSnapshotId,
    authorKey: deviceKey(header.author),
    epoch: header.epoch,
    coveredClocks: header.coveredClocks ?? {},
    bytes,
    receivedAt,
  });
  if (!appended.ok) throw snapshotRefusal(appended, parentSnapshotId);
  const stored = { seq: appended.seq, envelope: bytes, receivedAt };
  return {
    result: { seq: appended.seq },
    fanOut: [toWorkspaceButSender(header.workspaceId, { event: 'envelope', payload: { workspaceId: header.workspaceId, stream: header.stream, stored } })],
  };
}
