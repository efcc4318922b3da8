/**
 * Carrying out the relay core's fan-out over socket.io: rooms become socket.io rooms
 * (through the Redis adapter they reach every server process), `exceptSender` is
 * socket.io's `socket.to(…)`, and an eviction empties a workspace room of a device's
 * sockets wherever they are connected.
 */
import type { BroadcastOperator } from 'socket.io';
import type { ServerToClientEvents, SocketData } from '@yhteispoyta/crypto/protocol';
import type { FanOut, Notice, Room } from '../relay/fan-out';
import type { RelayServer, RelaySocket } from './relay';
import { deviceRoom, workspaceRoom } from './rooms';

function roomName(room: Room): string {
  return 'workspace' in room ? workspaceRoom(room.workspace) : deviceRoom(room.device);
}

function emitNotice(target: BroadcastOperator<ServerToClientEvents, SocketData>, notice: Notice): void {
  // Notice pairs each event with its own payload type; the emitter's overloads cannot see that correlation.
  (target.emit as (event: Notice['event'], payload: Notice['payload']) => boolean)(notice.event, notice.payload);
}

/** Carry out `fanOut` in order; `sender` is the socket whose request caused it (none for hub notices). */
export function emitFanOut(io: RelayServer, sender: RelaySocket | undefined, fanOut: FanOut): void {
  for (const step of fanOut) {
    if (step.kind === 'evict') {
      const room = workspaceRoom(step.workspaceId);
      for (const device of step.devices) io.in(deviceRoom(device)).socketsLeave(room);
      continue;
    }
    const rooms = step.to.map(roomName);
    emitNotice(step.exceptSender && sender !== undefined ? sender.to(rooms) : io.to(rooms), step.notice);
  }
}
