/**
 * Server configuration, read once from the environment and validated at start-up.
 * A bad value stops the process with a readable message instead of failing later.
 */
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { limitsEnvShape, limitsOf } from './limits-config';
import type { LimitsConfig } from './limits-config';
import type { StoreConfig } from './store/create-store';
import type { LogKeySource } from './transparency/key-file';

const hex32 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)');
const positiveInt = z.coerce.number().int().positive();

/** A production deployment's per-IP budget may be raised up to this, never switched off (issue 15). */
const MAX_PRODUCTION_RATE_PER_IP_PER_MINUTE = 6000;

/** One address or CIDR block of TRUSTED_PROXY, e.g. `172.28.0.10` or `10.0.0.0/8`. */
function isAddressOrBlock(text: string): boolean {
  const [address = '', bits, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

const trustedProxySchema = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()).filter((part) => part !== ''))
  .refine((parts) => parts.every(isAddressOrBlock), 'must be a comma-separated list of IP addresses or CIDR blocks');

const envSchema = z.object({
    NODE_ENV: z.string().optional(),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
    ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
    ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    TRUSTED_PROXY: trustedProxySchema.optional(),
    STORE: z.enum(['sqlite', 'mongo']).default('sqlite'),
    SQLITE_PATH: z.string().min(1).default('.data/server.db'),
    STORE_KEY: hex32.optional(),
    LOG_KEY_FILE: z.string().min(1).optional(),
    MONGODB_URI: z.string().startsWith('mongodb').optional(),
    REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL').optional(),
    MONGO_WRITE_CONCERN: z.union([z.literal('majority'), z.coerce.number().int().min(0)]).default('majority'),
    ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_TTL_SECONDS: positiveInt.default(3600),
    CODE_TTL_SECONDS: positiveInt.default(7 * 24 * 3600),
    RATE_PER_IP_PER_MINUTE: positiveInt.default(600),
    RATE_PER_DEVICE_PER_MINUTE: positiveInt.default(6000),
    MAX_JSON_BYTES: positiveInt.default(14 * 1024 * 1024),
    SNAPSHOT_RETENTION_SECONDS: positiveInt.default(7 * 24 * 3600),
    ...limitsEnvShape,
});

export type { StoreConfig };

/** The validated configuration of one server process. */
export interface ServerConfig {
  host: string;
  port: number;
  /**
   * The admin API's own listener (ADMIN_HOST, ADMIN_PORT): when set, admin routes are served
   * only there and the public listener answers them 404 like any unknown path; absent (the
   * development default), they are on the public listener. Production requires it.
   */
  admin?: { host: string; port: number };
  /**
   * Addresses of the reverse proxy in front (TRUSTED_PROXY): only a connection from one of them
   * may name the client with X-Forwarded-For (http/client-address.ts); from anyone else the
   * header is ignored and the connection's own address counts.
   */
  trustedProxies: readonly string[];
  store: StoreConfig;
  /**
   * Redis for socket.io fan-out between server processes (scale-out, docs/design.md §8); absent:
   * this process reaches only its own sockets (the one-process default).
   */
  redisUrl?: string;
  /** absent: the admin API is disabled (the CLI still works on the store directly) */
  adminToken?: string;
  /**
   * The transparency log's signing key (transparency/key-file.ts): LOG_KEY_FILE, by default
   * `log-key.pem` next to the sqlite file; a throwaway `:memory:` store gets a throwaway key.
   */
  logKey: LogKeySource;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  sessionTtlSeconds: number;
  codeTtlSeconds: number;
  ratePerIpPerMinute: number;
  ratePerDevicePerMinute: number;
  maxJsonBytes: number;
  /** how long updates a snapshot covers are kept before the retention job deletes them (maintenance/retention.ts) */
  snapshotRetentionSeconds: number;
  /** quotas, the unreferenced-blob limit and prekey claim rates (limits-config.ts) */
  limits: LimitsConfig;
}

