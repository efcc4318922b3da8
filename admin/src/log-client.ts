/**
 * A client of the transparency log's public routes (no token: anyone may read the log).
 * What it returns parsed; whether it is true (signatures, roots, consistency) is for the
 * caller to verify — see monitor/read-log.ts.
 */
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { LogEntriesResponse, LogResponse } from '@yhteispoyta/crypto/protocol';
import { callRoute, DEFAULT_TIMEOUT_MS, parseServerUrl } from './rest-call';
import type { RestConnection } from './rest-call';

/** Options of {@link LogClient}. */
export interface LogClientOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** The transparency log of one server. */
export class LogClient {
  readonly #connection: RestConnection;

  constructor(opts: LogClientOptions) {
    this.#connection = { baseUrl: parseServerUrl(opts.baseUrl), fetch: opts.fetch ?? fetch, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  }

  /** The log key, the root's certificate of it (or null) and the current head. */
  async getLog(): Promise<LogResponse> {
    return callRoute(this.#connection, 'getLog', REST_ROUTES.getLog.path, undefined);
  }

  /** The entries from leaf `start` (at most `count`), with the head they were read under. */
  async entries(start: number, count: number): Promise<LogEntriesResponse> {
    return callRoute(this.#connection, 'logEntries', `${REST_ROUTES.logEntries.path}?start=${start}&count=${count}`, undefined);
  }
}
