/**
 * The real server, in-process, for the agent's tests: the real services and the real
 * relay core on sqlite `:memory:` (or a file), without HTTP and without socket.io. The
 * REST routes run through the real handlers with the route table's zod parsing
 * (in-process-rest.testkit.ts); socket requests through the relay core's request path
 * and its fan-out (in-process-link.testkit.ts). The clock, coverage, snapshot-chain and
 * stream-kind rules a test meets are therefore the server's own (crypto's stream-rules.ts
 * and the store), never a re-implementation.
 *
 * API (everything a test needs; the rest of the server is reachable through `ctx`):
 *
 *   const server = await startInProcessServer(options?: InProcessServerOptions);
 *     options: { sqlitePath?: string (default ':memory:'), logLevel?: LevelWithSilent (default 'silent'),
 *                snapshotRetentionSeconds?: number, adminToken?: string (default TEST_ADMIN_TOKEN) }
 *
 *   server.ctx: ServerContext               the real context: config, store (all parts), hub, log, now()
 *   server.clockOffsetMs: number            ctx.now() is Date.now() + this; move time on by setting it
 *   server.secrets: Set<string>             secrets that went over the "wire" (tokens, nonces, code secrets)
 *   server.logLines: string[]               the server's log lines, when a logLevel other than 'silent' is given
 *
 *   // certified devices, made as the real parties make them (http/certified.testkit.ts, crypto's TestAuthority)
 *   server.enrolDevice(options?: ProfessionalOptions): Promise<CertifiedDevice>      a professional's first device
 *   server.linkDevice(existing: CertifiedDevice): Promise<CertifiedDevice>            a further device of his person
 *   server.inviteClient(inviter: CertifiedDevice, workspaceId: string): Promise<CertifiedDevice>
 *   server.issueProfessionalCode(options?): Promise<ProfessionalCode>                 a code a real agent enrols with
 *   server.createWorkspace(owner: CertifiedDevice, members: readonly CertifiedDevice[], kind?: WorkspaceKind): Promise<string>
 *   server.appendEvent(author, workspaceId, type, payload): Promise<number>          the next signed chain event
 *   (the same helpers work on the server object directly: enrolCertifiedDevice(server), logIn(server, …) …,
 *    and `call(server, method, path, request)` of http/api-call.testkit.ts answers as the REST API would)
 *
 *   // the agent's seams (client/agent/src/contracts.ts)
 *   server.rest(caller?: CertifiedDevice | RestCaller): InProcessRestClient           a RestClient
 *     a CertifiedDevice calls with its session token and logs in again with its identity on 401;
 *     a RestCaller gives { tokens?: { current(), renew() }, adminToken? } (the operator: { adminToken: TEST_ADMIN_TOKEN })
 *   server.link(device: CertifiedDevice | DeviceRef, options?: { online?: boolean; rest?: RestClient }): InProcessLink
 *     a ServerLink: request(event, payload) → the relay core's ack; onNotice fed by the core's fan-out;
 *     onOnline/onOffline; status(); link.setOnline(false | true) disconnects and reconnects (rooms forgotten);
 *     link.requests (every request sent), link.rooms (joined workspaces), link.invalidNotices
 *
 *   server.fetch: typeof fetch                                                        the REST API for the agent's own HTTP client
 *     (HttpRestClient, enrolDevice, Device: pass it as their `fetch`); answers after the interceptor, `drop` rejects as offline
 *
 *   // faults
 *   server.intercept: Interceptor | undefined                                         see traffic.testkit.ts:
 *     (traffic: { kind: 'request' | 'ack' | 'notice' | 'rest', device, event | route, payload | ack | response })
 *       => 'pass' | 'drop' | { replace: unknown } | { repeat: number } | { answer: unknown } | undefined
 *       (envelopes appear decoded as WireEnvelope objects; those in a replacement are encoded: envelope-view.testkit.ts)
 *   server.inject(to: InProcessLink, event, payload): void    deliver a notice past the interceptor (a replay, a forgery;
 *                                                              its WireEnvelope objects are encoded as the wire carries them)
 *   server.sql(statement, ...params): rows                    the operator's hand on the store's database, past every
 *     check of the server (lose envelopes, forget clocks …); a SELECT answers its rows. ctx.store is the same database.
 *
 *   // time and upkeep
 *   server.settle(): Promise<void>          until every request, ack and notice under way has arrived
 *   server.runRetention(): Promise<{ prunedUpdates: number; thinnedSnapshots: number }>   the hourly retention job, now
 *   server.close(): Promise<void>           every link offline, the store closed
 */
