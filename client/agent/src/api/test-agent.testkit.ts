/**
 * Test helpers: an agent host with its API on a temporary profiles directory, and a raw
 * HTTP client that can send any Host and Origin header (fetch cannot set Host).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AgentHost } from '../agent';
import type { SessionFactory } from '../agent';
import type { AgentConfig } from '../config';
import { startApiServer } from './server';
import type { RunningApi } from './server';

/** A host and its running API on a fresh temporary directory. */
export interface TestAgent {
  readonly host: AgentHost;
  readonly api: RunningApi;
  readonly dir: string;
  close(): Promise<void>;
}

/** The config of a test agent; only what the tests vary is asked for. */
export function testConfig(profilesDir: string, serverUrl = 'http://127.0.0.1:9'): AgentConfig {
  return {
    serverUrl, profilesDir, createProfile: false, port: 0, mergeWindowMs: 10, compactionThreshold: 200,
    signedPreKeyRotationMs: 7 * 24 * 3600 * 1000, maxAttachmentBytes: 1024 * 1024, logLevel: 'silent',
    // Freshness in seconds rather than minutes, so a withheld envelope is noticed within a test.
    heartbeatIntervalMs: 2_000, staleHeadGraceMs: 1_000,
  };
}

/** Start a host (weak test KDF) and its API on port 0. */
export async function startTestAgent(
  factory: SessionFactory,
  opts: { uiDir?: string; serverUrl?: string; logger?: Logger } = {},
): Promise<TestAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'yp-agent-'));
  const host = new AgentHost({ config: testConfig(dir, opts.serverUrl), factory, unsafeWeakKdfForTests: true, ...(opts.logger ? { logger: opts.logger } : {}) });
  const api = await startApiServer({ host, port: 0, uiDir: opts.uiDir ?? join(dir, 'no-ui'), ...(opts.logger ? { logger: opts.logger } : {}) });
  return {
    host,
    api,
    dir,
    close: async () => {
      await api.close();
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTP response. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json(): unknown;
}

/** Send a request to the agent with full control over the headers (Host included). */
export function rawRequest(
  api: RunningApi,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; auth?: boolean } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { host: `127.0.0.1:${api.port}`, ...opts.headers };
  if (opts.auth !== false && headers.authorization === undefined) headers.authorization = `Bearer ${api.token}`;
  if (typeof opts.body === 'string') headers['content-type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: api.port, path, method: opts.method ?? 'GET', headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : opts.body);
  });
}

/** JSON call with the bearer token; returns status and parsed body. */
export async function callJson(api: RunningApi, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await rawRequest(api, path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: res.body.byteLength > 0 ? res.json() : undefined };
}
