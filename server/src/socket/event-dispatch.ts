/**
 * A client event on a socket, carried to the relay core: ack present → rate limit →
 * per-socket order → session still valid → the core's request path (size, schema,
 * handler, denial audit: relay/handle-request.ts) → exactly one ack → the fan-out, once
 * the sender has its ack (a push fans out earlier, while its commit runs: fanOutNow; and
 * lets the socket's next request start once the store has it in line: SocketOrder).
 * Nothing ever throws back into socket.io.
 */
import type { SerialQueue } from '@yhteispoyta/common/queue';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { RelayConnection } from '../relay/connection';
import type { FanOut } from '../relay/fan-out';
import { handleRequest, refuse } from '../relay/handle-request';
import { releaseCorkedWrites } from './coalesced-writes';
import { emitFanOut } from './fan-out';
import type { Relay, RelaySocket } from './relay';
import { workspaceRoom } from './rooms';

type AckFunction = (response: unknown) => void;

/**
 * One socket's request order. Requests start one after another, in arrival order (the
 * bounded queue). A push lets the next request start as soon as the store has its
 * envelope in line (`ordered`), so that a socket's pushes share a group commit; its answer
 * follows its commit. Any other request first waits until those pushes are answered.
 */
export interface SocketOrder {
  readonly queue: SerialQueue;
  /** pushes started and not yet answered */
  readonly answering: Set<Promise<void>>;
  /** at most this many pushes waiting for their commit before the next request waits too */
  readonly maxAnswering: number;
}

/** The socket as the relay core sees a connection: its device and its workspace rooms. */
function socketConnection(relay: Relay, socket: RelaySocket, event: ClientToServerEventName, ordered: () => void): RelayConnection {
  return {
    device: socket.data.device,
    enterWorkspace: async (workspaceId) => socket.join(workspaceRoom(workspaceId)),
    leaveWorkspace: async (workspaceId) => socket.leave(workspaceRoom(workspaceId)),
    fanOutNow: (fanOut) => carryOut(relay, socket, event, fanOut),
    releaseFanOut: releaseCorkedWrites,
    ordered,
  };
}

/** Emit a fan-out; a failure is logged, never reported as a failure of the request. */
function carryOut(relay: Relay, socket: RelaySocket, event: ClientToServerEventName, fanOut: FanOut): void {
  try {
    emitFanOut(relay.io, socket, fanOut);
  } catch (thrown) {
    relay.log.error({ err: thrown, event }, 'fan-out failed');
  }
}

/** Ends a socket whose session expired: the client must log in again. */
function sessionExpired(relay: Relay, socket: RelaySocket): boolean {
  return relay.ctx.now() >= socket.data.sessionExpiresAt;
}

async function run(
  relay: Relay,
  socket: RelaySocket,
  event: ClientToServerEventName,
  args: readonly unknown[],
  ack: AckFunction,
  ordered: () => void,
): Promise<void> {
  const connection = socketConnection(relay, socket, event, ordered);
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
  carryOut(relay, socket, event, handled.fanOut);
}

/**
 * Listens for one client event on an authenticated socket. The listener takes its
 * arguments as `unknown` (socket.io hands over whatever the client sent); an event
 * without an ack callback cannot be answered and is dropped after the rate limit
 * counted it.
 */
export function registerEvent(relay: Relay, socket: RelaySocket, order: SocketOrder, event: ClientToServerEventName): void {
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
    // The queue moves on when the request is done, or (a push) once it is in the store's order.
    const task = (): Promise<void> =>
      new Promise<void>((startNext) => {
        const ordered = (): void => {
          if (order.answering.size <= order.maxAnswering) startNext();
        };
        const handled = (async () => {
          if (event !== 'push') await Promise.all(order.answering);
          await run(relay, socket, event, args, ack, ordered);
        })().catch((thrown: unknown) => {
          relay.log.error({ err: thrown, event }, 'socket event failed');
        });
        if (event === 'push') {
          order.answering.add(handled);
          void handled.finally(() => order.answering.delete(handled));
        }
        void handled.finally(startNext);
      });
    if (!order.queue.tryRun(task)) limited('too many requests waiting on this connection');
  });
}
