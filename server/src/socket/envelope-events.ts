/**
 * `push`, `snapshot` and `presence`: the envelope events. The rules live in
 * services/envelopes.ts; these definitions add the socket's part — size limits checked
 * before the schema, and the fan-out to the workspace room (everyone but the sender)
 * once the sender has its ack.
 */
import { MAX_CIPHERTEXT_BYTES, NONCE_BYTES, SIGNATURE_BYTES } from '@yhteispoyta/crypto/envelope';
import { decodeHeader, MAX_HEADER_BYTES } from '@yhteispoyta/crypto/header';
import {
  idSchema,
  MAX_CLIENT_SOCKET_MESSAGE_BYTES,
  MAX_PRESENCE_CIPHERTEXT_BYTES,
  presenceRequestSchema,
  pushRequestSchema,
  snapshotRequestSchema,
} from '@yhteispoyta/crypto/protocol';
import type { EmptyResult, PresenceRequest, PushRequest, SnapshotRequest, StoredResult } from '@yhteispoyta/crypto/protocol';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import { admitPresence, pushEnvelope, pushSnapshot } from '../services/envelopes';
import type { AcceptedEnvelope } from '../services/envelopes';
import type { EventCall, EventDefinition, EventReply } from './event-dispatch';
import { workspaceRoom } from './rooms';

/** Room for the payload's structure around the envelope's bytes. */
const STRUCTURE_BYTES = 1024;

/** Largest presence payload: one presence envelope at its limits. */
export const PRESENCE_PAYLOAD_BYTES = MAX_HEADER_BYTES + NONCE_BYTES + MAX_PRESENCE_CIPHERTEXT_BYTES + SIGNATURE_BYTES + STRUCTURE_BYTES;

/**
 * True when the payload's `envelope` has a header or ciphertext over its limit. The
 * schema would refuse those too, but as bad_request; a client must learn that the
 * envelope is too big (split or snapshot), not that it is malformed.
 */
function envelopePartTooLarge(payload: unknown, maxCiphertextBytes: number): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const envelope: unknown = (payload as { envelope?: unknown }).envelope;
  if (typeof envelope !== 'object' || envelope === null) return false;
  const { header, ciphertext } = envelope as { header?: unknown; ciphertext?: unknown };
  return (
    (header instanceof Uint8Array && header.byteLength > MAX_HEADER_BYTES) ||
    (ciphertext instanceof Uint8Array && ciphertext.byteLength > maxCiphertextBytes)
  );
}

/**
 * Names the workspace an envelope claims, for the denial audit, before anything is
 * verified: an attempt to write into a workspace is worth recording in that
 * workspace's log even when it is refused.
 */
function noteClaimedWorkspace(call: EventCall, envelope: WireEnvelope): void {
  const decoded = decodeHeader(envelope.header);
  if (decoded.ok && idSchema.safeParse(decoded.header.workspaceId).success) call.workspaceId = decoded.header.workspaceId;
}

function storedReply(call: EventCall, accepted: AcceptedEnvelope): EventReply<StoredResult> {
  return {
    result: { seq: accepted.stored.seq },
    afterAck: () => {
      call.socket.to(workspaceRoom(accepted.workspaceId)).emit('envelope', {
        workspaceId: accepted.workspaceId,
        stream: accepted.stream,
        stored: accepted.stored,
      });
    },
  };
}

/** `push`: store an update or chat envelope, ack its seq, fan it out. */
export const pushEvent: EventDefinition<PushRequest, StoredResult> = {
  name: 'push',
  request: pushRequestSchema,
  maxPayloadBytes: MAX_CLIENT_SOCKET_MESSAGE_BYTES,
  tooLarge: (payload) => envelopePartTooLarge(payload, MAX_CIPHERTEXT_BYTES),
  async handle(call, request) {
    noteClaimedWorkspace(call, request.envelope);
    return storedReply(call, await pushEnvelope(call.relay.ctx, call.device, request.envelope));
  },
};

/** `snapshot`: compare-and-set a snapshot, ack its seq, fan it out. */
export const snapshotEvent: EventDefinition<SnapshotRequest, StoredResult> = {
  name: 'snapshot',
  request: snapshotRequestSchema,
  maxPayloadBytes: MAX_CLIENT_SOCKET_MESSAGE_BYTES,
  tooLarge: (payload) => envelopePartTooLarge(payload, MAX_CIPHERTEXT_BYTES),
  async handle(call, request) {
    noteClaimedWorkspace(call, request.envelope);
    return storedReply(call, await pushSnapshot(call.relay.ctx, call.device, request.envelope));
  },
};

/** `presence`: fan out a presence envelope; never stored, never logged when accepted. */
export const presenceEvent: EventDefinition<PresenceRequest, EmptyResult> = {
  name: 'presence',
  request: presenceRequestSchema,
  maxPayloadBytes: PRESENCE_PAYLOAD_BYTES,
  tooLarge: (payload) => envelopePartTooLarge(payload, MAX_PRESENCE_CIPHERTEXT_BYTES),
  async handle(call, request) {
    noteClaimedWorkspace(call, request.envelope);
    const { workspaceId } = await admitPresence(call.relay.ctx, call.device, request.envelope);
    return {
      result: {},
      afterAck: () => {
        call.socket.to(workspaceRoom(workspaceId)).emit('presence', { workspaceId, envelope: request.envelope });
      },
    };
  },
};
