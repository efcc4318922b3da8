/**
 * Who may talk to the agent: only this machine's browser tab that was handed the
 * per-start token. Three checks on every API request and WebSocket upgrade:
 *
 * 1. Host must name this agent (`127.0.0.1:<port>` or `localhost:<port>`). A DNS-rebinding
 *    page reaches 127.0.0.1 under its own host name, so its Host header gives it away.
 * 2. Origin, when the browser sends one, must be the same origin as the Host. A foreign
 *    page's fetch or WebSocket carries its own Origin.
 * 3. The token: `Authorization: Bearer` on requests, or the token value offered in
 *    `Sec-WebSocket-Protocol` on WebSocket handshakes (browsers cannot set headers there).
 *    No cookie and no query parameter: cookies are not isolated by port (a page on any
 *    other 127.0.0.1 port received the old token cookie), and a URL's query ends up in
 *    history and logs. The page gets the token from the address's fragment (see
 *    @yhteispoyta/local-api/auth), which the browser never sends.
 *
 * Page loads (the built UI's static files) need no token — they hold nothing secret, and a
 * tab without the token shows how to open the agent's address — but still the Host check.
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes, utf8, bytesEqual } from '@yhteispoyta/crypto/bytes';
import { tokenFromAuthorization, tokenFromProtocols } from '@yhteispoyta/local-api/auth';

/** A fresh random API token: 32 bytes, base64url. */
export function generateApiToken(): string {
  return Buffer.from(randomBytes(32)).toString('base64url');
}

/** How a request proved it holds the token (`none`: a page load, which needs none). */
type TokenSource = 'header' | 'protocol' | 'none';

/** Result of {@link checkRequest}. */
export type RequestCheck =
  | { readonly ok: true; readonly via: TokenSource; readonly host: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly code: 'unauthorized' | 'forbidden_host' | 'forbidden_origin'; readonly message: string };

/** What {@link checkRequest} needs to know. */
export interface RequestCheckOptions {
  readonly port: number;
  readonly token: string;
  /** what is asked: an API call, a WebSocket upgrade, or a page of the UI (no token needed) */
  readonly kind: 'api' | 'upgrade' | 'page';
}

/** The Host values this agent answers to. */
function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Check Host, Origin and the token of a request or WebSocket upgrade. */
export function checkRequest(req: IncomingMessage, opts: RequestCheckOptions): RequestCheck {
  const host = req.headers.host;
  if (host === undefined || !allowedHosts(opts.port).includes(host.toLowerCase())) {
    return { ok: false, status: 403, code: 'forbidden_host', message: 'This agent only answers to 127.0.0.1 and localhost.' };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}`) {
    return { ok: false, status: 403, code: 'forbidden_origin', message: 'Requests from other origins are refused.' };
  }
  if (opts.kind === 'page') return { ok: true, via: 'none', host };
  const unauthorized = { ok: false, status: 401, code: 'unauthorized', message: 'A valid agent token is required.' } as const;

  const header = req.headers.authorization;
  if (header !== undefined) {
    const fromHeader = tokenFromAuthorization(header);
    return fromHeader !== undefined && tokenMatches(fromHeader, opts.token) ? { ok: true, via: 'header', host } : unauthorized;
  }
  if (opts.kind === 'upgrade') {
    const fromProtocol = tokenFromProtocols(req.headers['sec-websocket-protocol']);
    if (fromProtocol !== undefined && tokenMatches(fromProtocol, opts.token)) return { ok: true, via: 'protocol', host };
  }
  return unauthorized;
}

function tokenMatches(candidate: string, token: string): boolean {
  return bytesEqual(utf8(candidate), utf8(token));
}
