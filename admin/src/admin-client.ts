/**
 * A typed client of the server's admin routes (`Authorization: Bearer <ADMIN_TOKEN>`),
 * through rest-call.ts: URLs from the protocol's route table, our bodies checked before
 * they leave, every answer parsed with the route's response schema.
 */
import { certificateJson } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import { buildPath, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type {
  AuditVerificationResponse,
  IssueEnrolmentCodeRequest,
  IssuedCodeResponse,
  ListOrgsResponse,
  PendingEnrolment,
  RouteResponse,
} from '@yhteispoyta/crypto/protocol';
import { logCertificateJson } from '@yhteispoyta/crypto/transparency/log-certificate';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { AdminError } from './errors';
import { LogClient } from './log-client';
import { callRoute, DEFAULT_TIMEOUT_MS, parseServerUrl } from './rest-call';
import type { RestConnection } from './rest-call';

export { parseServerUrl } from './rest-call';

/** The admin routes this client calls. */
type AdminRouteName =
  | 'setRoot' | 'createOrg' | 'adminListOrgs' | 'issueEnrolmentCode' | 'listOrgEnrolments' | 'adminStoreCertificate' | 'verifyAudit'
  | 'putLogCertificate';

/** Options of {@link AdminClient}. */
export interface AdminClientOptions {
  /** e.g. `http://127.0.0.1:8787` */
  readonly baseUrl: string;
  /** the server's ADMIN_TOKEN */
  readonly token: string;
  /** the fetch to use (tests wrap it to play a hostile server); default global fetch */
  readonly fetch?: typeof fetch;
  /** per request; default 30 s */
  readonly timeoutMs?: number;
}

/** The admin API of one server. */
export class AdminClient {
  readonly baseUrl: string;
  readonly #connection: RestConnection;

  constructor(opts: AdminClientOptions) {
    this.baseUrl = parseServerUrl(opts.baseUrl);
    if (opts.token === '' || /[\s]/.test(opts.token)) throw new AdminError('invalid_input', 'the admin token must be non-empty and contain no whitespace');
    this.#connection = { baseUrl: this.baseUrl, token: opts.token, fetch: opts.fetch ?? fetch, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  }

  /** The same server's transparency log, read with the same fetch and no token. */
  log(): LogClient {
    return new LogClient({ baseUrl: this.baseUrl, fetch: this.#connection.fetch, timeoutMs: this.#connection.timeoutMs });
  }

  /** Set the deployment root's public key; the same key again is a no-op on the server. */
  async setRoot(rootKey: string): Promise<void> {
    await this.#call('setRoot', '/v1/admin/root', { rootKey });
  }

  /** Register an organisation by the certificate the root signed. */
  async createOrg(certificate: Certificate<'org'>): Promise<{ orgId: string }> {
    return this.#call('createOrg', '/v1/admin/orgs', { certificate: certificateJson(certificate) });
  }

  /** Every organisation the server knows, with its certificate (unverified: the caller checks). */
  async listOrgs(): Promise<ListOrgsResponse> {
    return this.#call('adminListOrgs', '/v1/admin/orgs', undefined);
  }

  /** Register a code id for the user it will enrol; the server answers with that user's id. */
  async issueEnrolmentCode(request: IssueEnrolmentCodeRequest): Promise<IssuedCodeResponse> {
    return this.#call('issueEnrolmentCode', '/v1/admin/enrolment-codes', request);
  }

  /** Devices that redeemed an enrolment code of `orgId` and wait for their certificates. */
  async listOrgEnrolments(orgId: string): Promise<readonly PendingEnrolment[]> {
    const path = buildPath(REST_ROUTES.listOrgEnrolments.path, { orgId });
    return (await this.#call('listOrgEnrolments', path, undefined)).enrolments;
  }

  /** Store a user certificate, a device certificate from an enrolment, or a user revocation. */
  async storeCertificate(certificate: Certificate): Promise<{ id: string }> {
    return this.#call('adminStoreCertificate', '/v1/admin/certificates', { certificate: certificateJson(certificate) });
  }

  /** Have the server recompute its whole audit chain: intact, or the first entry that does not check out. */
  async verifyAudit(): Promise<AuditVerificationResponse> {
    return this.#call('verifyAudit', REST_ROUTES.verifyAudit.path, undefined);
  }

  /** Store the deployment root's certificate of the server's transparency log key. */
  async putLogCertificate(certificate: LogCertificate): Promise<void> {
    await this.#call('putLogCertificate', REST_ROUTES.putLogCertificate.path, { certificate: logCertificateJson(certificate) });
  }

  #call<N extends AdminRouteName>(name: N, path: string, body: unknown): Promise<RouteResponse<N>> {
    return callRoute(this.#connection, name, path, body);
  }
}
