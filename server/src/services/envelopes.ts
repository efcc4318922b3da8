/**
 * The relay's rules for envelopes (DESIGN §5–§7): the server cannot read an envelope, but
 * it can check who wrote it and where it belongs before storing or fanning it out.
 * Every envelope goes through the same admission, in this order, and the first failure
 * is reported: header decode and kind → author is the authenticated device → workspace
 * membership of that device → signature against the author's registered identity key →
 * the chain's current epoch. Only then is anything stored, so a refused envelope never
 * leaves a trace in the store.
 */
import { decodeHeader } from '@yhteispoyta/crypto/header';
import { decodeWireEnvelope, encodeWireEnvelope, GENESIS_PROOF, nextParentProof, verifyEnvelopeSignature } from '@yhteispoyta/crypto/envelope';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import type { StoredEnvelope as WireStoredEnvelope } from '@yhteispoyta/crypto/protocol';
import { idSchema, ProtocolError, snapshotRefSchema, streamNameSchema } from '@yhteispoyta/crypto/protocol';
import { streamFitsKind } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, EnvelopeHeader, EnvelopeKind, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { ChainReader } from './chain-cache';
import type { AppendEnvelopeResult, AppendSnapshotResult } from '../store/port';
import { chainStateOf, isMemberDevice } from './membership';

/** An envelope that passed admission: its verified header and the chain it was judged against. */
export interface AdmittedEnvelope {
  readonly envelope: WireEnvelope;
  readonly header: EnvelopeHeader;
  readonly chain: ChainState;
}

/** An envelope the store accepted, ready to be acknowledged and fanned out. */
export interface AcceptedEnvelope {
  readonly workspaceId: string;
  readonly stream: string;
  readonly stored: WireStoredEnvelope;
}

/**
 * Header fields the store and the rooms use as keys must have the wire formats of
 * fields.ts: the header codec allows any UTF-8 text, but the server never files an
 * envelope under an id no other request could name.
 */
function checkHeaderFields(header: EnvelopeHeader): void {
  const formatsOk =
    idSchema.safeParse(header.workspaceId).success &&
    streamNameSchema.safeParse(header.stream).success &&
    snapshotRefSchema.safeParse(header.snapshotId).success &&
    (header.parentSnapshotId === undefined || snapshotRefSchema.safeParse(header.parentSnapshotId).success);
  if (!formatsOk) throw new ProtocolError('bad_request', 'envelope header has a malformed workspace, stream or snapshot id');
  if (!streamFitsKind(header.kind, header.stream)) {
    throw new ProtocolError('bad_request', `a ${header.kind} envelope cannot travel on this stream`);
  }
}

function sameDevice(a: DeviceRef, b: DeviceRef): boolean {
  return a.userId === b.userId && a.deviceId === b.deviceId;
}

/**
 * Runs the admission checks of the module comment for an envelope the authenticated
 * `device` sent, accepting only the given kinds. Throws ProtocolError: bad_request
 * (undecodable header, wrong kind or stream), too_large, forbidden (someone else's
 * envelope, not a member device, closed workspace, removed device), bad_signature, and
 * conflict with `details.currentEpoch` for any epoch but the current one.
 *
 * Why only the current epoch, even during a rotation: the epoch is rotated precisely
 * because a removed device still holds the old key. Accepting old-epoch envelopes after
 * `rotate_epoch` would keep filing new content under a key the removed device has, so a
 * sender that lost the race re-seals under the new epoch when told `currentEpoch`.
 */
export async function admitEnvelope(
  ctx: ChainReader,
  device: DeviceRef,
  envelope: WireEnvelope,
  kinds: readonly EnvelopeKind[],
): Promise<AdmittedEnvelope> {
  const decoded = decodeHeader(envelope.header);
  if (!decoded.ok) {
    throw new ProtocolError(decoded.code === 'too_large' ? 'too_large' : 'bad_request', 'envelope header does not decode');
  }
  const header = decoded.header;
  if (!kinds.includes(header.kind)) throw new ProtocolError('bad_request', `this event does not take ${header.kind} envelopes`);
  checkHeaderFields(header);
  if (!sameDevice(header.author, device)) {
    throw new ProtocolError('forbidden', 'the envelope author must be the authenticated device');
  }
  const chain = await chainStateOf(ctx, header.workspaceId);
  // A workspace that does not exist and one the device is not in answer alike, so
  // that the answer does not reveal which workspace ids exist.
  if (chain === null || !isMemberDevice(chain, device)) {
    throw new ProtocolError('forbidden', 'not a member device of this workspace');
  }
  if (chain.closed) throw new ProtocolError('forbidden', 'the workspace is closed');
  const record = await ctx.store.directory.getDevice(device);
  if (record === null || record.removedAt !== undefined) throw new ProtocolError('forbidden', 'the device is not registered');
  const verified = verifyEnvelopeSignature(envelope, record.identityKey);
  if (!verified.ok) {
    if (verified.code === 'bad_signature') throw new ProtocolError('bad_signature', 'the signature does not verify with the author key');
    throw new ProtocolError(verified.code === 'too_large' ? 'too_large' : 'bad_request', 'the envelope is malformed');
  }
  if (header.epoch !== chain.epoch) {
    throw new ProtocolError('conflict', 'the envelope is not sealed under the current epoch', { currentEpoch: chain.epoch });
  }
  return { envelope, header, chain };
}

