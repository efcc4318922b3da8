/**
 * A client event on a socket, carried to the relay core: ack present → rate limit →
 * per-socket order → session still valid → the core's request path (size, schema,
 * handler, denial audit: relay/handle-request.ts) → exactly one ack → the fan-out, once
 * the sender has its ack. Nothing ever throws back into socket.io.
 */
import type { SerialQueue } from '@yhteispoyta/common/queue';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { RelayConnection } from '../relay/connection';
import { handleRequest, refuse } from '../relay/handle-request';
import { emitFanOut } from './fan-out';
import type { Relay, RelaySocket } from './relay';
import { workspaceRoom } from './rooms';

type AckFunction = (response: unknown) => void;

/** The socket as the relay core sees a connection: its device and its workspace rooms. */
function socketConnection(socket: RelaySocket): RelayConnection {
  return {
    device: socket.data.device,
    enterWorkspace: async (workspaceId) => socket.join(workspaceRoom(workspaceId)),
    leaveWorkspace: async (workspaceId) => socket.leave(workspaceRoom(workspaceId)),
  };
}

/** Ends a socket whose session expired: the client must log in again. */
function sessionExpired(relay: Relay, socket: RelaySocket): boolean {
  return relay.ctx.now() >= socket.data.sessionExpiresAt;
}

async function run(relay: Relay, socket: RelaySocket, event: ClientToServerEventName, args: readonly unknown[], ack: AckFunction): Promise<void> {
  const connection = socketConnection(socket);
  if (sessionExpired(relay, socket)) {
    ack(await refuse(relay.runtime, connection.device, event, undefined, new ProtocolError('unauthenticated', 'the session has expired: log in again')));
    socket.disconnect(true);
    return;
  }
  if (args.length !== 2) {
    ack(await refuse(relay.runtime, connection.device, event, undefined, new ProtocolError('bad_request', 'expected one payload and an acknowledgement callback')));
    return;
  }
  const handled = await handleRequest(relay.runtime, connection, event, args[0]);
  ack(handled.ack);
  // After the ack: the request succeeded and was answered, so a failing fan-out must not
  // be reported as a failure of it.
  try {
    emitFanOut(relay.io, socket, handled.fanOut);
  } catch (thrown) {
    relay.log.error({ err: thrown, event }, 'fan-out failed');
  }
}

/**
 * Listens for one client event on an authenticated socket. The listener takes its
 * arguments as `unknown` (socket.io hands over whatever the client sent); an event
 * without an ack callback cannot be answered and is dropped after the rate limit
 * counted it.
 */
export function registerEvent(relay: Relay, socket: RelaySocket, queue: SerialQueue, event: ClientToServerEventName): void {
  const device = socket.data.device;
  socket.on(event, (...args: unknown[]) => {
    const allowed = relay.eventLimiter.take(deviceKey(device), relay.ctx.now());
    const last = args[args.length - 1];
    if (typeof last !== 'function') {
      relay.log.debug({ event, device: deviceKey(device) }, 'event without an ack callback dropped');
      return;
    }
    let answered = false;
    const ack: AckFunction = (response) => {
      if (answered) return;
      answered = true;
      (last as AckFunction)(response);
    };
    const limited = (message: string): void => {
      refuse(relay.runtime, device, event, undefined, new ProtocolError('rate_limited', message)).then(ack, (err: unknown) => {
        relay.log.error({ err, event }, 'could not answer a rate-limited event');
      });
    };
    if (!allowed) return limited('too many requests: slow down');
    const task = (): Promise<void> =>
      run(relay, socket, event, args, ack).catch((thrown: unknown) => {
        relay.log.error({ err: thrown, event }, 'socket event failed');
      });
    if (!queue.tryRun(task)) limited('too many requests waiting on this connection');
  });
}