import type { LevelWithSilent } from 'pino';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MembershipEventType, MembershipPayloads, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { RestClient } from '@yhteispoyta/agent/contracts';
import { loadConfig } from '../config';
import { createHub } from '../context';
import type { ServerContext } from '../context';
import type { ApiAnswer, ApiDispatcher, ApiRequest } from '../http/api-call.testkit';
import {
  TEST_ADMIN_TOKEN,
  certifyTestLog,
  chainDevice,
  enrolCertifiedDevice,
  inviteCertifiedClient,
  issueProfessionalCode,
  linkCertifiedDevice,
  logIn,
} from '../http/certified.testkit';
import type { CertifiedDevice, ProfessionalCode, ProfessionalOptions } from '../http/certified.testkit';
import { createRateLimiter } from '../http/rate-limit';
import { createRootLogger, moduleLogger } from '../logger';
import { applyRetention } from '../maintenance/retention';
import type { FanOut } from '../relay/fan-out';
import type { RelayRuntime } from '../relay/handle-request';
import { relayHubNotices } from '../relay/notices';
import { DENIAL_AUDITS_PER_MINUTE } from '../socket/index';
import { appendEvent, createTestWorkspaceOfKind } from '../socket/relay.testkit';
import type { TestDevice } from '../socket/relay.testkit';
import type { Store } from '../store/port';
import { sqliteAudit } from '../store/sqlite/audit';
import { sqliteAuth } from '../store/sqlite/auth';
import { sqliteBlobs } from '../store/sqlite/blobs';
import { sqliteCertificates } from '../store/sqlite/certificates';
import { openSqlite } from '../store/sqlite/db';
import type { SqliteDb } from '../store/sqlite/db';
import { sqliteDirectory } from '../store/sqlite/directory';
import { sqliteEnrolments } from '../store/sqlite/enrolments';
import { sqliteEnvelopes } from '../store/sqlite/envelopes';
import { sqliteMailboxes } from '../store/sqlite/mailboxes';
import { sqliteWorkspaces } from '../store/sqlite/workspaces';
import { InProcessLink } from './in-process-link.testkit';
import type { LinkCore } from './in-process-link.testkit';
import { dispatchRest, InProcessRestClient, restFetch } from './in-process-rest.testkit';
import type { RestCaller, RestCore } from './in-process-rest.testkit';
import type { Interceptor } from './traffic.testkit';

export type { CertifiedDevice, ProfessionalCode, ProfessionalOptions } from '../http/certified.testkit';
export { InProcessLink } from './in-process-link.testkit';
export { InProcessRestClient } from './in-process-rest.testkit';
export type { RestCaller } from './in-process-rest.testkit';
export type { Interceptor, Traffic, Verdict } from './traffic.testkit';

/** Options of {@link startInProcessServer}. */
export interface InProcessServerOptions {
  /** the sqlite file; default `:memory:` */
  readonly sqlitePath?: string;
  /** default 'silent'; any other level collects the log lines in `logLines` */
  readonly logLevel?: LevelWithSilent;
  readonly snapshotRetentionSeconds?: number;
  /** the operator token of the admin routes; default TEST_ADMIN_TOKEN */
  readonly adminToken?: string;
  /** further server environment, e.g. the abuse limits (QUOTA_…, limits-config.ts) */
  readonly env?: Readonly<Record<string, string>>;
}

