/**
 * The agent's local HTTP server: the JSON API under `/api`, the `/events` stream, the
 * y-websocket rooms under `/yjs/<workspaceId>/<docName>`, and the built UI.
 *
 * It listens on 127.0.0.1 only and refuses to start anywhere else: the API holds the
 * user's decrypted data and keys' power, so it must never be reachable from the network.
 * Every request and upgrade passes the Host/Origin/token checks of auth.ts first.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { idSchema } from '@yhteispoyta/crypto/protocol';
import type { AgentHost, AgentSession } from '../agent';
import { AGENT_WS_PROTOCOL, openAddress } from '@yhteispoyta/local-api/auth';
import { acceptanceGuard, isInvitationOnly } from './acceptance-gate';
import { checkRequest, generateApiToken } from './auth';
import { toApiError } from './errors';
import { serveEvents } from './events-socket';
import { ApiError, sendError } from './http-util';
import { bindRoutes } from './route-binding';
import { chatRoutes } from './routes-chat';
import { caseFileRoutes } from './routes-case-files';
import { historyRoutes } from './routes-history';
import { recordRoutes } from './routes-records';
import { taskRoutes } from './routes-tasks';
import { deviceRoutes } from './routes-devices';
import { hostRoutes } from './routes-host';
import { workspaceRoutes } from './routes-workspaces';
import { processingRoutes } from './routes-processing';
import { PresenceTracker } from './presence-tracker';
import { defaultUiDir, serveUi } from './static-ui';
import { YjsRooms } from './yjs-rooms';
import { openedRecorder } from '../net/audit-access';

/** The only address the API binds to. */
const API_BIND_ADDRESS = '127.0.0.1';
/** Largest y-websocket message from the browser (a large paste arrives as one update). */
const MAX_YJS_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  readonly host: AgentHost;
  /** 0 picks a free port */
  readonly port: number;
  /** must be 127.0.0.1 when given; anything else is refused */
  readonly bindAddress?: string;
  /** directory of the built UI (default client/ui/dist) */
  readonly uiDir?: string;
  readonly logger?: Logger;
  /** the token the UI must present; default a new one (an agent reuses the one it remembered: lasting-address.ts) */
  readonly token?: string;
  /** when `port` is taken, listen on a free one instead of failing (a remembered port someone took meanwhile) */
  readonly anyPortIfTaken?: boolean;
}

/** A listening API server. */
export interface RunningApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** the per-start token the UI must present */
  readonly token: string;
  /** the URL that opens the UI with the token in its fragment (`/#token=…`) */
  readonly openUrl: string;
  close(): Promise<void>;
}

