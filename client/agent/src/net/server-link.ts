/**
 * The agent's socket.io connection to the central server: authenticated with a fresh
 * session token on every (re)connection attempt, reconnecting by itself with backoff
 * (also after the server closed the connection or refused the handshake, where
 * socket.io would give up), acks and notices parsed with the protocol's schemas.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import { CLIENT_EVENT_SCHEMAS, SERVER_EVENT_SCHEMAS, SOCKET_PROTOCOL_VERSION, SERVER_TO_CLIENT_EVENTS, connectErrorDataSchema } from '@yhteispoyta/crypto/protocol';
import type { Ack, ClientToServerEvents, ParsedAck, ParsedNotice, ServerToClientEvents } from '@yhteispoyta/crypto/protocol';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { LinkAck, LinkOffline, LinkStatus, ProblemSink, RestClient, ServerLink, ServerSocket } from '../contracts';
import { RestError } from '../contracts';
import type { TokenSource } from './token-source';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';

/** Options of {@link SocketServerLink}. */
export interface ServerLinkOptions {
  /** the server's base URL (the socket.io endpoint is its default path) */
  readonly url: string;
  readonly rest: RestClient;
  readonly tokens: TokenSource;
  readonly problems: ProblemSink;
  readonly log?: Logger;
  /** default ack timeout of {@link SocketServerLink.request} */
  readonly requestTimeoutMs?: number;
  /** first reconnection delay; doubles per failed attempt up to `reconnectDelayMaxMs` */
  readonly reconnectDelayMs?: number;
  readonly reconnectDelayMaxMs?: number;
}

type AckOfEvent<E extends keyof ClientToServerEvents> = ParsedAck<E> extends Ack<infer T> ? LinkAck<T> : never;
type NoticeOf<E extends keyof ServerToClientEvents> = ParsedNotice<E>;

/** The socket seen without the event maps, for the generic emit and listen paths (payloads are parsed). */
interface UntypedSocket {
  timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<unknown> };
  on(event: string, listener: (payload: unknown) => void): unknown;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

function offlineFailure(message: string): LinkOffline {
  return { ok: false, error: { code: 'offline', message } };
}

/** {@link ServerLink} over socket.io-client. Connects on construction. */
export class SocketServerLink implements ServerLink {
  readonly rest: RestClient;
  readonly #socket: ServerSocket;
  readonly #tokens: TokenSource;
  readonly #problems: ProblemSink;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #delayMs: number;
  readonly #delayMaxMs: number;
  readonly #notice = new Map<string, Listeners<[notice: unknown]>>();
  readonly #online = new Listeners((error) => this.#listenerFailed(error));
  readonly #offline = new Listeners((error) => this.#listenerFailed(error));
  #status: LinkStatus = 'connecting';
  #renewToken = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #refusalReported = false;

