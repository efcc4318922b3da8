/**
 * FOR TESTS: the server's admin routes (and the transparency log's key, certificate and
 * head, of an empty log) as an in-memory `fetch`, built from the protocol's route table and
 * schemas (requests are parsed with the route's body schema, answers are what the response
 * schema describes). It checks what the real server checks — signatures against the root,
 * the organisation key and the user key — and can play a hostile server by rewriting the
 * pending enrolments it lists.
 */
import { fromBase64, toHex } from '@yhteispoyta/crypto/bytes';
import { certificateId, certificateJson, userIdForCode, verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode, PendingEnrolment, RouteSpec } from '@yhteispoyta/crypto/protocol';
import { verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { generateLogKey, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import { EMPTY_ROOT } from '@yhteispoyta/crypto/transparency/merkle';
import { signTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { z } from 'zod';
import type { EnrollingDevice } from './device.testkit';

export const FAKE_TOKEN = 'fake-admin-token-0123456789abcdef';
export const FAKE_URL = 'http://fake.invalid';

class Refusal extends Error {
  constructor(readonly status: number, readonly code: ErrorCode, message: string) {
    super(message);
  }
}

interface Code {
  readonly orgId: string;
  readonly userId: string;
  readonly role: string;
  readonly displayName: string;
  readonly expiresAt: number;
}

interface Org {
  readonly orgId: string;
  readonly name: string;
  readonly certificate: Certificate<'org'>;
}

const ADMIN_ROUTES = [
  'setRoot', 'createOrg', 'adminListOrgs', 'issueEnrolmentCode', 'listOrgEnrolments', 'adminStoreCertificate', 'verifyAudit', 'putLogCertificate', 'getLog',
] as const;

/** An in-memory admin API. */
export class FakeAdminServer {
  root: string | undefined;
  readonly orgs = new Map<string, Org>();
  readonly codes = new Map<string, Code>();
  readonly enrolments: (PendingEnrolment & { orgId: string; closed?: boolean })[] = [];
  readonly certificates = new Map<string, Certificate>();
  /** every request, as `METHOD path` */
  readonly calls: string[] = [];
  /** the server's transparency log key, and the root's certificate of it once uploaded */
  readonly logKey = generateLogKey();
  logCertificate: LogCertificate | null = null;
  /** what the audit chain verification answers */
  audit: { intact: true; entries: number } | { intact: false; brokenAtSeq: number } = { intact: true, entries: 0 };
  /** a hostile server's rewrite of the listing */
  tamper: ((enrolments: PendingEnrolment[]) => PendingEnrolment[]) | undefined;
  /** answer every request with this refusal (or, for `unreachable`, throw like a failed connection) */
  outage: 'unreachable' | { status: number; code: ErrorCode } | undefined;
  now = Date.now();

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    this.calls.push(`${method} ${url.pathname}`);
    if (this.outage === 'unreachable') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    try {
      if (this.outage !== undefined) throw new Refusal(this.outage.status, this.outage.code, 'outage');
      const headers = new Headers(init?.headers);
      const open = url.pathname === REST_ROUTES.getLog.path;
      if (!open && headers.get('authorization') !== `Bearer ${FAKE_TOKEN}`) throw new Refusal(401, 'unauthenticated', 'the admin token is required');
      const text = typeof init?.body === 'string' ? init.body : undefined;
      const answer = this.#route(method, url.pathname, text === undefined ? undefined : (JSON.parse(text) as unknown));
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return new Response(JSON.stringify({ error: { code: error.code, message: error.message, id: 'req-1' } }), {
        status: error.status, headers: { 'content-type': 'application/json' },
      });
    }
  };

  /** A device redeems a code (the fields of `POST /v1/enrol` the issuer sees). */
  enrol(device: EnrollingDevice, overrides: Partial<PendingEnrolment> = {}): void {
    const code = this.codes.get(device.codeId);
    if (code === undefined) throw new Error('FakeAdminServer.enrol: unknown code');
    this.enrolments.push({
      codeId: device.codeId, kind: 'enrolment', userId: code.userId, deviceId: device.deviceId, identityKey: device.identityKeyB64,
      registrationId: 1234, userKey: device.request.userKey, deviceCertificate: certificateJson(device.request.deviceCertificate) as PendingEnrolment['deviceCertificate'],
      proof: device.request.proof, enrolledAt: this.now, role: code.role as PendingEnrolment['role'], displayName: code.displayName,
      orgId: code.orgId, ...overrides,
    });
  }

  /** Stored certificates of a type. */
  stored<T extends Certificate['body']['t']>(type: T): Certificate<T>[] {
    // Certificate<T> is exactly the certificates whose body has t === T.
    return [...this.certificates.values()].filter((c) => c.body.t === type) as Certificate<T>[];
  }

  #route(method: string, path: string, body: unknown): unknown {
    for (const name of ADMIN_ROUTES) {
      const spec: RouteSpec = REST_ROUTES[name];
      const pattern = new RegExp(`^${spec.path.replace(/:([A-Za-z]+)/g, '(?<$1>[^/]+)')}$`);
      const match = pattern.exec(path);
      if (spec.method !== method || match === null) continue;
      let parsed: unknown;
      if (spec.body !== undefined) {
        const result = (spec.body as z.ZodType).safeParse(body);
        if (!result.success) throw new Refusal(400, 'bad_request', result.error.issues[0]?.message ?? 'bad request');
        parsed = result.data;
      }
      return this.#handle(name, parsed, match.groups ?? {});
    }
    throw new Refusal(404, 'not_found', 'no such route');
  }

  #handle(name: (typeof ADMIN_ROUTES)[number], body: unknown, params: Record<string, string>): unknown {
    switch (name) {
      case 'verifyAudit':
        return this.audit;
      case 'setRoot': {
        const { rootKey } = body as { rootKey: string };
        if (this.root !== undefined && this.root !== rootKey) throw new Refusal(409, 'conflict', 'another root is set');
        this.root = rootKey;
        return {};
      }
      case 'createOrg': {
        const cert = (body as { certificate: Certificate }).certificate;
        if (this.root === undefined) throw new Refusal(409, 'conflict', 'no root set');
        if (cert.body.t !== 'org' || !verifyCertificateSignature(cert, fromBase64(this.root) ?? new Uint8Array())) throw new Refusal(400, 'bad_signature', 'not signed by the root');
        const held = this.orgs.get(cert.body.orgId);
        if (held !== undefined) {
          if (certificateId(held.certificate) !== certificateId(cert)) throw new Refusal(409, 'conflict', 'organisation exists');
          return { orgId: held.orgId };
        }
        this.orgs.set(cert.body.orgId, { orgId: cert.body.orgId, name: cert.body.name, certificate: cert as Certificate<'org'> });
        return { orgId: cert.body.orgId };
      }
      case 'adminListOrgs':
        return { orgs: [...this.orgs.values()].map((o) => ({ orgId: o.orgId, name: o.name, certificate: certificateJson(o.certificate) })) };
      case 'issueEnrolmentCode': {
        const req = body as { codeId: string; orgId: string; role: string; displayName: string; ttlSeconds?: number };
        if (!this.orgs.has(req.orgId)) throw new Refusal(404, 'not_found', 'no such organisation');
        if (this.codes.has(req.codeId)) throw new Refusal(409, 'conflict', 'code exists');
        const code = { orgId: req.orgId, userId: userIdForCode(req.codeId), role: req.role, displayName: req.displayName, expiresAt: this.now + (req.ttlSeconds ?? 3 * 86400) * 1000 };
        this.codes.set(req.codeId, code);
        return { userId: code.userId, expiresAt: code.expiresAt };
      }
      case 'listOrgEnrolments': {
        const open = this.enrolments.filter((e) => e.orgId === params['orgId'] && e.closed !== true).map(({ orgId: _o, closed: _c, ...e }) => structuredClone(e));
        return { enrolments: this.tamper === undefined ? open : this.tamper(open) };
      }
      case 'adminStoreCertificate':
        return this.#store((body as { certificate: Certificate }).certificate);
      case 'getLog': {
        const head = signTreeHead({ treeSize: 0, rootHash: toHex(EMPTY_ROOT), timestamp: this.now }, this.logKey);
        return { logKey: logPublicKeyBase64(this.logKey), certificate: this.logCertificate, head };
      }
      case 'putLogCertificate': {
        if (this.root === undefined) throw new Refusal(409, 'conflict', 'no root set');
        const checked = verifyLogCertificate(fromBase64(this.root) ?? new Uint8Array(), (body as { certificate: unknown }).certificate, this.now);
        if (!checked.ok) throw new Refusal(400, 'bad_signature', checked.detail);
        if (checked.certificate.body.logKey !== logPublicKeyBase64(this.logKey)) throw new Refusal(409, 'conflict', 'another log key');
        this.logCertificate = checked.certificate;
        return {};
      }
    }
  }

  #orgKey(orgId: string): Uint8Array {
    const org = this.orgs.get(orgId);
    const key = org === undefined ? undefined : fromBase64(org.certificate.body.orgKey);
    if (key === undefined) throw new Refusal(404, 'not_found', 'no such organisation');
    return key;
  }

  #store(cert: Certificate): unknown {
    const body = cert.body;
    let ok = false;
    if (body.t === 'user' || body.t === 'user_revocation') ok = verifyCertificateSignature(cert, this.#orgKey(body.orgId));
    if (body.t === 'device') {
      ok = this.stored('user').some((u) => u.body.userId === body.userId && verifyCertificateSignature(cert, fromBase64(u.body.userKey) ?? new Uint8Array()));
    }
    if (!ok) throw new Refusal(400, 'bad_signature', 'the certificate is not signed by the key it needs');
    const id = certificateId(cert);
    this.certificates.set(id, cert);
    if (body.t === 'device') {
      for (const e of this.enrolments) if (e.userId === body.userId && e.deviceId === body.deviceId && e.identityKey === body.identityKey) e.closed = true;
    }
    return { id };
  }
}
