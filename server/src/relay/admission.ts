/**
 * The relay's admission of envelopes (docs/design.md §5–§7): the server cannot read an
 * envelope, but it can check who wrote it and where it belongs before storing or fanning
 * it out. Every envelope goes through the same checks, in this order, and the first
 * failure is reported: header decode and kind → stream fits kind → author is the
 * authenticated device → workspace membership of that device → signature against the
 * author's registered identity key → the chain's current epoch → the chain head the header
 * names. Only then is anything stored, so a refused envelope never leaves a trace in the
 * store.
 */
import { envelopeSignatureValid } from '@yhteispoyta/crypto/envelope';
import { decodeHeader } from '@yhteispoyta/crypto/header';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { idSchema, ProtocolError, snapshotRefSchema, streamNameSchema } from '@yhteispoyta/crypto/protocol';
import { streamFitsKind } from '@yhteispoyta/crypto/stream-rules';
import type { DeviceRef, EnvelopeHeader, EnvelopeKind, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { ChainReader } from '../services/chain-cache';
import { identityKeyOf } from '../services/identity-keys';
import { chainStateOf, isMemberDevice } from '../services/membership';

/** An envelope that passed admission: its verified header and the chain it was judged against. */
export interface AdmittedEnvelope {
  readonly envelope: WireEnvelope;
  readonly header: EnvelopeHeader;
  readonly chain: ChainState;
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

/**
 * The header of an envelope the relay received, decoded once: the request's log entry
 * (claimedWorkspace) and admission both need it, and the decode (with its canonical
 * re-encoding check) was a tenth of the relay's CPU when done twice. Keyed by the header's
 * bytes, which the socket schema copied out of the frame and nothing writes to.
 */
const decodedHeaders = new WeakMap<Uint8Array, ReturnType<typeof decodeHeader>>();
function headerOf(envelope: WireEnvelope): ReturnType<typeof decodeHeader> {
  let decoded = decodedHeaders.get(envelope.header);
  if (decoded === undefined) {
    decoded = decodeHeader(envelope.header);
    decodedHeaders.set(envelope.header, decoded);
  }
  return decoded;
}

function sameDevice(a: DeviceRef, b: DeviceRef): boolean {
  return a.userId === b.userId && a.deviceId === b.deviceId;
}

/**
 * The workspace an envelope claims, before anything is verified, or undefined when its
 * header does not decode to a well-formed id: an attempt to write into a workspace is
 * worth recording in that workspace's log even when it is refused.
 */
export function claimedWorkspace(envelope: WireEnvelope): string | undefined {
  const decoded = headerOf(envelope);
  return decoded.ok && idSchema.safeParse(decoded.header.workspaceId).success ? decoded.header.workspaceId : undefined;
}

/**
 * Runs the admission checks of the module comment for an envelope the authenticated
 * `device` sent, accepting only the given kinds. Throws ProtocolError: bad_request
 * (undecodable header, wrong kind or stream), too_large, forbidden (someone else's
 * envelope, not a member device, closed workspace, unregistered device), bad_signature, and
 * conflict with `details.currentEpoch` for any epoch but the current one.
 *
 * Why only the current epoch, even during a rotation: the epoch is rotated precisely
 * because a removed device still holds the old key. Accepting old-epoch envelopes after
 * `rotate_epoch` would keep filing new content under a key the removed device has, so a
 * sender that lost the race re-seals under the new epoch when told `currentEpoch`.
 */
export async function admitEnvelope(
  deps: ChainReader,
  device: DeviceRef,
  envelope: WireEnvelope,
  kinds: readonly EnvelopeKind[],
): Promise<AdmittedEnvelope> {
  const decoded = headerOf(envelope);
  if (!decoded.ok) {
    throw new ProtocolError(decoded.code === 'too_large' ? 'too_large' : 'bad_request', 'envelope header does not decode');
  }
  const header = decoded.header;
  if (!kinds.includes(header.kind)) throw new ProtocolError('bad_request', `this event does not take ${header.kind} envelopes`);
  checkHeaderFields(header);
  if (!sameDevice(header.author, device)) {
    throw new ProtocolError('forbidden', 'the envelope author must be the authenticated device');
  }
  const chain = await chainStateOf(deps, header.workspaceId);
  // A workspace that does not exist and one the device is not in answer alike, so
  // that the answer does not reveal which workspace ids exist.
  if (chain === null || !isMemberDevice(chain, device)) {
    throw new ProtocolError('forbidden', 'not a member device of this workspace');
  }
  if (chain.closed) throw new ProtocolError('forbidden', 'the workspace is closed');
  const identityKey = await identityKeyOf(deps, device);
  if (identityKey === null) throw new ProtocolError('forbidden', 'the device is not registered');
  // The socket schema parsed the envelope's parts and the header was decoded above.
  if (!envelopeSignatureValid(envelope, identityKey)) {
    throw new ProtocolError('bad_signature', 'the signature does not verify with the author key');
  }
  if (header.epoch !== chain.epoch) {
    throw new ProtocolError('conflict', 'the envelope is not sealed under the current epoch', { currentEpoch: chain.epoch });
  }
  checkChainHead(header, chain);
  return { envelope, header, chain };
}

/**
 * The chain head an envelope names (docs/design.md §12) must be one of this chain's: not
 * past its head, the head itself with its hash, and not before the rotation that opened
 * the current epoch (an envelope under that epoch was sealed by a device that had seen it).
 * Agents judge heads again against their own chains; this only keeps nonsense out of the store.
 */
function checkChainHead(header: EnvelopeHeader, chain: ChainState): void {
  const head = header.chainHead;
  if (head.seq > chain.seq) throw new ProtocolError('bad_request', 'the envelope names a chain head past the chain');
  if (head.seq === chain.seq && head.hash !== chain.headHash) throw new ProtocolError('bad_request', 'the envelope names another chain head');
  const opened = chain.rotations.at(-1)?.seq ?? 0;
  if (head.seq < opened) throw new ProtocolError('bad_request', 'the envelope names a chain head before its epoch began');
}
