/**
 * The one path every client event takes, so that no handler can forget a check: ack
 * present → rate limit → per-socket order → session still valid → payload size →
 * schema → handler. Every outcome is exactly one ack; refusals are audited as `denied`;
 * anything unexpected becomes `internal` with an id that is logged (never the payload),
 * and nothing ever throws back into socket.io.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { AckFailure, ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { recordAuditSafely } from '../services/audit';
import { describeIssues } from './issues';
import { payloadExceeds } from './payload-size';
import type { Relay, RelaySocket } from './relay';
import type { SerialQueue } from './serial-queue';

/** One request being handled. */
export interface EventCall {
  readonly relay: Relay;
  readonly socket: RelaySocket;
  readonly device: DeviceRef;
  /** the workspace the request concerns, once the handler knows it: recorded with a denial */
  workspaceId: string | undefined;
}

/** A handler's success: the ack's fields, and what to do once the sender has its ack (fan-out). */
export interface EventReply<Result extends object> {
  readonly result: Result;
  readonly afterAck?: () => void;
}

/** How one client event is checked and handled. */
export interface EventDefinition<Request, Result extends object> {
  readonly name: ClientToServerEventName;
  readonly request: z.ZodType<Request>;
  /** payload budget of {@link payloadExceeds}; more is `too_large` */
  readonly maxPayloadBytes: number;
  /** a further size rule run before the schema (e.g. an envelope's ciphertext limit) */
  readonly tooLarge?: (payload: unknown) => boolean;
  /** Throws ProtocolError for a refusal; anything else it throws is an internal error. */
  handle(call: EventCall, request: Request): Promise<EventReply<Result>>;
}

type AckFunction = (response: unknown) => void;

/** Records a refusal as an audit `denied` entry (bounded per device), then answers it. */
async function refuse(call: EventCall, event: ClientToServerEventName, error: ProtocolError, ack: AckFunction): Promise<void> {
  const { relay, device } = call;
  if (relay.denialAuditLimiter.take(deviceKey(device), relay.ctx.now())) {
    await recordAuditSafely(relay.ctx, {
      actor: device,
      action: 'denied',
      ...(call.workspaceId === undefined ? {} : { workspaceId: call.workspaceId }),
      detail: { event, error: error.code },
    });
  }
  ack(error.toAck());
}

function internalFailure(call: EventCall, event: ClientToServerEventName, thrown: unknown): AckFailure {
  const errorId = randomUUID();
  call.relay.log.error({ err: thrown, errorId, event, device: deviceKey(call.device) }, 'socket event failed');
  return { ok: false, error: { code: 'internal', message: 'internal error', details: { id: errorId } } };
}

/** Ends a socket whose session expired: the client must log in again. */
function sessionExpired(call: EventCall): boolean {
  return call.relay.ctx.now() >= call.socket.data.sessionExpiresAt;
}

async function run<Request, Result extends object>(
  call: EventCall,
  definition: EventDefinition<Request, Result>,
  args: readonly unknown[],
  ack: AckFunction,
): Promise<void> {
  let afterAck: (() => void) | undefined;
  try {
    if (sessionExpired(call)) {
      await refuse(call, definition.name, new ProtocolError('unauthenticated', 'the session has expired: log in again'), ack);
      call.socket.disconnect(true);
      return;
    }
    if (args.length !== 2) throw new ProtocolError('bad_request', 'expected one payload and an acknowledgement callback');
    const payload = args[0];
    if (definition.tooLarge?.(payload) === true || payloadExceeds(payload, definition.maxPayloadBytes)) {
      throw new ProtocolError('too_large', `the ${definition.name} payload exceeds its size limit`);
    }
    const parsed = definition.request.safeParse(payload);
    if (!parsed.success) throw new ProtocolError('bad_request', describeIssues(parsed.error));
    const reply = await definition.handle(call, parsed.data);
    ack({ ok: true, ...reply.result });
    afterAck = reply.afterAck;
  } catch (thrown) {
    if (thrown instanceof ProtocolError && thrown.code !== 'internal') await refuse(call, definition.name, thrown, ack);
    else ack(internalFailure(call, definition.name, thrown));
    return;
  }
  // Outside the try above: the request succeeded and was answered, so a failing fan-out
  // must not be audited as a denial of it.
  try {
    afterAck?.();
  } catch (thrown) {
    call.relay.log.error({ err: thrown, event: definition.name }, 'fan-out failed');
  }
}

/**
 * Listens for one client event on an authenticated socket. The listener takes its
 * arguments as `unknown` (socket.io hands over whatever the client sent); an event
 * without an ack callback cannot be answered and is dropped after the rate limit
 * counted it.
 */
export function registerEvent<Request, Result extends object>(
  relay: Relay,
  socket: RelaySocket,
  queue: SerialQueue,
  definition: EventDefinition<Request, Result>,
): void {
  const device = socket.data.device;
  socket.on(definition.name, (...args: unknown[]) => {
    const allowed = relay.eventLimiter.take(deviceKey(device), relay.ctx.now());
    const last = args[args.length - 1];
    if (typeof last !== 'function') {
      relay.log.debug({ event: definition.name, device: deviceKey(device) }, 'event without an ack callback dropped');
      return;
    }
    let answered = false;
    const ack: AckFunction = (response) => {
      if (answered) return;
      answered = true;
      (last as AckFunction)(response);
    };
    const call: EventCall = { relay, socket, device, workspaceId: undefined };
    const limited = (message: string): void => {
      refuse(call, definition.name, new ProtocolError('rate_limited', message), ack).catch((err: unknown) => {
        relay.log.error({ err, event: definition.name }, 'could not answer a rate-limited event');
      });
    };
    if (!allowed) return limited('too many requests: slow down');
    if (!queue.tryRun(() => run(call, definition, args, ack))) limited('too many requests waiting on this connection');
  });
}
