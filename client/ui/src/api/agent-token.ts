/**
 * The agent's per-start token as this tab keeps it. The agent prints `…/#token=<token>`;
 * the fragment never reaches any server. On load the token moves to this tab's
 * `sessionStorage` (per origin, port included, and per tab) and leaves the address bar
 * and history, so a reload still works and nothing another 127.0.0.1 port can read
 * (as it could the old cookie) ever holds it. Every request carries it as
 * `Authorization: Bearer`, every WebSocket as an offered protocol.
 */
import { tokenFromFragment, webSocketProtocols } from '@yhteispoyta/local-api';

const TOKEN_KEY = 'yhteispoyta:agent-token';

/** What the token module touches of the page (replaced in unit tests). */
export interface TokenPlace {
  readonly location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  readonly history: Pick<History, 'replaceState'>;
  readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

function browserPlace(): TokenPlace {
  return { location: window.location, history: window.history, storage: window.sessionStorage };
}

/**
 * Take a token out of the address (`#token=…`) into the tab's session storage and replace
 * the address with one without it (the app's own route `#/`). Returns the token the tab now has.
 */
export function adoptAgentToken(place: TokenPlace = browserPlace()): string | undefined {
  const fromAddress = tokenFromFragment(place.location.hash);
  if (fromAddress !== undefined) {
    place.storage.setItem(TOKEN_KEY, fromAddress);
    place.history.replaceState(null, '', `${place.location.pathname}${place.location.search}#/`);
  } else if (/^#token=/.test(place.location.hash)) {
    // A malformed token is not kept in the address either.
    place.history.replaceState(null, '', `${place.location.pathname}${place.location.search}#/`);
  }
  return agentToken(place);
}

/** The token this tab holds, if any. */
export function agentToken(place: TokenPlace = browserPlace()): string | undefined {
  return place.storage.getItem(TOKEN_KEY) ?? undefined;
}

/** Forget the token (the agent refused it: it was restarted and has a new one). */
export function forgetAgentToken(place: TokenPlace = browserPlace()): void {
  place.storage.removeItem(TOKEN_KEY);
}

/** The headers that authenticate a request to the agent. */
export function agentAuthHeaders(): Record<string, string> {
  const token = agentToken();
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** The WebSocket protocols that authenticate a socket to the agent. */
export function agentSocketProtocols(): string[] {
  const token = agentToken();
  return token === undefined ? [] : webSocketProtocols(token);
}