const DOC_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Start the API on 127.0.0.1. Rejects for any other bind address or when the port is taken (unless `anyPortIfTaken`). */
export async function startApiServer(opts: ApiServerOptions): Promise<RunningApi> {
  if (opts.bindAddress !== undefined && opts.bindAddress !== API_BIND_ADDRESS) {
    throw new Error(`the agent API only listens on ${API_BIND_ADDRESS}, not ${opts.bindAddress}`);
  }
  const { host } = opts;
  const log = (opts.logger ?? pino({ level: 'silent' })).child({ module: 'api' });
  const uiDir = opts.uiDir ?? defaultUiDir();
  const token = opts.token ?? generateApiToken();

  let port = 0;
  const rooms = new SessionRooms(host, log);
  const router = bindRoutes({
    ...hostRoutes(host),
    ...workspaceRoutes(host),
    ...deviceRoutes(host),
    ...chatRoutes(host),
    ...recordRoutes(host),
    ...taskRoutes(host),
    ...caseFileRoutes(host),
    ...processingRoutes(host),
    ...historyRoutes(host),
    // Who has a workspace open: the tracker lives with the session's rooms (see SessionRooms).
    presence: async () => {
      const current = rooms.current();
      if (current === undefined) throw new ApiError(409, 'not_ready', 'Unlock a profile and enrol its device first.');
      return { presence: current.presence.online() };
    },
  }, acceptanceGuard(host));
  // A page offers our protocol and the one carrying the token; the answer names ours, never the token.
  const handleProtocols = (offered: Set<string>): string | false => (offered.has(AGENT_WS_PROTOCOL) ? AGENT_WS_PROTOCOL : false);
  const eventsWss = new WebSocketServer({ noServer: true, maxPayload: 4096, handleProtocols });
  const yjsWss = new WebSocketServer({ noServer: true, maxPayload: MAX_YJS_MESSAGE_BYTES, handleProtocols });

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => sendError(res, toApiError(err, log)));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'));
    handleUpgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err: err instanceof Error ? err.message : 'unknown' }, 'upgrade failed');
      rejectUpgrade(socket, 500, 'internal', 'The agent could not open the connection.');
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const method = req.method ?? 'GET';
    const pageLoad = !isApi && (method === 'GET' || method === 'HEAD');
    const check = checkRequest(req, { port, token, kind: isApi ? 'api' : 'page' });
    if (!check.ok) {
      const message = check.code === 'unauthorized' ? `${check.message} Open the address the agent printed when it started.` : check.message;
      throw new ApiError(check.status, check.code, message);
    }
    if (!isApi) {
      if (!pageLoad) throw new ApiError(405, 'method_not_allowed', 'Pages are only read.');
      await serveUi(res, url.pathname, uiDir, check.host, method === 'HEAD');
      return;
    }
    const match = router.match(method, url.pathname);
    if (match.kind === 'not_found') throw new ApiError(404, 'not_found', 'No such API route.');
    if (match.kind === 'method_not_allowed') {
      res.setHeader('allow', match.allowed.join(', '));
      throw new ApiError(405, 'method_not_allowed', `Use ${match.allowed.join(' or ')}.`);
    }
    await match.target.serve(req, res, match.params, url.searchParams);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const check = checkRequest(req, { port, token, kind: 'upgrade' });
    if (!check.ok) {
      rejectUpgrade(socket, check.status, check.code, check.message);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    if (url.pathname === '/events') {
      eventsWss.handleUpgrade(req, socket, head, (ws) => serveEvents(ws, host, log));
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean);
    const [prefix, workspaceId, docName] = parts;
    if (parts.length !== 3 || prefix !== 'yjs' || workspaceId === undefined || docName === undefined) {
      rejectUpgrade(socket, 404, 'not_found', 'No such endpoint.');
      return;
    }
    if (!idSchema.safeParse(workspaceId).success || !DOC_NAME.test(docName)) {
      rejectUpgrade(socket, 400, 'bad_request', 'Malformed workspace or document name.');
      return;
    }
    const current = rooms.current();
    if (current === undefined) {
      rejectUpgrade(socket, 409, 'not_ready', 'Unlock a profile and enrol its device first.');
      return;
    }
    if (current.session.parts.keys.chainState(workspaceId) === undefined) {
      rejectUpgrade(socket, 404, 'not_found', 'This device is not a member of that workspace.');
      return;
    }
    // An invitation not yet accepted opens no document.
    if (isInvitationOnly(host, workspaceId)) {
      rejectUpgrade(socket, 404, 'not_found', 'This workspace is an invitation: accept it first.');
      return;
    }
    const room = await current.rooms.acquire(workspaceId, `doc:${docName}`);
    if (socket.destroyed) {
      current.rooms.release(room);
      return;
    }
    yjsWss.handleUpgrade(req, socket, head, (ws) => current.rooms.attach(room, ws, req));
  }

  const listen = (wanted: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, API_BIND_ADDRESS, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(opts.port);
  } catch (error) {
    if (!(opts.anyPortIfTaken === true && opts.port !== 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE')) throw error;
    log.warn({ port: opts.port }, 'the remembered port is taken: listening on a free one');
    await listen(0);
  }
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the API server has no TCP address');
  port = address.port;
  const url = `http://${API_BIND_ADDRESS}:${port}`;
  log.info({ port }, 'API listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    openUrl: openAddress(url, token),
    close: () => {
      closing ??= (async () => {
        rooms.dispose();
        await rooms.settled();
        for (const client of [...eventsWss.clients, ...yjsWss.clients]) client.terminate();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/**
 * The y-websocket rooms and the presence tracker of whichever session is running; rebuilt
 * when the session changes. The status event of a starting session creates them, so the
 * tracker hears presence from the start, not only once a browser opened a room.
 */
class SessionRooms {
  #current: { session: AgentSession; rooms: YjsRooms; presence: PresenceTracker } | undefined;
  #closing: Promise<void>[] = [];
  readonly #offStatus: () => void;

  constructor(
    private readonly host: AgentHost,
    private readonly log: Logger,
  ) {
    // A locked profile must not keep serving its documents to open tabs.
    this.#offStatus = host.events.subscribe((event) => {
      if (event.type === 'status') this.current();
    });
  }

  current(): { session: AgentSession; rooms: YjsRooms; presence: PresenceTracker } | undefined {
    const session = this.host.session();
    if (this.#current !== undefined && this.#current.session !== session) {
      this.#current.presence.close();
      this.#closing.push(this.#current.rooms.close());
      this.#current = undefined;
    }
    if (session === undefined) return undefined;
    if (this.#current === undefined) {
      // Opening a document in the UI is recorded in the audit log as "opened" (issue 13).
      const rooms = new YjsRooms(session.parts.documents, this.host.problems, this.log.child({ part: 'yjs' }), openedRecorder(session.parts.recordAccess));
      // Browsers must stop editing through the rooms before the DocumentSync closes.
      const { keys } = session.parts;
      const presence = new PresenceTracker(session.parts.documents, (workspaceId, device) => {
        const state = keys.chainState(workspaceId);
        return state?.devices.some((d) => d.userId === device.userId && d.deviceId === device.deviceId) ?? false;
      });
      session.beforeClose(async () => {
        presence.close();
        await rooms.close();
      });
      this.#current = { session, rooms, presence };
    }
    return this.#current;
  }

  dispose(): void {
    this.#offStatus();
    this.#current?.presence.close();
    if (this.#current !== undefined) this.#closing.push(this.#current.rooms.close());
    this.#current = undefined;
  }

  async settled(): Promise<void> {
    await Promise.allSettled(this.#closing);
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' };

/** Answer a refused WebSocket upgrade with a plain HTTP error and the typed error body. */
function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const reason = REASONS[status] ?? 'Error';
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
