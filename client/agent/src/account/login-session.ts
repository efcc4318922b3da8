/**
 * Challenge–response login (docs/design.md §3): the server sends a nonce, the device signs
 * `loginSigningBytes(nonce, device)` with its identity key and receives a short-lived
 * bearer token. The token lives in memory only and is replaced before it expires.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { loginSigningBytes } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { TokenSource } from '../net/token-source';

/** A token is replaced when less than this share of its lifetime is left … */
const REFRESH_SHARE = 0.2;
/** … but never later than this before its expiry. */
const MAX_REFRESH_MARGIN_MS = 60_000;

/** How long a token is used when our clock says it already expired. */
const SKEWED_TOKEN_USE_MS = 30_000;

/** Options of {@link LoginSession}. */
export interface LoginSessionOptions {
  readonly now?: () => number;
  readonly log?: Logger;
}

/** The session tokens of one device: a {@link TokenSource} that logs in when needed. */
export class LoginSession implements TokenSource {
  readonly #rest: RestClient;
  readonly #device: DeviceRef;
  readonly #identityKey: PrivateKey;
  readonly #now: () => number;
  readonly #log: Logger;
  #token: { value: string; refreshAt: number; expiresAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  /** `rest` is only used for the unauthenticated challenge and login routes. */
  constructor(rest: RestClient, device: DeviceRef, identityKey: PrivateKey, opts: LoginSessionOptions = {}) {
    this.#rest = rest;
    this.#device = { userId: device.userId, deviceId: device.deviceId };
    this.#identityKey = identityKey;
    this.#now = opts.now ?? Date.now;
    this.#log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'account/login' });
  }

  async current(): Promise<string> {
    const token = this.#token;
    if (token !== undefined && this.#now() < token.refreshAt) return token.value;
    return this.renew();
  }

  renew(): Promise<string> {
    // Concurrent callers (several 401s at once, a reconnect) share one login.
    this.#inFlight ??= this.#login().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** ms since epoch when the current token expires, if there is one. */
  expiresAt(): number | undefined {
    return this.#token?.expiresAt;
  }

  /** Forget the token (lock, shutdown). */
  forget(): void {
    this.#token = undefined;
  }

  async #login(): Promise<string> {
    const challenge = await this.#rest.call('authChallenge', { body: { ...this.#device } });
    const nonce = fromBase64(challenge.nonce);
    // The response schema already checked it is base64 of 32 bytes.
    if (nonce === undefined) throw new RestError('bad_response', 'login challenge without a nonce');
    const signature = this.#identityKey.sign(loginSigningBytes(nonce, this.#device));
    const issued = await this.#rest.call('login', { body: { challengeId: challenge.challengeId, signature: toBase64(signature) } });
    const now = this.#now();
    const lifetime = issued.expiresAt - now;
    // A token that looks expired on arrival means our clock runs ahead of the server's;
    // the server judges validity, so use it briefly and log in again soon.
    if (lifetime <= 0) this.#log.warn('session expiry lies in the past by this device clock');
    const refreshAt = lifetime <= 0 ? now + SKEWED_TOKEN_USE_MS : issued.expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, lifetime * REFRESH_SHARE);
    this.#token = { value: issued.token, refreshAt, expiresAt: issued.expiresAt };
    this.#log.info({ expiresAt: issued.expiresAt }, 'logged in');
    return issued.token;
  }
}
