/**
 * `join`: enter a workspace's room and catch up (DESIGN §6). The socket joins the room
 * before the catch-up is read, so nothing stored in between is missed; an envelope may
 * then arrive both live and in the catch-up, and clients de-duplicate by (author, clock).
 */
import { joinRequestSchema, MAX_JOIN_ENVELOPES_PER_STREAM, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { JoinRequest, JoinResult, StreamCatchUp, StreamPosition } from '@yhteispoyta/crypto/protocol';
import { isDocStream, PRESENCE_STREAM } from '@yhteispoyta/crypto/stream-rules';
import type { ServerContext } from '../context';
import { recordAudit } from '../services/audit';
import { toWireStored } from '../services/envelopes';
import { chainStateOf, isMemberDevice } from '../services/membership';
import type { EventDefinition } from './event-dispatch';
import { requireMemberDevice } from './membership-guard';
import { workspaceRoom } from './rooms';

/** A join names at most 256 streams of short ids: 64 KiB is ample. */
export const JOIN_PAYLOAD_BYTES = 64 * 1024;

const NOTHING: StreamCatchUp = { snapshot: null, envelopes: [] };

/**
 * One document stream: the active snapshot and everything on it when the client's
 * snapshot is not the active one, else what it lacks after `afterSeq`. At most
 * MAX_JOIN_ENVELOPES_PER_STREAM envelopes; a full page means "fetch the rest".
 */
async function documentCatchUp(ctx: ServerContext, workspaceId: string, stream: string, position: StreamPosition): Promise<StreamCatchUp> {
  const state = await ctx.store.envelopes.latestState(workspaceId, stream);
  const activeSnapshotId = state.snapshot?.snapshotId ?? '';
  const behind = position.snapshotId !== activeSnapshotId;
  const envelopes = behind ? state.envelopes : state.envelopes.filter((e) => e.seq > position.afterSeq);
  return {
    snapshot: behind && state.snapshot !== null ? toWireStored(state.snapshot) : null,
    envelopes: envelopes.slice(0, MAX_JOIN_ENVELOPES_PER_STREAM).map(toWireStored),
  };
}

/** The catch-up of one named stream: chat is a plain log; presence is never stored. */
async function catchUp(ctx: ServerContext, workspaceId: string, stream: string, position: StreamPosition): Promise<StreamCatchUp> {
  if (stream === PRESENCE_STREAM) return NOTHING;
  if (isDocStream(stream)) return documentCatchUp(ctx, workspaceId, stream, position);
  const envelopes = await ctx.store.envelopes.envelopesAfter(workspaceId, stream, position.afterSeq, MAX_JOIN_ENVELOPES_PER_STREAM);
  return { snapshot: null, envelopes: envelopes.map(toWireStored) };
}

/**
 * `join`. Membership is checked, the socket joins the room, and membership is checked
 * again: a removal landing between the first check and the join has already emptied
 * the room of this device, so without the second check the socket would slip back in.
 * Answers the catch-up of the streams the client names (the store has no list of a
 * workspace's streams; clients know theirs) and the chain's head seq. Audited as `join`.
 */
export const joinEvent: EventDefinition<JoinRequest, JoinResult> = {
  name: 'join',
  request: joinRequestSchema,
  maxPayloadBytes: JOIN_PAYLOAD_BYTES,
  async handle(call, request) {
    const { ctx } = call.relay;
    const { workspaceId } = request;
    call.workspaceId = workspaceId;
    await requireMemberDevice(call, workspaceId);
    const room = workspaceRoom(workspaceId);
    await call.socket.join(room);
    const chain = await chainStateOf(ctx, workspaceId);
    if (chain === null || !isMemberDevice(chain, call.device)) {
      await call.socket.leave(room);
      throw new ProtocolError('forbidden', 'not a member device of this workspace');
    }
    const streams: Record<string, StreamCatchUp> = {};
    for (const [stream, position] of Object.entries(request.positions)) {
      streams[stream] = await catchUp(ctx, workspaceId, stream, position);
    }
    await recordAudit(ctx, {
      actor: call.device,
      action: 'join',
      workspaceId,
      detail: { streams: String(Object.keys(streams).length) },
    });
    return { result: { streams, membershipSeq: chain.seq } };
  },
};
