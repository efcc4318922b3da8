/**
 * The socket.io contract (docs/design.md §6, §7): event names, the typed event maps both ends
 * give socket.io, the handshake, and a table of every event's schemas.
 *
 * Server: `new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(…)`;
 * agent: `io(url, { auth }) as Socket<ServerToClientEvents, ClientToServerEvents>`.
 * The maps give senders their types; receivers still parse every payload from
 * `unknown` with {@link CLIENT_EVENT_SCHEMAS} / {@link SERVER_EVENT_SCHEMAS}. A server
 * listener may declare its parameters `unknown` (a wider parameter type is accepted),
 * and must check that the ack really is a function before calling it.
 */
import { z } from 'zod';
import type { DeviceRef } from '../types';
import type { Ack } from './errors';
import { errorCodeSchema, MAX_ERROR_MESSAGE_CHARS } from './errors';
import { sessionTokenSchema } from './fields';
import {
  envelopeNoticeSchema,
  fetchAckSchema,
  fetchRequestSchema,
  joinAckSchema,
  joinRequestSchema,
  leaveAckSchema,
  leaveRequestSchema,
  mailboxNoticeSchema,
  membershipNoticeSchema,
  presenceAckSchema,
  presenceNoticeSchema,
  presenceRequestSchema,
  pushAckSchema,
  pushRequestSchema,
  revokedNoticeSchema,
  certificatesNoticeSchema,
  enrolmentNoticeSchema,
  snapshotAckSchema,
  snapshotRequestSchema,
} from './socket-payloads';
import type {
  EmptyResult,
  EnvelopeNoticeFrame,
  FetchRequest,
  FetchResultFrame,
  JoinRequest,
  JoinResultFrame,
  LeaveRequest,
  MailboxNotice,
  MembershipNotice,
  PresenceNoticeFrame,
  PresenceRequestFrame,
  PushRequestFrame,
  RevokedNotice,
  CertificatesNotice,
  EnrolmentNotice,
  SnapshotRequestFrame,
  StoredResult,
} from './socket-payloads';

/**
 * Version of the socket.io protocol, sent in the handshake (`auth.v`). Separate from
 * PROTOCOL_VERSION, the envelope header's version byte, which signatures and stored
 * envelopes depend on: the socket shapes can change without re-signing anything.
 * 3: every envelope is one binary blob (before, as version 2: an object of four byte fields).
 * 4: a packet with binary attachments is one WebSocket frame (socket-frames.ts), not a text
 *    frame and one frame per attachment.
 */
export const SOCKET_PROTOCOL_VERSION = 4 as const;

/** Every event name, for `socket.on(SOCKET_EVENTS.join, …)` without string typos. */
export const SOCKET_EVENTS = {
  join: 'join',
  leave: 'leave',
  push: 'push',
  snapshot: 'snapshot',
  presence: 'presence',
  fetch: 'fetch',
  envelope: 'envelope',
  mailbox: 'mailbox',
  membership: 'membership',
  revoked: 'revoked',
  certificates: 'certificates',
  enrolment: 'enrolment',
} as const;

/** Events a client emits (each with an ack callback). */
export const CLIENT_TO_SERVER_EVENTS = ['join', 'leave', 'push', 'snapshot', 'presence', 'fetch'] as const;
/** Events the server emits. `presence` goes both ways. */
export const SERVER_TO_CLIENT_EVENTS = ['envelope', 'presence', 'mailbox', 'membership', 'revoked', 'certificates', 'enrolment'] as const;

/** The callback a client passes last to every event; the server calls it exactly once. */
export type AckCallback<T> = (response: Ack<T>) => void;

/** What a client emits, as it travels (envelopes as encoded blobs). */
export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: AckCallback<JoinResultFrame>) => void;
  leave: (request: LeaveRequest, ack: AckCallback<EmptyResult>) => void;
  push: (request: PushRequestFrame, ack: AckCallback<StoredResult>) => void;
  snapshot: (request: SnapshotRequestFrame, ack: AckCallback<StoredResult>) => void;
  presence: (request: PresenceRequestFrame, ack: AckCallback<EmptyResult>) => void;
  fetch: (request: FetchRequest, ack: AckCallback<FetchResultFrame>) => void;
}

/** What the server emits, as it travels (envelopes as encoded blobs). */
export interface ServerToClientEvents {
  envelope: (notice: EnvelopeNoticeFrame) => void;
  presence: (notice: PresenceNoticeFrame) => void;
  mailbox: (notice: MailboxNotice) => void;
  membership: (notice: MembershipNotice) => void;
  revoked: (notice: RevokedNotice) => void;
  certificates: (notice: CertificatesNotice) => void;
  enrolment: (notice: EnrolmentNotice) => void;
}