function envelopeRefusal(result: Extract<AppendEnvelopeResult, { ok: false }>): ProtocolError {
  switch (result.code) {
    case 'clock_gap':
      return new ProtocolError('clock_gap', 'the clock skips values: send the missing envelopes first', { expected: result.expected });
    case 'clock_replay':
      return new ProtocolError('clock_replay', 'this clock was already used', { expected: result.expected });
    case 'stale_snapshot':
      return new ProtocolError('stale_snapshot', 'the envelope does not build on the active snapshot', {
        activeSnapshotId: result.activeSnapshotId,
      });
  }
}

/**
 * `push`: admits an update or chat envelope and appends it to its stream. The store
 * enforces the clock (exactly last + 1) and the snapshot reference atomically; its
 * refusals become clock_gap / clock_replay (`details.expected`) and stale_snapshot
 * (`details.activeSnapshotId`). Throws ProtocolError; stores nothing on any failure.
 */
export async function pushEnvelope(ctx: Needs<'workspaces' | 'directory' | 'envelopes', 'now'>, device: DeviceRef, envelope: WireEnvelope): Promise<AcceptedEnvelope> {
  const { header } = await admitEnvelope(ctx, device, envelope, ['update', 'chat']);
  // admitEnvelope only lets these two kinds through; the narrowing is for the compiler.
  const kind = header.kind === 'chat' ? 'chat' : 'update';
  const receivedAt = ctx.now();
  const result = await ctx.store.envelopes.appendEnvelope({
    workspaceId: header.workspaceId,
    stream: header.stream,
    kind,
    authorKey: deviceKey(header.author),
    clock: header.clock,
    snapshotId: header.snapshotId,
    epoch: header.epoch,
    bytes: encodeWireEnvelope(envelope),
    receivedAt,
  });
  if (!result.ok) throw envelopeRefusal(result);
  return { workspaceId: header.workspaceId, stream: header.stream, stored: { seq: result.seq, envelope, receivedAt } };
}

/**
 * The parentProof a snapshot on `parentSnapshotId` must carry (envelope-format.ts
 * `nextParentProof`), or undefined when that snapshot is not stored; the store's
 * compare-and-set then refuses the snapshot as stale.
 */
async function expectedParentProof(ctx: Needs<'envelopes'>, header: EnvelopeHeader): Promise<Uint8Array | undefined> {
  const parentId = header.parentSnapshotId ?? '';
  if (parentId === '') return GENESIS_PROOF;
  const parent = await ctx.store.envelopes.getSnapshot(header.workspaceId, header.stream, parentId);
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
 * `snapshot`: admits a snapshot envelope, checks that its parentProof extends the
 * parent it names (so the stored chain of snapshots stays verifiable), and
 * compare-and-sets it as the stream's active snapshot. Of concurrent snapshots on one
 * parent exactly one wins; the others get stale_snapshot with `details.activeSnapshotId`.
 * A snapshot that misses updates on its parent is stale_snapshot with
 * `details.reason = 'not_covering'`. Throws ProtocolError; stores nothing on any failure.
 */
export async function pushSnapshot(ctx: Needs<'workspaces' | 'directory' | 'envelopes', 'now'>, device: DeviceRef, envelope: WireEnvelope): Promise<AcceptedEnvelope> {
  const { header } = await admitEnvelope(ctx, device, envelope, ['snapshot']);
  const parentSnapshotId = header.parentSnapshotId ?? '';
  const expectedProof = await expectedParentProof(ctx, header);
  if (expectedProof !== undefined && (header.parentProof === undefined || !bytesEqual(header.parentProof, expectedProof))) {
    throw new ProtocolError('bad_request', 'parentProof does not extend the parent snapshot');
  }
  const receivedAt = ctx.now();
  const result = await ctx.store.envelopes.appendSnapshot({
    workspaceId: header.workspaceId,
    stream: header.stream,
    snapshotId: header.snapshotId,
    parentSnapshotId,
    authorKey: deviceKey(header.author),
    epoch: header.epoch,
    coveredClocks: header.coveredClocks ?? {},
    bytes: encodeWireEnvelope(envelope),
    receivedAt,
  });
  if (!result.ok) throw snapshotRefusal(result, parentSnapshotId);
  return { workspaceId: header.workspaceId, stream: header.stream, stored: { seq: result.seq, envelope, receivedAt } };
}

/**
 * `presence`: the same admission as stored envelopes (a presence envelope is still
 * signed and sealed under the current epoch), and nothing else: presence is never
 * stored. Returns the workspace to fan out to. Throws ProtocolError.
 */
export async function admitPresence(ctx: ChainReader, device: DeviceRef, envelope: WireEnvelope): Promise<{ readonly workspaceId: string }> {
  const { header } = await admitEnvelope(ctx, device, envelope, ['presence']);
  return { workspaceId: header.workspaceId };
}

/**
 * A stored record's bytes as the wire's StoredEnvelope. Throws when the bytes do not
 * decode: the server wrote them itself, so that is a corrupt store, not client input.
 */
export function toWireStored(record: { readonly seq: number; readonly bytes: Uint8Array; readonly receivedAt: number }): WireStoredEnvelope {
  const decoded = decodeWireEnvelope(record.bytes);
  if (!decoded.ok) throw new Error(`stored envelope ${record.seq} does not decode (${decoded.code})`);
  return { seq: record.seq, envelope: decoded.envelope, receivedAt: record.receivedAt };
}
