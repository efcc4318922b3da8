/**
 * docker-compose.yml without a Docker engine: the file is parsed and checked for what
 * scale-out needs (docs/design.md §8) — MongoDB as an initiated single-node replica set, Redis,
 * two server replicas configured for both (their environment must pass the server's own
 * configuration parser), an nginx proxy with sticky sessions and websocket upgrades in
 * front of exactly those replicas, and a health check on every service that the
 * `depends_on` conditions wait for.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfig } from '@yhteispoyta/server/config';

const ROOT = resolve(import.meta.dirname, '..', '..');
const REPLICAS = ['server1', 'server2'] as const;

const healthcheckSchema = z.object({
  test: z.union([z.array(z.string()).min(2), z.string().min(1)]),
  interval: z.string(),
  timeout: z.string(),
  retries: z.number().int().positive(),
});
const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: healthcheckSchema,
  configs: z.array(z.object({ source: z.string(), target: z.string() })).optional(),
});
const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  configs: z.record(z.string(), z.object({ content: z.string() })),
  volumes: z.record(z.string(), z.unknown()),
});

const compose = composeSchema.parse(parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')));

function service(name: string) {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

/** A healthcheck's command as one string. */
function healthText(name: string): string {
  const { test } = service(name).healthcheck;
  return Array.isArray(test) ? test.join(' ') : test;
}

/** Compose interpolation as `docker compose` would do it with ADMIN_TOKEN set (`$$` is a literal `$`). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_m, name: string) => env[name] ?? '').replace(/\$\$/g, '$');
}

/** The nginx configuration the proxy mounts, after compose interpolation. */
function nginxConfig(): string {
  const mount = service('proxy').configs?.find((c) => c.target === '/etc/nginx/nginx.conf');
  expect(mount).toBeDefined();
  const content = compose.configs[mount?.source ?? '']?.content;
  if (content === undefined) throw new Error('the proxy config is not defined');
  return interpolate(content, {});
}

describe('docker-compose.yml', () => {
  it('has mongo, redis, two server replicas and a proxy, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mongo', 'proxy', 'redis', 'server1', 'server2']);
    for (const name of Object.keys(compose.services)) expect(healthText(name).length).toBeGreaterThan(10);
  });

  it('runs MongoDB as a single-node replica set that the health check initiates', () => {
    const mongo = service('mongo');
    expect(mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    const check = healthText('mongo');
    expect(check).toContain("rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] })");
    expect(check).toContain('isWritablePrimary');
  });

  it('runs Redis without persistence, checked with PING', () => {
    expect(service('redis').command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
    expect(healthText('redis')).toContain('redis-cli ping');
  });

  it('configures both replicas for the replica set and Redis, with an environment the server accepts', () => {
    for (const name of REPLICAS) {
      const replica = service(name);
      expect(replica.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      const env = Object.fromEntries(Object.entries(replica.environment ?? {}).map(([k, v]) => [k, interpolate(v, { ADMIN_TOKEN: 'a-compose-admin-token-0123456789' })]));
      expect(replica.environment?.['ADMIN_TOKEN']).toMatch(/^\$\{ADMIN_TOKEN:\?.+\}$/);
      const config = loadConfig(env);
      expect(config.store).toMatchObject({ kind: 'mongo', uri: 'mongodb://mongo:27017/yhteispoyta?replicaSet=rs0', writeConcern: 'majority' });
      expect(config.redisUrl).toBe('redis://redis:6379');
      expect(config.host).toBe('0.0.0.0');
      expect(config.port).toBe(8787);
      expect(replica.depends_on).toEqual({ mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(replica.ports).toBeUndefined();
      expect(healthText(name)).toContain(`http://127.0.0.1:${config.port}/ready`);
    }
  });

  it('gives both replicas one transparency log key: the same file on one shared volume', () => {
    const keys = REPLICAS.map((name) => loadConfig(Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, interpolate(v, { ADMIN_TOKEN: 'a-compose-admin-token-0123456789' })]))).logKey);
    expect(keys[0]).toEqual({ kind: 'file', path: '/var/lib/yhteispoyta/log-key.pem' });
    expect(keys[1]).toEqual(keys[0]);
    for (const name of REPLICAS) expect(service(name).volumes).toEqual(['log-key:/var/lib/yhteispoyta']);
    expect(Object.keys(compose.volumes)).toContain('log-key');
  });

  it('puts an nginx proxy with sticky sessions and websocket upgrades in front of exactly the replicas', () => {
    const proxy = service('proxy');
    expect(proxy.depends_on).toEqual({ server1: { condition: 'service_healthy' }, server2: { condition: 'service_healthy' } });
    const conf = nginxConfig();
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(conf);
    expect(upstream).not.toBeNull();
    const [, upstreamName = '', body = ''] = upstream ?? [];
    expect(body).toMatch(/^\s*ip_hash;/m);
    const servers = [...body.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual(REPLICAS.map((name) => `${name}:${service(name).environment?.['PORT']}`));
    expect(conf).toContain(`proxy_pass http://${upstreamName};`);
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(conf).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade \{\s*default upgrade;/);
    const listen = /listen\s+(\d+);/.exec(conf)?.[1];
    expect(proxy.ports).toEqual([`8787:${listen}`]);
    expect(healthText('proxy')).toContain(`http://127.0.0.1:${listen}/health`);
  });

  it('builds the replicas from a Dockerfile that runs the server', () => {
    const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm/m);
    expect(dockerfile).toContain('CMD ["node", "--import", "tsx", "server/src/main.ts"]');
    expect(dockerfile).toContain('EXPOSE 8787');
  });
});