  /** Connect to `opts.url` and keep connecting until {@link close}. */
  constructor(opts: ServerLinkOptions) {
    this.rest = opts.rest;
    this.#tokens = opts.tokens;
    this.#problems = opts.problems;
    this.#log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'net/server-link' });
    this.#timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#delayMs = opts.reconnectDelayMs ?? 1000;
    this.#delayMaxMs = opts.reconnectDelayMaxMs ?? 30_000;
    const socket: ServerSocket = io(opts.url, {
      transports: ['websocket'],
      parser: relayParser,
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: this.#delayMs,
      reconnectionDelayMax: this.#delayMaxMs,
      randomizationFactor: 0.5,
      // The callback form runs before every attempt, so each one carries a current token.
      auth: (cb) => void this.#handshake().then(cb),
    });
    this.#socket = socket;
    socket.on('connect', () => this.#onConnect());
    socket.on('disconnect', (reason) => this.#onDisconnect(reason));
    socket.on('connect_error', (error) => this.#onConnectError(error));
    for (const event of SERVER_TO_CLIENT_EVENTS) {
      (socket as unknown as UntypedSocket).on(event, (payload) => this.#dispatch(event, payload));
    }
    socket.connect();
  }

  status(): LinkStatus {
    return this.#status;
  }

  async request<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
    timeoutMs?: number,
  ): Promise<AckOfEvent<E>> {
    if (this.#closed || !this.#socket.connected) return offlineFailure('not connected') as AckOfEvent<E>;
    let raw: unknown;
    try {
      raw = await (this.#socket as unknown as UntypedSocket).timeout(timeoutMs ?? this.#timeoutMs).emitWithAck(event, payload);
    } catch {
      return offlineFailure(`no answer to ${event}`) as AckOfEvent<E>;
    }
    const parsed = CLIENT_EVENT_SCHEMAS[event].ack.safeParse(raw);
    if (!parsed.success) {
      this.#log.warn({ event }, 'ack does not match the protocol');
      this.#problems.report({ code: 'server_error', message: `The server answered a ${event} request in a form the protocol does not allow.` });
      return { ok: false, error: { code: 'internal', message: `bad_response: ${event} ack does not match the protocol` } } as AckOfEvent<E>;
    }
    // The event's own ack schema produced this value.
    return parsed.data as AckOfEvent<E>;
  }

  onNotice<E extends keyof ServerToClientEvents>(event: E, listener: (notice: NoticeOf<E>) => void): () => void {
    let listeners = this.#notice.get(event);
    if (listeners === undefined) {
      listeners = new Listeners((error) => this.#listenerFailed(error, event));
      this.#notice.set(event, listeners);
    }
    // The dispatch parses each notice with its event's schema before listeners get it.
    return listeners.add(listener as (notice: unknown) => void);
  }

  onOnline(listener: () => void): () => void {
    return this.#online.add(listener);
  }

  onOffline(listener: () => void): () => void {
    return this.#offline.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#socket.disconnect();
    this.#status = 'offline';
    this.#notice.clear();
    this.#online.clear();
    this.#offline.clear();
  }

  async #handshake(): Promise<{ token: string; v: typeof SOCKET_PROTOCOL_VERSION }> {
    const renew = this.#renewToken;
    this.#renewToken = false;
    try {
      const token = renew ? await this.#tokens.renew() : await this.#tokens.current();
      this.#refusalReported = false;
      return { token, v: SOCKET_PROTOCOL_VERSION };
    } catch (error) {
      if (error instanceof RestError && error.code !== 'offline' && !this.#refusalReported) {
        this.#refusalReported = true;
        this.#problems.report({ code: 'forbidden', message: `The server refused this device's login (${error.code}).` });
      }
      this.#log.info({ reason: error instanceof RestError ? error.code : 'error' }, 'no session token for the handshake');
      // An empty token is refused by the server; the refusal schedules the next attempt.
      return { token: '', v: SOCKET_PROTOCOL_VERSION };
    }
  }

  #onConnect(): void {
    this.#attempt = 0;
    this.#status = 'online';
    this.#log.info('online');
    this.#online.emit();
  }

  #onDisconnect(reason: string): void {
    if (this.#closed) return;
    this.#log.info({ reason }, 'offline');
    const wasOnline = this.#status === 'online';
    this.#status = 'connecting';
    // The server ending the session (expiry, revocation) stops socket.io's own reconnection.
    if (!this.#socket.active) this.#scheduleReconnect();
    if (wasOnline) this.#offline.emit();
  }

  #onConnectError(error: Error): void {
    if (this.#closed) return;
    const data = connectErrorDataSchema.safeParse((error as Error & { data?: unknown }).data);
    const code = data.success ? data.data.code : undefined;
    this.#log.info({ code: code ?? 'transport' }, 'connection attempt failed');
    if (code === 'unsupported_version') {
      this.#problems.report({ code: 'server_error', message: 'The server speaks another protocol version; this agent must be updated.' });
      this.#status = 'offline';
      return;
    }
    if (code === 'unauthenticated') this.#renewToken = true;
    this.#status = 'connecting';
    if (!this.#socket.active) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#retry);
    const base = Math.min(this.#delayMaxMs, this.#delayMs * 2 ** Math.min(this.#attempt, 16));
    this.#attempt += 1;
    const delay = base * (0.5 + Math.random() * 0.5);
    this.#retry = setTimeout(() => {
      if (!this.#closed && !this.#socket.connected) this.#socket.connect();
    }, delay);
  }

  #dispatch(event: keyof ServerToClientEvents, payload: unknown): void {
    const parsed = SERVER_EVENT_SCHEMAS[event].safeParse(payload);
    if (!parsed.success) {
      this.#log.warn({ event }, 'notice does not match the protocol');
      this.#problems.report({ code: 'server_error', message: `The server sent a ${event} notice the protocol does not allow; it was ignored.` });
      return;
    }
    this.#notice.get(event)?.emit(parsed.data);
  }

  #listenerFailed(error: unknown, event?: string): void {
    const err = error instanceof Error ? error.message : 'unknown';
    if (event === undefined) this.#log.error({ err }, 'link listener failed');
    else this.#log.error({ event, err }, 'notice listener failed');
  }
}
