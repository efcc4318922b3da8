/**
 * Error vocabulary of the wire protocol: stable codes, their HTTP statuses, the REST
 * error body, the socket.io ack shape, and the exception server code throws.
 */
import { z } from 'zod';
import { boundedRecord, detailKeySchema, idSchema } from './fields';

/** Every error code the server may answer with, over REST or in a socket.io ack. */
export const ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'rate_limited',
  // a quota of the deployment (issue 15): blob bytes or count per user or workspace, workspaces per user
  'quota_exceeded',
  // the recipient's mailbox holds as many items as the deployment allows; it frees as he acknowledges them
  'mailbox_full',
  'stale_snapshot',
  'clock_gap',
  'clock_replay',
  'bad_signature',
  'invalid_chain',
  'expired',
  'unsupported_version',
  'beyond_log_size',
  'internal',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Parses an {@link ErrorCode}. */
export const errorCodeSchema = z.enum(ERROR_CODES);

// `satisfies` makes a missing or unknown code a compile error, not a runtime surprise.
const HTTP_STATUS = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  quota_exceeded: 413,
  mailbox_full: 429,
  // The three ordering conflicts are 409 like `conflict`: the request was well formed
  // but lost against the current state; the client refreshes and retries.
  stale_snapshot: 409,
  clock_gap: 409,
  clock_replay: 409,
  bad_signature: 400,
  invalid_chain: 400,
  expired: 410,
  unsupported_version: 400,
  // A consistency proof was asked from a tree larger than the log: an agent holding a
  // signed head that large has caught the log shrinking (a rewritten history).
  beyond_log_size: 400,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;

/** The HTTP status a REST response carrying `code` has. */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** Longest error message sent on the wire; server messages are short and never echo input. */
export const MAX_ERROR_MESSAGE_CHARS = 500;

/** A value in {@link ErrorDetails}: flat JSON scalars only, so details never carry structures. */
export type ErrorDetailValue = string | number | boolean | null;

/** Machine-readable extra facts of an error (e.g. `activeSnapshotId` of `stale_snapshot`). */
export type ErrorDetails = Readonly<Record<string, ErrorDetailValue>>;

/** Parses {@link ErrorDetails}: at most 16 entries of short scalars. */
const errorDetailsSchema = boundedRecord(
  detailKeySchema,
  z.union([z.string().max(256), z.number(), z.boolean(), z.null()]),
  16,
);

const errorMessageSchema = z.string().max(MAX_ERROR_MESSAGE_CHARS);

/**
 * The body of every non-2xx REST response. `id` identifies this occurrence (it is
 * logged with the request) so a user report can be matched to a server log line.
 */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly id: string };
}

/** Parses an {@link ErrorBody}. */
export const errorBodySchema: z.ZodType<ErrorBody> = z.strictObject({
  error: z.strictObject({ code: errorCodeSchema, message: errorMessageSchema, id: idSchema }),
});

/** The failure half of {@link Ack}. */
export interface AckFailure {
  readonly ok: false;
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details?: ErrorDetails };
}

/**
 * What every client→server socket.io event answers through its ack callback: the
 * success fields next to `ok: true`, or an error. `Ack<Record<never, never>>` is a bare `{ ok: true }`.
 */
export type Ack<T> = ({ readonly ok: true } & T) | AckFailure;

/** Parses an {@link AckFailure}. */
export const ackFailureSchema: z.ZodType<AckFailure> = z.strictObject({
  ok: z.literal(false),
  error: z.strictObject({
    code: errorCodeSchema,
    message: errorMessageSchema,
    details: errorDetailsSchema.optional(),
  }),
});

/**
 * Parses the ack of an event from its success fields (a strict object): the client
 * must not trust what a server answers any more than the server trusts a client.
 */
export function ackSchema<Shape extends z.ZodRawShape>(success: z.ZodObject<Shape, z.core.$strict>) {
  return z.union([success.extend({ ok: z.literal(true) }), ackFailureSchema]);
}

/**
 * The exception server code throws for an expected refusal; the REST and socket
 * layers turn it into an {@link ErrorBody} or an {@link AckFailure}. The message goes on
 * the wire, so it must not contain secrets or echo untrusted input.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  /** `message` is cut to {@link MAX_ERROR_MESSAGE_CHARS} so that the body it becomes always parses. */
  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message.slice(0, MAX_ERROR_MESSAGE_CHARS));
    this.code = code;
    this.details = details;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return httpStatusOf(this.code);
  }

  /** The REST body, tagged with the occurrence id the server logged. */
  toBody(id: string): ErrorBody {
    return { error: { code: this.code, message: this.message, id } };
  }

  /** The socket.io ack failure. */
  toAck(): AckFailure {
    const error = this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
    return { ok: false, error };
  }
}

/**
 * Any thrown value as a {@link ProtocolError}: itself if it is one, otherwise `internal`
 * with a fixed message, so an unexpected exception never leaks its text to a client.
 */
export function asProtocolError(thrown: unknown): ProtocolError {
  return thrown instanceof ProtocolError ? thrown : new ProtocolError('internal', 'internal error');
}
