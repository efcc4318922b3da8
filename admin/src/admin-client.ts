/**
 * A typed client of the server's admin routes (`Authorization: Bearer <ADMIN_TOKEN>`).
 * URLs come from the protocol's route table; what we send is checked with the route's
 * body schema before it leaves, and every answer is parsed with the route's response
 * schema (or the protocol's ErrorBody) from `unknown`: the server is not trusted to
 * answer in shape any more than it is trusted with keys.
 */
import type { z } from 'zod';
import { certificateJson } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import { buildPath, errorBodySchema, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type {
  AuditVerificationResponse,
  IssueEnrolmentCodeRequest,
  IssuedCodeResponse,
  ListOrgsResponse,
  PendingEnrolment,
  RouteResponse,
} from '@yhteispoyta/crypto/protocol';
import { AdminError, ServerRefusedError, errorMessage } from './errors';

/** The admin routes this client calls. */
type AdminRouteName = 'setRoot' | 'createOrg' | 'adminListOrgs' | 'issueEnrolmentCode' | 'listOrgEnrolments' | 'adminStoreCertificate' | 'verifyAudit';

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

const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest answer read (500 pending enrolments with certificates are well below it). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Parse and normalise a server base URL; AdminError `invalid_input` when it is not http(s). */
export function parseServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AdminError('invalid_input', `not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AdminError('invalid_input', `the server URL must be http or https: ${text}`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new AdminError('invalid_input', 'the server URL must not carry credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** The reason a fetch failed to reach the server (ECONNREFUSED, a timeout …), in a few words. */
function unreachableReason(error: unknown): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return errorMessage(error);
}

/** The admin API of one server. */
export class AdminClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(opts: AdminClientOptions) {
    this.baseUrl = parseServerUrl(opts.baseUrl);
    if (opts.token === '' || /[\s]/.test(opts.token)) throw new AdminError('invalid_input', 'the admin token must be non-empty and contain no whitespace');
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? fetch;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
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

  async #call<N extends AdminRouteName>(name: N, path: string, body: unknown): Promise<RouteResponse<N>> {
    const spec = REST_ROUTES[name];
    if ('body' in spec) {
      // Our own bodies are checked too: a field out of range is our bug, said before the server says it.
      const checked = (spec.body as z.ZodType).safeParse(body);
      if (!checked.success) throw new AdminError('invalid_input', `${name}: ${checked.error.issues[0]?.message ?? 'invalid request'}`);
    }
    const init: RequestInit = {
      method: spec.method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
      redirect: 'error',
    };
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.baseUrl}${path}`, init);
      text = await response.text();
    } catch (error) {
      throw new AdminError('server_unreachable', `cannot reach ${this.baseUrl}: ${unreachableReason(error)}`, { cause: error });
    }
    if (text.length > MAX_RESPONSE_BYTES) throw new AdminError('bad_response', `${name}: the answer is too large`);
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = errorBodySchema.safeParse(json);
      if (error.success) throw new ServerRefusedError(response.status, error.data.error.code, error.data.error.message, error.data.error.id);
      throw new ServerRefusedError(response.status, `http_${response.status}`, `the server answered HTTP ${response.status}`);
    }
    const parsed = (spec.response as z.ZodType).safeParse(json);
    if (!parsed.success) throw new AdminError('bad_response', `${name}: the server's answer does not follow the protocol (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    // The schema parsed is the route's own response schema, so its output is RouteResponse<N>.
    return parsed.data as RouteResponse<N>;
  }
}
