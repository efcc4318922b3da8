/**
 * Where the REST client and the socket link get the device's session token. The login
 * session (account/login-session.ts) is the real source; tests pass a fixed one.
 */

/** A provider of session tokens for authenticated requests. */
export interface TokenSource {
  /** A token that is valid now, logging in first when there is none or it is about to expire. */
  current(): Promise<string>;
  /** Discard the current token (the server refused it) and log in again. */
  renew(): Promise<string>;
}