/** The server of one test. */
export interface InProcessServer extends ApiDispatcher {
  readonly ctx: ServerContext;
  clockOffsetMs: number;
  readonly secrets: Set<string>;
  readonly logLines: string[];
  intercept: Interceptor | undefined;
  enrolDevice(options?: ProfessionalOptions): Promise<CertifiedDevice>;
  linkDevice(existing: CertifiedDevice): Promise<CertifiedDevice>;
  inviteClient(inviter: CertifiedDevice, workspaceId: string): Promise<CertifiedDevice>;
  issueProfessionalCode(options?: ProfessionalOptions): Promise<ProfessionalCode>;
  createWorkspace(owner: CertifiedDevice, members: readonly CertifiedDevice[], kind?: WorkspaceKind): Promise<string>;
  appendEvent<T extends MembershipEventType>(author: CertifiedDevice, workspaceId: string, type: T, payload: MembershipPayloads[T]): Promise<number>;
  rest(caller?: CertifiedDevice | RestCaller): InProcessRestClient;
  readonly fetch: typeof fetch;
  link(device: CertifiedDevice | DeviceRef, options?: { readonly online?: boolean; readonly rest?: RestClient }): InProcessLink;
  inject(to: InProcessLink, event: Parameters<InProcessLink['deliver']>[0], payload: unknown): void;
  sql(statement: string, ...params: readonly SqlValue[]): Record<string, unknown>[];
  settle(): Promise<void>;
  runRetention(): Promise<{ prunedUpdates: number; thinnedSnapshots: number }>;
  close(): Promise<void>;
}

/** A value SQL takes. */
type SqlValue = string | number | Uint8Array | null;

/**
 * The sqlite store as store/sqlite/store.ts opens it, together with its database handle
 * (which the store keeps to itself): what {@link InProcessServer.sql} runs on.
 */
function openStoreWithHandle(path: string): { store: Store; handle: SqliteDb } {
  const handle = openSqlite(path);
  let closed = false;
  const store: Store = {
    kind: 'sqlite',
    directory: sqliteDirectory(handle),
    auth: sqliteAuth(handle),
    certificates: sqliteCertificates(handle),
    enrolments: sqliteEnrolments(handle),
    workspaces: sqliteWorkspaces(handle),
    mailbox: sqliteMailboxes(handle),
    envelopes: sqliteEnvelopes(handle),
    blobs: sqliteBlobs(handle),
    audit: sqliteAudit(handle),
    health: async () => (closed ? { ok: false, code: 'unavailable', kind: 'sqlite', error: 'store is closed' } : { ok: true, kind: 'sqlite' }),
    async close() {
      if (closed) return;
      closed = true;
      handle.db.close();
    },
  };
  return { store, handle };
}

const isCertified = (value: unknown): value is CertifiedDevice =>
  typeof value === 'object' && value !== null && 'identity' in value && 'token' in value && 'ref' in value;

/** The member info a chain names a certified device's user by. */
function asTestDevice(device: CertifiedDevice): TestDevice {
  return { ...device, member: { userId: device.ref.userId, orgId: device.orgId, role: device.role, owner: false, devices: [chainDevice(device)] } };
}

