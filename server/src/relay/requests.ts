/**
 * The relay's requests, one entry per client event of the protocol: the payload budget
 * judged before the schema (so an oversized payload is `too_large`, not `bad_request`),
 * the protocol's request schema, the workspace a refusal is recorded under, and the core
 * function that answers it. Transports look requests up here; the type demands an entry
 * per event of the protocol's event map.
 */
import { encodedEnvelopeTooLarge, MAX_CIPHERTEXT_BYTES, maxEncodedEnvelopeBytes } from '@yhteispoyta/crypto/envelope';
import {
  fetchRequestSchema,
  joinRequestSchema,
  leaveRequestSchema,
  MAX_CLIENT_SOCKET_MESSAGE_BYTES,
  MAX_PRESENCE_CIPHERTEXT_BYTES,
  presenceRequestSchema,
  pushRequestSchema,
  snapshotRequestSchema,
} from '@yhteispoyta/crypto/protocol';
import type { AckCallback, ClientToServerEventName, ClientToServerEvents, ParsedRequest } from '@yhteispoyta/crypto/protocol';
import type { z } from 'zod';
import { claimedWorkspace } from './admission';
import type { RelayConnection, RelayDeps } from './connection';
import type { RelayOutcome } from './fan-out';
import { fetch } from './fetch';
import { join } from './join';
import { leave } from './leave';
import { presence } from './presence';
import { push } from './push';
import { snapshot } from './snapshot';

/** The request payload of client event `E` as parsed (envelopes decoded). */
export type RequestOf<E extends ClientToServerEventName> = ParsedRequest<E>;
/** The success result (the ack's fields besides `ok`) of client event `E`, as sent (envelopes encoded). */
export type ResultOf<E extends ClientToServerEventName> = Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T extends object> ? T : never;

/** How one client event is checked and answered. */
export interface RelayRequest<E extends ClientToServerEventName> {
  readonly schema: z.ZodType<RequestOf<E>>;
  /** payload budget of payload-size.ts `payloadExceeds`; more is `too_large` */
  readonly maxPayloadBytes: number;
  /** a further size rule run before the schema (an envelope's header or ciphertext limit) */
  readonly tooLarge?: (payload: unknown) => boolean;
  /** the workspace the request concerns, recorded with a refusal of it */
  concerns(request: RequestOf<E>): string | undefined;
  /** Throws ProtocolError for a refusal; anything else it throws is an internal error. */
  handle(deps: RelayDeps, connection: RelayConnection, request: RequestOf<E>): Promise<RelayOutcome<ResultOf<E>>>;
}

/** Room for a payload's structure around an envelope's bytes. */
const STRUCTURE_BYTES = 1024;
/** A join names at most 256 streams of short ids: 64 KiB is ample. */
const JOIN_PAYLOAD_BYTES = 64 * 1024;
/** One short id: 256 bytes is ample. */
const LEAVE_PAYLOAD_BYTES = 256;
/** Two short ids and two integers: 1 KiB is ample. */
const FETCH_PAYLOAD_BYTES = 1024;
/** Largest presence payload: one presence envelope at its limits. */
const PRESENCE_PAYLOAD_BYTES = maxEncodedEnvelopeBytes(MAX_PRESENCE_CIPHERTEXT_BYTES) + STRUCTURE_BYTES;

/**
 * True when the payload's encoded `envelope` is, or declares a header or ciphertext,
 * over its limit. The schema would refuse those too, but as bad_request; a client must
 * learn that the envelope is too big (split or snapshot), not that it is malformed.
 */
function envelopePartTooLarge(payload: unknown, maxCiphertextBytes: number): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const envelope: unknown = (payload as { envelope?: unknown }).envelope;
  return envelope instanceof Uint8Array && encodedEnvelopeTooLarge(envelope, maxCiphertextBytes);
}

/** Every client event of the protocol and how the relay answers it. */
export const RELAY_REQUESTS: { readonly [E in ClientToServerEventName]: RelayRequest<E> } = {
  join: { schema: joinRequestSchema, maxPayloadBytes: JOIN_PAYLOAD_BYTES, concerns: (r) => r.workspaceId, handle: join },
  leave: { schema: leaveRequestSchema, maxPayloadBytes: LEAVE_PAYLOAD_BYTES, concerns: (r) => r.workspaceId, handle: leave },
  fetch: { schema: fetchRequestSchema, maxPayloadBytes: FETCH_PAYLOAD_BYTES, concerns: (r) => r.workspaceId, handle: fetch },
  push: {
    schema: pushRequestSchema,
    maxPayloadBytes: MAX_CLIENT_SOCKET_MESSAGE_BYTES,
    tooLarge: (payload) => envelopePartTooLarge(payload, MAX_CIPHERTEXT_BYTES),
    concerns: (r) => claimedWorkspace(r.envelope),
    handle: push,
  },
  snapshot: {
    schema: snapshotRequestSchema,
    maxPayloadBytes: MAX_CLIENT_SOCKET_MESSAGE_BYTES,
    tooLarge: (payload) => envelopePartTooLarge(payload, MAX_CIPHERTEXT_BYTES),
    concerns: (r) => claimedWorkspace(r.envelope),
    handle: snapshot,
  },
  presence: {
    schema: presenceRequestSchema,
    maxPayloadBytes: PRESENCE_PAYLOAD_BYTES,
    tooLarge: (payload) => envelopePartTooLarge(payload, MAX_PRESENCE_CIPHERTEXT_BYTES),
    concerns: (r) => claimedWorkspace(r.envelope),
    handle: presence,
  },
};