/**
 * Events between server processes. None: with the Redis adapter, room broadcasts and
 * `in(room).socketsLeave()/disconnectSockets()` already reach sockets on every process.
 */
export type InterServerEvents = Record<never, never>;

/** What the server keeps on each authenticated socket (`socket.data`), set by the handshake middleware. */
export interface SocketData {
  device: DeviceRef;
  /** ms since epoch: the session token's expiry; the server disconnects the socket then */
  sessionExpiresAt: number;
}

/** Name of a client → server event. */
export type ClientToServerEventName = (typeof CLIENT_TO_SERVER_EVENTS)[number];
/** Name of a server → client event. */
export type ServerToClientEventName = (typeof SERVER_TO_CLIENT_EVENTS)[number];

// Compile-time proof that the name lists and the event maps name the same events.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _clientNamesComplete: SameKeys<ClientToServerEventName, keyof ClientToServerEvents> = true;
const _serverNamesComplete: SameKeys<ServerToClientEventName, keyof ServerToClientEvents> = true;

/** Request schema and ack schema of every client → server event. */
export const CLIENT_EVENT_SCHEMAS = {
  join: { request: joinRequestSchema, ack: joinAckSchema },
  leave: { request: leaveRequestSchema, ack: leaveAckSchema },
  push: { request: pushRequestSchema, ack: pushAckSchema },
  snapshot: { request: snapshotRequestSchema, ack: snapshotAckSchema },
  presence: { request: presenceRequestSchema, ack: presenceAckSchema },
  fetch: { request: fetchRequestSchema, ack: fetchAckSchema },
} as const satisfies Record<ClientToServerEventName, { request: z.ZodType; ack: z.ZodType }>;

/** Payload schema of every server → client event. */
export const SERVER_EVENT_SCHEMAS = {
  envelope: envelopeNoticeSchema,
  presence: presenceNoticeSchema,
  mailbox: mailboxNoticeSchema,
  membership: membershipNoticeSchema,
  revoked: revokedNoticeSchema,
  certificates: certificatesNoticeSchema,
  enrolment: enrolmentNoticeSchema,
} as const satisfies Record<ServerToClientEventName, z.ZodType>;

/** Request of client event `E` as its receiver holds it after parsing (envelopes decoded). */
export type ParsedRequest<E extends ClientToServerEventName> = z.output<(typeof CLIENT_EVENT_SCHEMAS)[E]['request']>;
/** Ack of client event `E` as its receiver holds it after parsing (envelopes decoded). */
export type ParsedAck<E extends ClientToServerEventName> = z.output<(typeof CLIENT_EVENT_SCHEMAS)[E]['ack']>;
/** Payload of server event `E` as its receiver holds it after parsing (envelopes decoded). */
export type ParsedNotice<E extends ServerToClientEventName> = z.output<(typeof SERVER_EVENT_SCHEMAS)[E]>;

/** socket.io handshake `auth`: the session token from login and the socket protocol version spoken. */
export const handshakeAuthSchema = z.strictObject({ token: sessionTokenSchema, v: z.literal(SOCKET_PROTOCOL_VERSION) });
/** socket.io handshake `auth`. */
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;

/** Result of {@link parseHandshakeAuth}. */
export type HandshakeAuthResult =
  | { readonly ok: true; readonly auth: HandshakeAuth }
  | { readonly ok: false; readonly code: 'unsupported_version' | 'unauthenticated'; readonly message: string };

/**
 * Parses `socket.handshake.auth`, telling a client that speaks another protocol
 * version (so it must upgrade, not re-login) from one without a usable token. Never throws.
 */
export function parseHandshakeAuth(auth: unknown): HandshakeAuthResult {
  const parsed = handshakeAuthSchema.safeParse(auth);
  if (parsed.success) return { ok: true, auth: parsed.data };
  const version = typeof auth === 'object' && auth !== null ? (auth as { v?: unknown }).v : undefined;
  if (version !== SOCKET_PROTOCOL_VERSION) {
    return { ok: false, code: 'unsupported_version', message: `socket protocol version ${SOCKET_PROTOCOL_VERSION} required` };
  }
  return { ok: false, code: 'unauthenticated', message: 'missing or malformed token' };
}

/**
 * `data` of the error a refused handshake produces (`connect_error` on the client):
 * the server sets `err.data = { code, message }`.
 */
export const connectErrorDataSchema = z.strictObject({
  code: errorCodeSchema,
  message: z.string().max(MAX_ERROR_MESSAGE_CHARS),
});
/** `data` of a refused handshake's error. */
export type ConnectErrorData = z.infer<typeof connectErrorDataSchema>;