/** Start the in-process server (see the module comment). */
export async function startInProcessServer(options: InProcessServerOptions = {}): Promise<InProcessServer> {
  const adminToken = options.adminToken ?? TEST_ADMIN_TOKEN;
  const config = loadConfig({
    ...options.env,
    SQLITE_PATH: options.sqlitePath ?? ':memory:',
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: options.logLevel ?? 'silent',
    ...(options.snapshotRetentionSeconds === undefined ? {} : { SNAPSHOT_RETENTION_SECONDS: String(options.snapshotRetentionSeconds) }),
  });
  if (config.store.kind !== 'sqlite') throw new Error('the in-process server runs sqlite');
  const logLines: string[] = [];
  const log = createRootLogger(config.logLevel, { write: (line: string) => void logLines.push(line) });
  const { store, handle } = openStoreWithHandle(config.store.path);
  let clockOffsetMs = 0;
  const ctx: ServerContext = { config, store, log, hub: createHub(), now: () => Date.now() + clockOffsetMs };
  const runtime: RelayRuntime = { deps: ctx, log: moduleLogger(log, 'in-process'), denialAuditLimiter: createRateLimiter(DENIAL_AUDITS_PER_MINUTE) };

  const links = new Set<InProcessLink>();
  const inFlight = new Set<Promise<unknown>>();
  let interceptor: Interceptor | undefined;

  const carry = (fanOut: FanOut, sender: InProcessLink | undefined): void => {
    for (const step of fanOut) {
      if (step.kind === 'evict') {
        const evicted = new Set(step.devices.map(deviceKey));
        for (const link of links) if (evicted.has(deviceKey(link.device))) link.rooms.delete(step.workspaceId);
        continue;
      }
      for (const link of links) {
        if (link.status() !== 'online' || (step.exceptSender && link === sender)) continue;
        if (step.to.some((room) => link.inRoom(room))) link.deliver(step.notice.event, step.notice.payload);
      }
    }
  };
  const track = (work: Promise<unknown>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const linkCore: LinkCore = { runtime, interceptor: () => interceptor, carry, track };
  const restCore: RestCore = { ctx, log: moduleLogger(log, 'in-process'), interceptor: () => interceptor };
  const unsubscribe = relayHubNotices(ctx, (fanOut) => carry(fanOut, undefined));

  const server: InProcessServer = {
    ctx,
    secrets: new Set<string>([adminToken]),
    logLines,
    get clockOffsetMs() {
      return clockOffsetMs;
    },
    set clockOffsetMs(value: number) {
      clockOffsetMs = value;
    },
    get intercept() {
      return interceptor;
    },
    set intercept(value: Interceptor | undefined) {
      interceptor = value;
    },
    dispatch: (method: string, path: string, request: ApiRequest): Promise<ApiAnswer> => dispatchRest(restCore, method, path, request),
    enrolDevice: (opts?: ProfessionalOptions) => enrolCertifiedDevice(server, opts),
    linkDevice: (existing: CertifiedDevice) => linkCertifiedDevice(server, existing),
    inviteClient: (inviter: CertifiedDevice, workspaceId: string) => inviteCertifiedClient(server, inviter, workspaceId),
    issueProfessionalCode: (opts?: ProfessionalOptions) => issueProfessionalCode(server, opts),
    createWorkspace: (owner: CertifiedDevice, members: readonly CertifiedDevice[], kind: WorkspaceKind = 'consultation') =>
      createTestWorkspaceOfKind(server, kind, asTestDevice(owner), ...members.map(asTestDevice)),
    appendEvent: <T extends MembershipEventType>(author: CertifiedDevice, workspaceId: string, type: T, payload: MembershipPayloads[T]) =>
      appendEvent(server, asTestDevice(author), workspaceId, type, payload),
    rest(caller?: CertifiedDevice | RestCaller): InProcessRestClient {
      if (caller === undefined || !isCertified(caller)) return new InProcessRestClient(restCore, caller ?? {});
      const device = caller;
      return new InProcessRestClient(restCore, {
        tokens: {
          current: async () => device.token,
          renew: async () => {
            device.token = await logIn(server, device.ref, device.identity);
            return device.token;
          },
        },
      });
    },
    link(device: CertifiedDevice | DeviceRef, opts: { readonly online?: boolean; readonly rest?: RestClient } = {}): InProcessLink {
      const ref = isCertified(device) ? device.ref : device;
      const rest = opts.rest ?? (isCertified(device) ? server.rest(device) : server.rest());
      const link = new InProcessLink(linkCore, ref, rest);
      links.add(link);
      if (opts.online !== false) link.setOnline(true);
      return link;
    },
    fetch: restFetch(restCore),
    inject(to: InProcessLink, event: Parameters<InProcessLink['deliver']>[0], payload: unknown): void {
      to.deliver(event, payload, false);
    },
    sql(statement: string, ...params: readonly SqlValue[]): Record<string, unknown>[] {
      const prepared = handle.db.prepare(statement);
      // The driver's parameter type names Uint8Array<ArrayBuffer>; what a test passes is that.
      const values = params as Parameters<typeof prepared.run>[0];
      if (/^\s*select\b/i.test(statement)) return prepared.all(values) as Record<string, unknown>[];
      prepared.run(values);
      return [];
    },
    async settle(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    runRetention: () => applyRetention(ctx),
    async close(): Promise<void> {
      unsubscribe();
      for (const link of links) await link.close();
      await server.settle();
      await store.close();
    },
  };
  // Its log is certified by the deployment's root from the start, as `create-org` leaves a real one.
  await certifyTestLog(server);
  return server;
}
