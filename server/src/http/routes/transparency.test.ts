/**
 * The transparency log against the real server: every certificate stored becomes the next
 * leaf; the head verifies under the log key and its root is the root of the entries; heads
 * are reused while the log does not grow; consistency proofs verify with crypto's
 * verifyConsistency from every earlier size (and a size beyond the log is refused with
 * `beyond_log_size`); every certificate of a bundle comes with an inclusion proof that
 * verifies; the log certificate is kept only when the registered root signed it for this
 * server's key, and it is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '@yhteispoyta/crypto/bytes';
import { certificateId } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import {
  logConsistencyResponseSchema,
  logEntriesResponseSchema,
  logResponseSchema,
  queryCertificatesResponseSchema,
} from '@yhteispoyta/crypto/protocol';
import type { LogResponse } from '@yhteispoyta/crypto/protocol';
import { logCertificateJson, signLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { generateLogKey, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from '@yhteispoyta/crypto/transparency/merkle';
import { certificateLeafData, certificateLeafHash, headRoot, verifyTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import {
  TEST_ADMIN_TOKEN,
  call,
  certifyOrg,
  deploymentOf,
  enrolProfessional,
  expectError,
  expectOk,
  logCertificateFor,
  startApiServer,
} from '../api.testkit';
import type { ApiServer } from '../api.testkit';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});
afterAll(async () => {
  await server?.close();
});

const getLog = async (): Promise<LogResponse> => expectOk(await call(server, 'GET', '/v1/log'), logResponseSchema);

async function allEntries(size: number): Promise<Certificate[]> {
  const out: Certificate[] = [];
  while (out.length < size) {
    const page = expectOk(await call(server, 'GET', `/v1/log/entries?start=${out.length}&count=2`), logEntriesResponseSchema);
    expect(page.entries.map((e) => e.index)).toEqual(page.entries.map((_, i) => out.length + i));
    if (page.entries.length === 0) break;
    out.push(...page.entries.map((e) => e.certificate));
  }
  return out;
}

describe('the transparency log', () => {
  it('grows by one leaf per stored certificate; the head verifies and is the root of the entries; consistency proofs verify', async () => {
    const empty = await getLog();
    expect(empty.certificate).toBeNull();
    expect(empty.head.treeSize).toBe(0);
    expect(verifyTreeHead(empty.head, empty.logKey)).toEqual(empty.head);

    const heads: SignedTreeHead[] = [empty.head];
    await certifyOrg(server, 'kela', 'Kela');
    heads.push((await getLog()).head);
    await enrolProfessional(server, 'kela', 'kela_expert');
    heads.push((await getLog()).head);
    await enrolProfessional(server, 'kela', 'social_worker');
    const { logKey, head } = await getLog();
    heads.push(head);
    // The organisation, then a user and a device certificate per professional.
    expect(heads.map((h) => h.treeSize)).toEqual([0, 1, 3, 5]);
    for (const h of heads) expect(verifyTreeHead(h, logKey)).toEqual(h);

    const entries = await allEntries(head.treeSize);
    expect(entries.map((c) => c.body.t)).toEqual(['org', 'user', 'device', 'user', 'device']);
    expect(Buffer.from(rootOf(entries.map(certificateLeafHash))).toString('hex')).toBe(head.rootHash);
    expect(entries.map((c) => leafHash(certificateLeafData(c)))).toEqual(entries.map(certificateLeafHash));
    // Nothing past the head.
    expect(expectOk(await call(server, 'GET', `/v1/log/entries?start=${head.treeSize}`), logEntriesResponseSchema).entries).toEqual([]);

    for (const earlier of heads) {
      const answer = expectOk(await call(server, 'GET', `/v1/log/consistency?from=${earlier.treeSize}`), logConsistencyResponseSchema);
      expect(answer.head).toEqual(head);
      const proof = answer.proof.map((h) => fromHex(h));
      expect(verifyConsistency(earlier.treeSize, head.treeSize, proof, headRoot(earlier), headRoot(head)), `from ${earlier.treeSize}`).toBe(true);
      if (earlier.treeSize === 0 || earlier.treeSize === head.treeSize) expect(answer.proof).toEqual([]);
    }
    expectError(await call(server, 'GET', `/v1/log/consistency?from=${head.treeSize + 1}`), 400, 'beyond_log_size');
  });

  it('signs a head once per size: asked again it is the same head, after an append a new one', async () => {
    const first = (await getLog()).head;
    expect((await getLog()).head).toEqual(first);
    await enrolProfessional(server, 'kela', 'teacher');
    const after = (await getLog()).head;
    expect(after.treeSize).toBe(first.treeSize + 2);
    expect(after.signature).not.toBe(first.signature);
  });

  it('proves every certificate of a bundle in the head it sends', async () => {
    const maija = await enrolProfessional(server, 'kela', 'kela_expert');
    const body = expectOk(
      await call(server, 'POST', '/v1/certificates/query', { token: maija.token, json: { userIds: [maija.ref.userId], orgIds: ['kela'] } }),
      queryCertificatesResponseSchema,
    );
    const { logKey } = await getLog();
    expect(verifyTreeHead(body.log.head, logKey)).toEqual(body.log.head);
    expect(body.certificates.map((c) => c.body.t)).toEqual(['org', 'user', 'device']);
    expect(body.log.inclusions.map((i) => i.id)).toEqual(body.certificates.map(certificateId));
    for (const [n, inclusion] of body.log.inclusions.entries()) {
      const cert = body.certificates[n] as Certificate;
      const path = inclusion.path.map((h) => fromHex(h));
      expect(verifyInclusion(certificateLeafHash(cert), inclusion.leafIndex, body.log.head.treeSize, path, headRoot(body.log.head))).toBe(true);
    }
  });
});

describe('the log certificate', () => {
  it('is kept only when the registered root signed it, now, for this server’s key; then served and audited', async () => {
    const put = (certificate: unknown, token = TEST_ADMIN_TOKEN) => call(server, 'PUT', '/v1/admin/log/certificate', { token, json: { certificate } });
    const good = await logCertificateFor(server);
    const { logKey } = await getLog();
    const now = Date.now();
    const root = deploymentOf(server).authority.root.priv;
    const stranger = signLogCertificate({ t: 'log', v: 1, logKey, notBefore: now - 1000, notAfter: now + 100_000 }, new TestAuthority().root.priv);
    const expired = signLogCertificate({ t: 'log', v: 1, logKey, notBefore: now - 100_000, notAfter: now - 1000 }, root);
    const otherKey = signLogCertificate({ t: 'log', v: 1, logKey: logPublicKeyBase64(generateLogKey()), notBefore: now - 1000, notAfter: now + 100_000 }, root);
    expectError(await put(logCertificateJson(stranger)), 400, 'bad_signature');
    expectError(await put(logCertificateJson(expired)), 410, 'expired');
    expectError(await put(logCertificateJson(otherKey)), 409, 'conflict');
    expectError(await put(logCertificateJson(good), 'not-the-admin-token-0123456789'), 401, 'unauthenticated');
    expect((await getLog()).certificate).toBeNull();

    const stored = await put(logCertificateJson(good));
    expect({ status: stored.status, body: stored.body }).toEqual({ status: 200, body: {} });
    expect((await getLog()).certificate).toEqual(good);
    const audit = await server.running.ctx.store.audit.queryAudit({ limit: 10_000 });
    expect(audit.filter((e) => e.action === 'admin_log_certificate')).toHaveLength(1);
  });
});
