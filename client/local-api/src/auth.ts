/**
 * How a page proves to its agent that it holds the per-start token, without cookies.
 *
 * Cookies are not isolated by port: a page served from any other 127.0.0.1 port receives
 * a cookie set by the agent. So the token travels only where another origin cannot read it:
 * in the URL fragment the agent prints (never sent over HTTP), then in the tab's
 * `sessionStorage` (per origin, port included), then as `Authorization: Bearer` on every
 * request and as a `Sec-WebSocket-Protocol` value on WebSocket handshakes (a browser
 * cannot set headers there). The agent echoes {@link AGENT_WS_PROTOCOL}, never the token.
 */

/** The protocol the agent selects in its handshake answer. */
export const AGENT_WS_PROTOCOL = 'yhteispoyta.v1';
/** Prefix of the protocol value that carries the token. */
const TOKEN_PROTOCOL_PREFIX = 'yhteispoyta.token.';
/** What a token looks like: 32 bytes in base64url (the agent's), at most 256 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

/** The `Sec-WebSocket-Protocol` values a page offers: ours, then the one carrying the token. */
export function webSocketProtocols(token: string): string[] {
  return [AGENT_WS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/** The token offered in a `Sec-WebSocket-Protocol` header, if any (a well-formed one). */
export function tokenFromProtocols(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const raw of header.split(',')) {
    const value = raw.trim();
    if (!value.startsWith(TOKEN_PROTOCOL_PREFIX)) continue;
    const token = value.slice(TOKEN_PROTOCOL_PREFIX.length);
    return TOKEN_SHAPE.test(token) ? token : undefined;
  }
  return undefined;
}

/** The token of an `Authorization: Bearer` header; undefined when absent or malformed. */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(header);
  return match?.[1];
}

/** The address that opens the UI with its token: `<url>/#token=<token>`. */
export function openAddress(url: string, token: string): string {
  return `${url}/#token=${token}`;
}

/** The token in a location's fragment (`#token=…`), if any. */
export function tokenFromFragment(hash: string): string | undefined {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('token');
  return token !== null && TOKEN_SHAPE.test(token) ? token : undefined;
}
