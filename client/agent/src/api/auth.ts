/**
 * Who may talk to the agent: only this machine's browser tab that was handed the
 * per-start token. Three checks on every request and WebSocket upgrade:
 *
 * 1. Host must name this agent (`127.0.0.1:<port>` or `localhost:<port>`). A DNS-rebinding
 *    page reaches 127.0.0.1 under its own host name, so its Host header gives it away.
 * 2. Origin, when the browser sends one, must be the same origin as the Host. A foreign
 *    page's fetch or WebSocket carries its own Origin.
 * 3. The token: `Authorization: Bearer`, the HttpOnly SameSite=Strict cookie the first
 *    page load sets, or `?token=` where a header cannot be set (WebSocket URLs, the first
 *    page load). A cookie alone does not authorise a state-changing request without an
 *    Origin header: browsers send Origin on every non-GET request, so its absence means
 *    the request did not come from our page.
 */
import type { IncomingMessage } from 'node:http';
import { randomBytes, utf8, bytesEqual } from '@yhteispoyta/crypto/bytes';

/** A fresh random API token: 32 bytes, base64url. */
export function generateApiToken(): string {
  return Buffer.from(randomBytes(32)).toString('base64url');
}

/**
 * Name of the token cookie. Cookies are not scoped by port, so two agents on one
 * machine would overwrite each other's cookie without the port in the name.
 */
export function tokenCookieName(port: number): string {
  return `yhteispoyta_${port}`;
}

/** The Set-Cookie value that remembers the token for this agent's pages. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** How a request proved it holds the token. */
export type TokenSource = 'header' | 'cookie' | 'query';

/** Result of {@link checkRequest}. */
export type RequestCheck =
  | { readonly ok: true; readonly via: TokenSource; readonly host: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly code: 'unauthorized' | 'forbidden_host' | 'forbidden_origin'; readonly message: string };

/** What {@link checkRequest} needs to know. */
export interface RequestCheckOptions {
  readonly port: number;
  readonly token: string;
  /** accept `?token=` (WebSocket upgrades and page loads only) */
  readonly allowQueryToken: boolean;
}

/** The Host values this agent answers to. */
function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

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
  const unauthorized = { ok: false, status: 401, code: 'unauthorized', message: 'A valid agent token is required.' } as const;

  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(header);
    return match?.[1] !== undefined && tokenMatches(match[1], opts.token) ? { ok: true, via: 'header', host } : unauthorized;
  }
  if (opts.allowQueryToken) {
    const fromQuery = queryToken(req.url);
    if (fromQuery !== undefined) return tokenMatches(fromQuery, opts.token) ? { ok: true, via: 'query', host } : unauthorized;
  }
  const fromCookie = cookieValue(req.headers.cookie, tokenCookieName(opts.port));
  if (fromCookie !== undefined && tokenMatches(fromCookie, opts.token)) {
    const upgrade = req.headers.upgrade !== undefined;
    if (!SAFE_METHODS.has(req.method ?? 'GET') && origin === undefined) return unauthorized;
    // Browsers always send Origin on WebSocket handshakes; without it, it is not our page.
    if (upgrade && origin === undefined) return unauthorized;
    return { ok: true, via: 'cookie', host };
  }
  return unauthorized;
}

/** The `token` query parameter of a request URL, if any. */
function queryToken(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const value = new URL(url, 'http://agent.invalid').searchParams.get('token');
  return value === null ? undefined : value;
}

function tokenMatches(candidate: string, token: string): boolean {
  return bytesEqual(utf8(candidate), utf8(token));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
