/**
 * docker-compose.yml, the Dockerfile and the proxy's nginx configuration without a Docker
 * engine (docs/design.md §8, issue 15): the files are parsed and checked for what scale-out
 * needs and for the production defaults — MongoDB as an initiated single-node replica set
 * with authentication and a keyfile, Redis with a password, two server replicas whose
 * environment passes the server's own configuration parser in production mode (credentials,
 * the admin API on a listener of its own, the proxy as the only trusted X-Forwarded-For
 * source, no per-address limit override), an nginx proxy terminating TLS with a mounted
 * certificate, sticky sessions and websocket upgrades in front of exactly the replicas'
 * public ports, and a health check on every service that the `depends_on` conditions wait
 * for. The secrets and certificate scripts run here (openssl) and their output fills the
 * compose file's variables.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
  entrypoint: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  secrets: z.array(z.string()).optional(),
  networks: z.union([z.array(z.string()), z.record(z.string(), z.object({ ipv4_address: z.string() }).nullable())]),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: healthcheckSchema,
});
const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  networks: z.record(z.string(), z.object({ internal: z.boolean().optional(), ipam: z.object({ config: z.array(z.object({ subnet: z.string() })) }).optional() })),
  secrets: z.record(z.string(), z.object({ file: z.string() })),
  volumes: z.record(z.string(), z.unknown()),
});

// `<<: *server` merge keys, as docker compose reads them.
const compose = composeSchema.parse(parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }));
const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
const nginx = readFileSync(resolve(ROOT, 'deploy', 'nginx', 'nginx.conf'), 'utf8');

const scratch = mkdtempSync(join(tmpdir(), 'yhteispoyta-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What scripts/deploy-secrets.sh writes to .env, as compose reads it. */
function generatedSecrets(): Record<string, string> {
  const dir = join(scratch, 'secrets');
  const run = spawnSync('bash', [resolve(ROOT, 'scripts', 'deploy-secrets.sh'), dir], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const lines = readFileSync(join(dir, '.env'), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}
const SECRETS = generatedSecrets();

function service(name: string) {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

function networksOf(name: string): string[] {
  const { networks } = service(name);
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

/** A healthcheck's command as one string. */
function healthText(name: string): string {
  const { test } = service(name).healthcheck;
  return Array.isArray(test) ? test.join(' ') : test;
}

/** Compose interpolation: `${NAME:?message}` must be set (it is refused otherwise); `$$` is a literal `$`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value
    .replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_m, name: string) => {
      const set = env[name];
      if (set === undefined || set === '') throw new Error(`compose would refuse: ${name} is not set`);
      return set;
    })
    .replace(/\$\$/g, '$');
}

/** The final stage's `ENV` lines of the Dockerfile (the image's environment). */
function imageEnv(): Record<string, string> {
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return Object.fromEntries([...final.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

/** A replica's environment inside its container: the image's ENV, then compose's, interpolated from `.env`. */
function replicaEnv(name: string): Record<string, string> {
  const own = Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, interpolate(v, SECRETS)]));
  return { ...imageEnv(), ...own };
}

describe('docker-compose.yml', () => {
  it('has mongo, redis, two server replicas and a proxy, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mongo', 'proxy', 'redis', 'server1', 'server2']);
    for (const name of Object.keys(compose.services)) expect(healthText(name).length).toBeGreaterThan(10);
  });

  it('runs MongoDB as a replica set with authentication and a keyfile, reachable only on the internal network', () => {
    const mongo = service('mongo');
    expect(mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0', '--keyFile', '/data/keyfile']));
    expect(mongo.command).not.toContain('--bind_ip_all');
    expect(mongo.command?.join(' ')).toContain('--bind_ip localhost,mongo');
    // The keyfile comes from a secret, copied with the mode mongod demands.
    expect(mongo.secrets).toEqual(['mongo_keyfile']);
    expect(compose.secrets['mongo_keyfile']?.file).toBe('./deploy/secrets/mongo-keyfile');
    expect(mongo.entrypoint?.join(' ')).toContain('install -m 400 -o mongodb -g mongodb /run/secrets/mongo_keyfile /data/keyfile');
    // A root user (the operator's) and the server's own user with readWrite on its database only.
    expect(mongo.environment?.['MONGO_INITDB_ROOT_PASSWORD']).toMatch(/^\$\{MONGO_ROOT_PASSWORD:\?.+\}$/);
    expect(mongo.volumes).toContain('./deploy/mongo/create-app-user.js:/docker-entrypoint-initdb.d/create-app-user.js:ro');
    const init = readFileSync(resolve(ROOT, 'deploy', 'mongo', 'create-app-user.js'), 'utf8');
    expect(init).toContain("user: 'yhteispoyta'");
    expect(init).toContain("roles: [{ role: 'readWrite', db: 'yhteispoyta' }]");
    const check = healthText('mongo');
    expect(check).toContain('-u root -p "$$MONGO_INITDB_ROOT_PASSWORD" --authenticationDatabase admin');
    expect(check).toContain("rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] })");
    expect(check).toContain('isWritablePrimary');
    expect(networksOf('mongo')).toEqual(['backend']);
    expect(compose.networks['backend']?.internal).toBe(true);
    expect(service('mongo').ports).toBeUndefined();
  });

  it('runs Redis with a password and without persistence, checked with an authenticated PING', () => {
    const redis = service('redis');
    expect(redis.command?.join(' ')).toContain('redis-server --requirepass "$$REDIS_PASSWORD" --save \'\' --appendonly no');
    expect(redis.environment?.['REDIS_PASSWORD']).toMatch(/^\$\{REDIS_PASSWORD:\?.+\}$/);
    expect(healthText('redis')).toContain('REDISCLI_AUTH="$$REDIS_PASSWORD" redis-cli ping');
    expect(networksOf('redis')).toEqual(['backend']);
    expect(redis.ports).toBeUndefined();
  });

  it('configures both replicas with an environment the server accepts in production mode', () => {
    expect(imageEnv()['NODE_ENV']).toBe('production');
    for (const name of REPLICAS) {
      const replica = service(name);
      expect(replica.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(replica.environment?.['ADMIN_TOKEN']).toMatch(/^\$\{ADMIN_TOKEN:\?.+\}$/);
      // No override that would switch the per-address limit off.
      expect(replica.environment?.['RATE_PER_IP_PER_MINUTE']).toBeUndefined();
      const env = replicaEnv(name);
      const config = loadConfig(env);
      expect(config.store).toMatchObject({ kind: 'mongo', writeConcern: 'majority' });
      const uri = new URL(config.store.kind === 'mongo' ? config.store.uri : '');
      expect([uri.username, uri.password, uri.host, uri.pathname]).toEqual(['yhteispoyta', SECRETS['MONGO_APP_PASSWORD'], 'mongo:27017', '/yhteispoyta']);
      expect(uri.searchParams.get('replicaSet')).toBe('rs0');
      expect(config.redisUrl).toBe(`redis://:${SECRETS['REDIS_PASSWORD']}@redis:6379`);
      expect(config.host).toBe('0.0.0.0');
      expect(config.port).toBe(8787);
      expect(config.admin).toEqual({ host: '0.0.0.0', port: 8788 });
      expect(config.adminToken).toBe(SECRETS['ADMIN_TOKEN']);
      expect(config.ratePerIpPerMinute).toBe(600);
      expect(replica.depends_on).toEqual({ mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(networksOf(name).sort()).toEqual(['backend', 'edge']);
      expect(healthText(name)).toContain(`http://127.0.0.1:${config.port}/ready`);
      // Without its secrets compose refuses to start at all.
      expect(() => loadConfig({ ...env, MONGODB_URI: 'mongodb://mongo:27017/yhteispoyta?replicaSet=rs0' })).toThrow(/MONGODB_URI: must carry credentials/);
    }
  });

  it('trusts X-Forwarded-For only from the proxy, whose address on the edge network is fixed', () => {
    const proxyNetworks = service('proxy').networks;
    const proxyAddress = Array.isArray(proxyNetworks) ? undefined : proxyNetworks['edge']?.ipv4_address;
    expect(proxyAddress).toBe('172.28.0.10');
    expect(compose.networks['edge']?.ipam?.config[0]?.subnet).toBe('172.28.0.0/24');
    for (const name of REPLICAS) expect(loadConfig(replicaEnv(name)).trustedProxies).toEqual([proxyAddress]);
    expect(networksOf('proxy')).toEqual(['edge']);
    // The proxy replaces the header with the address it saw: a client's own entries never pass.
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(nginx).not.toContain('$proxy_add_x_forwarded_for');
  });

  it('publishes the admin API of one replica on the host loopback only, and the proxy never names it', () => {
    expect(service('server1').ports).toEqual(['127.0.0.1:8788:8788']);
    expect(service('server2').ports).toBeUndefined();
    expect(nginx).not.toMatch(/:8788\b/);
    expect(nginx).toMatch(/location \/v1\/admin\/ \{\s*return 404;\s*\}/);
  });

  it('gives both replicas one transparency log key: the same file on one shared volume', () => {
    const keys = REPLICAS.map((name) => loadConfig(replicaEnv(name)).logKey);
    expect(keys[0]).toEqual({ kind: 'file', path: '/var/lib/yhteispoyta/log-key.pem' });
    expect(keys[1]).toEqual(keys[0]);
    for (const name of REPLICAS) expect(service(name).volumes).toEqual(['log-key:/var/lib/yhteispoyta']);
    expect(Object.keys(compose.volumes)).toContain('log-key');
  });

  it('terminates TLS at an nginx proxy with the mounted certificate, sticky sessions and websocket upgrades in front of exactly the replicas', () => {
    const proxy = service('proxy');
    expect(proxy.depends_on).toEqual({ server1: { condition: 'service_healthy' }, server2: { condition: 'service_healthy' } });
    expect(proxy.volumes).toEqual(['./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro', './deploy/tls:/etc/nginx/tls:ro']);
    expect(proxy.ports).toEqual(['443:443', '80:80']);
    expect(nginx).toMatch(/listen 443 ssl;/);
    expect(nginx).toContain('ssl_certificate     /etc/nginx/tls/cert.pem;');
    expect(nginx).toContain('ssl_certificate_key /etc/nginx/tls/key.pem;');
    expect(nginx).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    // Port 80 only redirects to TLS.
    const plain = /server \{\s*listen 80;([\s\S]*?)\n {2}\}/.exec(nginx)?.[1] ?? '';
    expect(plain).toContain('return 301 https://$host$request_uri;');
    expect(plain).not.toContain('proxy_pass');
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginx);
    expect(upstream).not.toBeNull();
    const [, upstreamName = '', body = ''] = upstream ?? [];
    expect(body).toMatch(/^\s*ip_hash;/m);
    const servers = [...body.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual(REPLICAS.map((name) => `${name}:${loadConfig(replicaEnv(name)).port}`));
    expect(nginx).toContain(`proxy_pass http://${upstreamName};`);
    expect(nginx).toContain('proxy_http_version 1.1;');
    expect(nginx).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(nginx).toContain('proxy_set_header Connection $connection_upgrade;');
    expect(nginx).toMatch(/map \$http_upgrade \$connection_upgrade \{\s*default upgrade;/);
    // The health check's listener is on the container's loopback, not published.
    expect(nginx).toContain('listen 127.0.0.1:8081;');
    expect(healthText('proxy')).toContain('http://127.0.0.1:8081/health');
  });

  it('makes a self-signed certificate for local use with scripts/self-signed-tls.sh', () => {
    const dir = join(scratch, 'tls');
    const run = spawnSync('bash', [resolve(ROOT, 'scripts', 'self-signed-tls.sh'), 'yhteispoyta.local', dir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const text = spawnSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-subject', '-ext', 'subjectAltName'], { encoding: 'utf8' }).stdout;
    expect(text).toContain('CN = yhteispoyta.local');
    expect(text).toContain('DNS:yhteispoyta.local');
    expect(statSync(join(dir, 'key.pem')).mode & 0o077).toBe(0);
    // It never overwrites a certificate.
    expect(spawnSync('bash', [resolve(ROOT, 'scripts', 'self-signed-tls.sh'), 'other', dir]).status).toBe(1);
    // The MongoDB keyfile of the secrets script is private and of a length mongod accepts.
    const keyfile = join(scratch, 'secrets', 'deploy', 'secrets', 'mongo-keyfile');
    expect(statSync(keyfile).mode & 0o077).toBe(0);
    expect(readFileSync(keyfile, 'utf8')).toMatch(/^[A-Za-z0-9+/=]{6,1024}$/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds the server to JavaScript in a build stage and runs it with node, without tsx', () => {
    expect(stages).toHaveLength(2);
    const [build = '', run = ''] = stages;
    expect(build).toMatch(/^node:20-bookworm-slim AS build/);
    expect(build).toContain('RUN npm run build:server');
    expect(JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts['build:server']).toBe('tsx scripts/build-server.ts');
    expect(run).toMatch(/^node:20-bookworm-slim\n/);
    expect(run).toContain('ENV NODE_ENV=production');
    expect(run).toMatch(/RUN npm ci --omit=dev /);
    expect(run).toContain('COPY --from=build /app/server/dist server/dist');
    expect(run).toContain('CMD ["node", "--enable-source-maps", "server/dist/main.mjs"]');
    // Nothing of the run stage names tsx, nor copies TypeScript sources.
    expect(run.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toMatch(/tsx|COPY \S*src/);
    expect(run).toContain('EXPOSE 8787 8788');
    expect(run).toContain('USER node');
  });

  it('copies every workspace manifest npm ci needs to match the lockfile', () => {
    const workspaces = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    for (const stage of stages) for (const workspace of workspaces) expect(stage).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });
});
