/**
 * What the server may answer to hostile input, judged from `unknown`: a REST error must
 * be the protocol's ErrorBody with the status of its code, a socket.io ack must parse
 * with the event's ack schema, a refused handshake must carry the protocol's connect
 * error data. `internal` is never acceptable: it means hostile input reached code that
 * threw instead of refusing.
 */
import {
  ackFailureSchema,
  CLIENT_EVENT_SCHEMAS,
  CLIENT_TO_SERVER_EVENTS,
  connectErrorDataSchema,
  ERROR_CODES,
  errorBodySchema,
  httpStatusOf,
  REST_ROUTES,
} from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName, ErrorCode, RouteSpec } from '@yhteispoyta/crypto/protocol';

/** The judgement of one reply: an accepted outcome (with a label for the statistics) or a problem. */
export type Verdict = { readonly ok: true; readonly outcome: string } | { readonly ok: false; readonly problem: string };

/** A REST reply as received. */
export interface RestReply {
  readonly method: string;
  /** the request target (path and query) */
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  readonly requestId: string | undefined;
  readonly body: Uint8Array;
}

const fail = (problem: string): Verdict => ({ ok: false, problem });
const pass = (outcome: string): Verdict => ({ ok: true, outcome });

const ERROR_STATUSES = new Set(ERROR_CODES.filter((c) => c !== 'internal').map((c) => httpStatusOf(c)));

function parseJson(body: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(body).toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function preview(body: Uint8Array): string {
  return Buffer.from(body.subarray(0, 200)).toString('utf8');
}

/** A 2xx JSON body must be the response of some route of that method. */
function isSomeResponse(method: string, value: unknown): boolean {
  return Object.values(REST_ROUTES).some((spec: RouteSpec) => spec.method === method && spec.stream !== 'download' && spec.response.safeParse(value).success);
}

/**
 * engine.io's own HTTP endpoint (`/socket.io/`, socket.io's polling transport and
 * upgrade) answers in engine.io's error vocabulary: `{ code: 0-5, message }`.
 */
function isEngineIoPath(path: string): boolean {
  return /^\/socket\.io(?:\/|\?|$)/i.test(path);
}

function isEngineIoError(reply: RestReply): boolean {
  const parsed = parseJson(reply.body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return false;
  const { code, message } = parsed.value as { code?: unknown; message?: unknown };
  return Number.isInteger(code) && (code as number) >= 0 && (code as number) <= 5 && typeof message === 'string';
}

/** Judge a REST reply. */
export function checkRestReply(reply: RestReply): Verdict {
  const method = reply.method.toUpperCase();
  const json = reply.contentType.startsWith('application/json');
  if (isEngineIoPath(reply.path)) {
    if ((reply.status === 400 || reply.status === 403) && json && isEngineIoError(reply)) return pass(`engine.io refused (${reply.status})`);
    if (reply.status === 200 && reply.contentType.startsWith('text/plain')) return pass('engine.io polling answered');
  }
  if (reply.status >= 200 && reply.status < 300) {
    if (method === 'HEAD') return pass('rest 2xx head');
    if (!json) {
      return method === 'GET' && reply.contentType === 'application/octet-stream'
        ? pass('rest 200 download')
        : fail(`2xx with content type ${reply.contentType || 'none'}: ${preview(reply.body)}`);
    }
    const parsed = parseJson(reply.body);
    if (!parsed.ok || !isSomeResponse(method, parsed.value)) return fail(`2xx body is no response of a ${method} route: ${preview(reply.body)}`);
    return pass('rest accepted');
  }
  if (method === 'HEAD') {
    return ERROR_STATUSES.has(reply.status) ? pass(`rest ${reply.status} head`) : fail(`HEAD answered ${reply.status}`);
  }
  if (!json) return fail(`${reply.status} with content type ${reply.contentType || 'none'}: ${preview(reply.body)}`);
  const parsed = parseJson(reply.body);
  const body = parsed.ok ? errorBodySchema.safeParse(parsed.value) : undefined;
  if (body === undefined || !body.success) return fail(`${reply.status} body is not an ErrorBody: ${preview(reply.body)}`);
  const { code, id } = body.data.error;
  if (code === 'internal') return fail(`internal error (500) id ${id}`);
  if (httpStatusOf(code) !== reply.status) return fail(`status ${reply.status} does not belong to code ${code}`);
  if (reply.requestId !== id) return fail(`x-request-id ${String(reply.requestId)} differs from the error id ${id}`);
  return pass(`rest ${code}`);
}

/** Whether an event name is one the server listens to. */
export function isClientEvent(event: string): event is ClientToServerEventName {
  return (CLIENT_TO_SERVER_EVENTS as readonly string[]).includes(event);
}

/** Judge the ack of a known client event. */
export function checkAck(event: ClientToServerEventName, ack: unknown): Verdict {
  const parsed = CLIENT_EVENT_SCHEMAS[event].ack.safeParse(ack);
  if (!parsed.success) return fail(`${event} ack does not parse: ${JSON.stringify(ack)?.slice(0, 300)}`);
  const failure = ackFailureSchema.safeParse(ack);
  if (!failure.success) return pass(`${event} accepted`);
  const code: ErrorCode = failure.data.error.code;
  if (code === 'internal') return fail(`${event} answered internal: ${JSON.stringify(failure.data.error.details ?? {})}`);
  return pass(`${event} ${code}`);
}

/** Judge a refused handshake's error data. */
export function checkConnectError(data: unknown): Verdict {
  const parsed = connectErrorDataSchema.safeParse(data);
  if (!parsed.success) return fail(`connect error data is not typed: ${JSON.stringify(data)?.slice(0, 300)}`);
  if (parsed.data.code === 'internal') return fail('handshake answered internal');
  return pass(`handshake ${parsed.data.code}`);
}

/**
 * Judge the frames a raw-frame session received: acks (`43<id>[…]`) must be typed and
 * never internal; connect errors (`44{…}`) must carry typed data.
 */
export function checkRawFrames(received: readonly string[]): Verdict {
  for (const frame of received) {
    const ack = /^43\d*(\[.*)$/s.exec(frame);
    if (ack?.[1] !== undefined) {
      const parsed = parseJson(Buffer.from(ack[1]));
      const first: unknown = parsed.ok && Array.isArray(parsed.value) ? (parsed.value as unknown[])[0] : undefined;
      if (typeof first !== 'object' || first === null || typeof (first as { ok?: unknown }).ok !== 'boolean') {
        return fail(`raw ack is not an Ack: ${frame.slice(0, 200)}`);
      }
      if ((first as { ok: boolean }).ok === false) {
        const failure = ackFailureSchema.safeParse(first);
        if (!failure.success) return fail(`raw ack failure is not typed: ${frame.slice(0, 200)}`);
        if (failure.data.error.code === 'internal') return fail('raw frame answered internal');
      }
    }
    const refused = /^44(\{.*)$/s.exec(frame);
    if (refused?.[1] !== undefined) {
      const parsed = parseJson(Buffer.from(refused[1]));
      const data: unknown = parsed.ok ? (parsed.value as { data?: unknown }).data : undefined;
      const verdict = checkConnectError(data);
      if (!verdict.ok) return verdict;
    }
  }
  return pass('raw frames answered or dropped');
}
