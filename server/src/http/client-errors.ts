/**
 * Requests that Node's HTTP parser refuses before Express ever sees them — a request
 * head over Node's 16 KiB limit, a malformed request line or header, an unknown method —
 * are answered with the protocol's ErrorBody like every other refusal, instead of Node's
 * default bare `431`/`400` without a body: every non-2xx answer of the API must parse as
 * an ErrorBody (errors.ts), so a client never has to guess what a refusal means.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';

/** The refusal a parser error code stands for: a head over the size limit is `too_large`, anything else `bad_request`. */
export function clientErrorRefusal(code: unknown): ProtocolError {
  if (code === 'HPE_HEADER_OVERFLOW') return new ProtocolError('too_large', 'the request head is too large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ProtocolError('bad_request', 'the request was not completed in time');
  return new ProtocolError('bad_request', 'malformed HTTP request');
}

/** The raw HTTP/1.1 response of a refusal: JSON ErrorBody, request id header, connection closed. */
function clientErrorResponse(error: ProtocolError, requestId: string): string {
  const body = JSON.stringify(error.toBody(requestId));
  return [
    `HTTP/1.1 ${error.status} ${error.code}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Answer the parser's refusals on `server` with ErrorBodies (replaces Node's default clientError handling). */
export function answerClientErrors(server: http.Server, log: Logger): void {
  server.on('clientError', (error: unknown, socket: Duplex) => {
    const code = errorCode(error);
    // A connection the client already dropped, or one whose response has begun, gets nothing more.
    const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (code === 'ECONNRESET' || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const refusal = clientErrorRefusal(code);
    const requestId = toHex(randomBytes(12));
    log.info({ requestId, refusal: refusal.code, parserError: typeof code === 'string' ? code : 'unknown' }, 'request refused by the HTTP parser');
    socket.end(clientErrorResponse(refusal, requestId));
  });
}
