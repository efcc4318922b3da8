/**
 * The one path every client request takes through the relay core, whatever carries it:
 * payload size → schema → the core function. Every outcome is exactly one answer in the
 * protocol's ack form; refusals are audited as `denied` (bounded per device, so a device
 * flooding refused requests does not turn each into a hash-chained write); anything
 * unexpected becomes `internal` with an id that is logged (never the payload). Never
 * rejects. Transports add what belongs to a connection: rate limits, ordering, session
 * expiry (socket/event-dispatch.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { AckFailure, ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { RateLimiter } from '../http/rate-limit';
import { recordAuditSafely } from '../services/audit';
import type { RelayConnection, RelayDeps } from './connection';
import type { FanOut } from './fan-out';
import { describeIssues } from './issues';
import { payloadExceeds } from './payload-size';
import { RELAY_REQUESTS } from './requests';
import type { RelayRequest } from './requests';

/** What the request path holds: the core's dependencies, the transport's logger, and the denial audit budget. */
export interface RelayRuntime {
  readonly deps: RelayDeps;
  /** where internal failures are logged (the transport's module logger) */
  readonly log: Logger;
  /** denial audit entries per device (or client address) per window */
  readonly denialAuditLimiter: RateLimiter;
}

/** One answered request: the ack to send back, then the fan-out to carry out (empty on failure). */
export interface HandledRequest {
  /** `{ ok: true, …result }` or the protocol's AckFailure */
  readonly ack: { readonly ok: true } | AckFailure;
  readonly fanOut: FanOut;
}

/** A refusal of `event` as its ack, audited as `denied` under `workspaceId` when the device's budget allows. */
export async function refuse(
  runtime: RelayRuntime,
  device: DeviceRef,
  event: ClientToServerEventName,
  workspaceId: string | undefined,
  error: ProtocolError,
): Promise<AckFailure> {
  if (runtime.denialAuditLimiter.take(deviceKey(device), runtime.deps.now())) {
    await recordAuditSafely(runtime.deps, {
      actor: device,
      action: 'denied',
      ...(workspaceId === undefined ? {} : { workspaceId }),
      detail: { event, error: error.code },
    });
  }
  return error.toAck();
}

function internalFailure(runtime: RelayRuntime, device: DeviceRef, event: ClientToServerEventName, thrown: unknown): AckFailure {
  const errorId = randomUUID();
  runtime.log.error({ err: thrown, errorId, event, device: deviceKey(device) }, 'socket event failed');
  return { ok: false, error: { code: 'internal', message: 'internal error', details: { id: errorId } } };
}

/** Answers one request of `connection`: the payload as the client sent it, parsed here. */
export async function handleRequest(
  runtime: RelayRuntime,
  connection: RelayConnection,
  event: ClientToServerEventName,
  payload: unknown,
): Promise<HandledRequest> {
  const definition = RELAY_REQUESTS[event] as unknown as RelayRequest<ClientToServerEventName>;
  let workspaceId: string | undefined;
  try {
    if (definition.tooLarge?.(payload) === true || payloadExceeds(payload, definition.maxPayloadBytes)) {
      throw new ProtocolError('too_large', `the ${event} payload exceeds its size limit`);
    }
    const parsed = definition.schema.safeParse(payload);
    if (!parsed.success) throw new ProtocolError('bad_request', describeIssues(parsed.error));
    workspaceId = definition.concerns(parsed.data);
    const outcome = await definition.handle(runtime.deps, connection, parsed.data);
    return { ack: { ok: true, ...outcome.result }, fanOut: outcome.fanOut };
  } catch (thrown) {
    const ack =
      thrown instanceof ProtocolError && thrown.code !== 'internal'
        ? await refuse(runtime, connection.device, event, workspaceId, thrown)
        : internalFailure(runtime, connection.device, event, thrown);
    return { ack, fanOut: [] };
  }
}
