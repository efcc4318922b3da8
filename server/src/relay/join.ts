/**
 * `join`: enter a workspace's room and catch up (docs/design.md §6). The connection enters
 * the room before the catch-up is read, so nothing stored in between is missed; an
 * envelope may then arrive both live and in the catch-up, and readers de-duplicate by
 * (author, clock) (crypto's stream-rules `judgeEnvelopeClock`: a duplicate, not a replay).
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { JoinRequest, JoinResultFrame, StreamCatchUpFrame } from '@yhteispoyta/crypto/protocol';
import type { Needs } from '../context';
import { recordAudit } from '../services/audit';
import { chainStateOf, isMemberDevice } from '../services/membership';
import { catchUp } from './catch-up';
import type { RelayConnection } from './connection';
import { answerOnly } from './fan-out';
import type { RelayOutcome } from './fan-out';
import { requireMemberDevice } from './member-guard';

/**
 * `join`. Membership is checked, the connection enters the room, and membership is
 * checked again: a removal landing between the first check and entering has already
 * emptied the room of this device, so without the second check the connection would
 * slip back in. Answers the catch-up of the streams the client names (the store has no
 * list of a workspace's streams; clients know theirs) and the chain's head seq. Audited
 * as `join`.
 */
export async function join(
  deps: Needs<'workspaces' | 'directory' | 'envelopes' | 'audit', 'now'>,
  connection: RelayConnection,
  request: JoinRequest,
): Promise<RelayOutcome<JoinResultFrame>> {
  const { workspaceId } = request;
  const { device } = connection;
  await requireMemberDevice(deps, device, workspaceId);
  await connection.enterWorkspace(workspaceId);
  const chain = await chainStateOf(deps, workspaceId);
  if (chain === null || !isMemberDevice(chain, device)) {
    await connection.leaveWorkspace(workspaceId);
    throw new ProtocolError('forbidden', 'not a member device of this workspace');
  }
  const streams: Record<string, StreamCatchUpFrame> = {};
  for (const [stream, position] of Object.entries(request.positions)) {
    streams[stream] = await catchUp(deps, workspaceId, stream, position);
  }
  await recordAudit(deps, { actor: device, action: 'join', workspaceId, detail: { streams: String(Object.keys(streams).length) } });
  return answerOnly({ streams, membershipSeq: chain.seq });
}
