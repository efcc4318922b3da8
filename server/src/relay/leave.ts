/**
 * `leave`: stop receiving a workspace's fan-out.
 */
import type { EmptyResult, LeaveRequest } from '@yhteispoyta/crypto/protocol';
import type { ChainReader } from '../services/chain-cache';
import type { RelayConnection } from './connection';
import { answerOnly } from './fan-out';
import type { RelayOutcome } from './fan-out';
import { requireMemberDevice } from './member-guard';

/**
 * `leave`. The connection leaves the room first, whoever asks (leaving can only take
 * access away); the answer is then forbidden for a device that is not a member, like
 * every other workspace event, so that no event tells members and strangers apart
 * differently.
 */
export async function leave(deps: ChainReader, connection: RelayConnection, request: LeaveRequest): Promise<RelayOutcome<EmptyResult>> {
  await connection.leaveWorkspace(request.workspaceId);
  await requireMemberDevice(deps, connection.device, request.workspaceId);
  return answerOnly({});
}
