/**
 * `leave`: stop receiving a workspace's fan-out.
 */
import { leaveRequestSchema } from '@yhteispoyta/crypto/protocol';
import type { EmptyResult, LeaveRequest } from '@yhteispoyta/crypto/protocol';
import type { EventDefinition } from './event-dispatch';
import { requireMemberDevice } from './membership-guard';
import { workspaceRoom } from './rooms';

/** One short id: 256 bytes is ample. */
export const LEAVE_PAYLOAD_BYTES = 256;

/**
 * `leave`. The socket leaves the room first, whoever asks (leaving can only take
 * access away); the answer is then forbidden for a device that is not a member, like
 * every other workspace event, so that no event tells members and strangers apart
 * differently.
 */
export const leaveEvent: EventDefinition<LeaveRequest, EmptyResult> = {
  name: 'leave',
  request: leaveRequestSchema,
  maxPayloadBytes: LEAVE_PAYLOAD_BYTES,
  async handle(call, request) {
    call.workspaceId = request.workspaceId;
    await call.socket.leave(workspaceRoom(request.workspaceId));
    await requireMemberDevice(call, request.workspaceId);
    return { result: {} };
  },
};
