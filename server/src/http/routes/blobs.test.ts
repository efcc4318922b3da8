/**
 * Blobs against the real server: a streamed upload of unknown length is cut off with 413
 * once it passes the limit and leaves nothing stored; uploads and downloads round-trip
 * whatever the chunking; the content type is enforced.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { MAX_BLOB_BYTES, blobUploadResponseSchema } from '@yhteispoyta/crypto/protocol';
import {
  call,
  createOrg,
  createWorkspace,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  expectOk,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let owner: TestDevice;
let workspaceId: string;

beforeAll(async () => {
  server = await startApiServer();
  owner = await enrolProfessional(server, await createOrg(server));
  workspaceId = await createWorkspace(server, owner, 'case');
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  await server.close();
});

/**
 * Streams a chunked body of up to `limit` bytes, honouring backpressure, and stops
 * writing as soon as an answer arrives. Resolves with the answer and how much was written.
 */
function streamUpload(limit: number): Promise<{ status: number; body: unknown; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const request = http.request(`${server.url}/v1/workspaces/${workspaceId}/blobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    request.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), written });
      });
    });
    // The server may cut the connection after answering; what counts is the answer.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const pump = (): void => {
      while (!answered && written < limit) {
        written += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

describe('blob upload limit', () => {
  it('cuts a streamed upload off with 413 once it passes the limit, storing nothing', async () => {
    const limit = MAX_BLOB_BYTES + 16 * 1024 * 1024;
    const answer = await streamUpload(limit);
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
    expect(answer.written).toBeLessThan(limit);
    // Nothing half-written remains: no incomplete upload is left to purge.
    expect(await server.running.ctx.store.blobs.purgeIncompleteBlobs(Date.now() + 60_000)).toBe(0);
    const uploads = (await server.running.ctx.store.audit.queryAudit({ workspaceId, limit: 1000 })).filter((e) => e.action === 'blob_upload');
    expect(uploads).toEqual([]);
    expect((await call(server, 'GET', '/ready')).status).toBe(200);
  });

  it('accepts a blob of exactly the limit', async () => {
    const answer = await streamUpload(MAX_BLOB_BYTES);
    expect(answer.status).toBe(200);
    expect(blobUploadResponseSchema.parse(answer.body).size).toBe(MAX_BLOB_BYTES);
  });
});

describe('blob round trip', () => {
  it('returns the uploaded bytes exactly, with their length', async () => {
    const bytes = randomBytes(3 * 256 * 1024 + 12_345);
    const uploaded = expectOk(await call(server, 'POST', `/v1/workspaces/${workspaceId}/blobs`, { token: owner.token, raw: bytes }), blobUploadResponseSchema);
    expect(uploaded.size).toBe(bytes.byteLength);
    const download = await call(server, 'GET', `/v1/workspaces/${workspaceId}/blobs/${uploaded.blobId}`, { token: owner.token });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(download.bytes !== undefined && Buffer.from(download.bytes).equals(bytes)).toBe(true);
  });

  it('accepts an empty blob, refuses other content types, and answers 404 for an unknown blob', async () => {
    const empty = expectOk(await call(server, 'POST', `/v1/workspaces/${workspaceId}/blobs`, { token: owner.token, raw: new Uint8Array(new ArrayBuffer(0)) }), blobUploadResponseSchema);
    expect(empty.size).toBe(0);
    expectError(await call(server, 'POST', `/v1/workspaces/${workspaceId}/blobs`, { token: owner.token, text: '{"a":1}' }), 400, 'bad_request');
    expectError(await call(server, 'GET', `/v1/workspaces/${workspaceId}/blobs/unknownblob`, { token: owner.token }), 404, 'not_found');
  });
});
