/**
 * Server configuration, read once from the environment and validated at start-up.
 * A bad value stops the process with a readable message instead of failing later.
 */
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { StoreConfig } from './store/create-store';
import type { LogKeySource } from './transparency/key-file';

const hex32 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)');
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
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
});

export type { StoreConfig };

/** The validated configuration of one server process. */
export interface ServerConfig {
  host: string;
  port: number;
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
  };
}