/** Thrown when the environment is invalid; its message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parse and validate the environment (defaults to process.env). */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const parsed = envSchema.safeParse(env);
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  // Cross-field rules are checked on the raw values so they are reported with the rest.
  if (env.STORE === 'mongo' && !env.MONGODB_URI) lines.push('  MONGODB_URI: is required when STORE=mongo');
  // Processes sharing a mongo store must sign the log with one key: there is no safe default file.
  if (env.STORE === 'mongo' && !env.LOG_KEY_FILE) lines.push('  LOG_KEY_FILE: is required when STORE=mongo (every server process on the store shares it)');
  if (parsed.success && parsed.data.ADMIN_PORT !== undefined && parsed.data.ADMIN_PORT !== 0 && parsed.data.ADMIN_PORT === parsed.data.PORT) {
    lines.push('  ADMIN_PORT: must differ from PORT (the admin API has a listener of its own)');
  }
  if (env.NODE_ENV === 'production') lines.push(...productionProblems(env));
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`Invalid server configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const store: StoreConfig =
    e.STORE === 'mongo'
      ? { kind: 'mongo', uri: e.MONGODB_URI ?? '', writeConcern: e.MONGO_WRITE_CONCERN }
      : { kind: 'sqlite', path: e.SQLITE_PATH, ...(e.STORE_KEY ? { key: e.STORE_KEY.toLowerCase() } : {}) };
  const logKey: LogKeySource =
    e.LOG_KEY_FILE !== undefined ? { kind: 'file', path: e.LOG_KEY_FILE }
    : e.SQLITE_PATH === ':memory:' ? { kind: 'ephemeral' }
    : { kind: 'file', path: join(dirname(e.SQLITE_PATH), 'log-key.pem') };
  return {
    host: e.HOST,
    port: e.PORT,
    ...(e.ADMIN_PORT === undefined ? {} : { admin: { host: e.ADMIN_HOST, port: e.ADMIN_PORT } }),
    trustedProxies: e.TRUSTED_PROXY ?? [],
    store,
    logKey,
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    ...(e.ADMIN_TOKEN ? { adminToken: e.ADMIN_TOKEN } : {}),
    logLevel: e.LOG_LEVEL,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    codeTtlSeconds: e.CODE_TTL_SECONDS,
    ratePerIpPerMinute: e.RATE_PER_IP_PER_MINUTE,
    ratePerDevicePerMinute: e.RATE_PER_DEVICE_PER_MINUTE,
    maxJsonBytes: e.MAX_JSON_BYTES,
    snapshotRetentionSeconds: e.SNAPSHOT_RETENTION_SECONDS,
    limits: limitsOf(e),
  };
}

/** Credentials in a URL's authority (`scheme://user:password@host`). */
function hasPassword(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/**
 * What NODE_ENV=production demands beyond a valid environment (issue 15): the sqlite store
 * encrypted at rest, MongoDB and Redis reached with credentials, the admin API on a listener
 * of its own, and a per-IP limit that still limits. Each problem is one line of the message.
 */
function productionProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const store = env.STORE ?? 'sqlite';
  if (store === 'sqlite' && !env.STORE_KEY) {
    problems.push('  STORE_KEY: is required when NODE_ENV=production (the sqlite store is encrypted at rest with it; make one with `openssl rand -hex 32`)');
  }
  if (store === 'mongo' && env.MONGODB_URI && !hasPassword(env.MONGODB_URI)) {
    problems.push('  MONGODB_URI: must carry credentials (mongodb://user:password@host/…) when NODE_ENV=production');
  }
  if (env.REDIS_URL && !hasPassword(env.REDIS_URL)) {
    problems.push('  REDIS_URL: must carry a password (redis://:password@host:6379) when NODE_ENV=production');
  }
  if (env.ADMIN_TOKEN && !env.ADMIN_PORT) {
    problems.push('  ADMIN_PORT: is required with ADMIN_TOKEN when NODE_ENV=production (the admin API is served on its own listener, never the public one)');
  }
  const rate = Number(env.RATE_PER_IP_PER_MINUTE ?? '0');
  if (rate > MAX_PRODUCTION_RATE_PER_IP_PER_MINUTE) {
    problems.push(`  RATE_PER_IP_PER_MINUTE: at most ${MAX_PRODUCTION_RATE_PER_IP_PER_MINUTE} when NODE_ENV=production (a higher value switches the per-address limit off; behind a proxy set TRUSTED_PROXY instead)`);
  }
  return problems;
}

