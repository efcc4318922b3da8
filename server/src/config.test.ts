import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('defaults to the embedded sqlite store on loopback', () => {
    const c = loadConfig({});
    expect(c.store).toEqual({ kind: 'sqlite', path: '.data/server.db' });
    expect(c.host).toBe('127.0.0.1');
  });
  it('keeps the log key next to the sqlite file unless LOG_KEY_FILE says where; a throwaway store gets a throwaway key', () => {
    expect(loadConfig({}).logKey).toEqual({ kind: 'file', path: '.data/log-key.pem' });
    expect(loadConfig({ SQLITE_PATH: '/var/lib/yp/store.db' }).logKey).toEqual({ kind: 'file', path: '/var/lib/yp/log-key.pem' });
    expect(loadConfig({ SQLITE_PATH: '/var/lib/yp/store.db', LOG_KEY_FILE: '/run/secrets/log.pem' }).logKey).toEqual({ kind: 'file', path: '/run/secrets/log.pem' });
    expect(loadConfig({ SQLITE_PATH: ':memory:' }).logKey).toEqual({ kind: 'ephemeral' });
    expect(() => loadConfig({ STORE: 'mongo', MONGODB_URI: 'mongodb://127.0.0.1:27017/x' })).toThrow(/LOG_KEY_FILE: is required when STORE=mongo/);
    expect(() => loadConfig({ LOG_KEY_FILE: '' })).toThrow(/LOG_KEY_FILE/);
  });
  it('fails fast with every problem named', () => {
    expect(() => loadConfig({ STORE: 'mongo', PORT: 'abc', STORE_KEY: 'xyz' })).toThrow(ConfigError);
    try {
      loadConfig({ STORE: 'mongo', PORT: 'abc' });
    } catch (e) {
      expect(String(e)).toMatch(/PORT/);
      expect(String(e)).toMatch(/MONGODB_URI: is required when STORE=mongo/);
    }
  });
  it('accepts a mongo configuration', () => {
    const c = loadConfig({ STORE: 'mongo', MONGODB_URI: 'mongodb://127.0.0.1:27017/x', MONGO_WRITE_CONCERN: '1', LOG_KEY_FILE: '/shared/log-key.pem' });
    expect(c.store).toEqual({ kind: 'mongo', uri: 'mongodb://127.0.0.1:27017/x', writeConcern: 1 });
    expect(c.logKey).toEqual({ kind: 'file', path: '/shared/log-key.pem' });
  });

  it('in production refuses to start without STORE_KEY for sqlite, credentials for MongoDB and Redis, an admin listener of its own, and a per-address limit that limits', () => {
    const production = { NODE_ENV: 'production', STORE_KEY: 'ab'.repeat(32) };
    expect(loadConfig(production).store).toEqual({ kind: 'sqlite', path: '.data/server.db', key: 'ab'.repeat(32) });
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/STORE_KEY: is required when NODE_ENV=production/);
    // Development keeps working without one.
    expect(loadConfig({ NODE_ENV: 'development' }).store).toEqual({ kind: 'sqlite', path: '.data/server.db' });
    const mongo = { NODE_ENV: 'production', STORE: 'mongo', LOG_KEY_FILE: '/k.pem' };
    expect(() => loadConfig({ ...mongo, MONGODB_URI: 'mongodb://mongo:27017/y' })).toThrow(/MONGODB_URI: must carry credentials/);
    expect(loadConfig({ ...mongo, MONGODB_URI: 'mongodb://yp:secret@mongo:27017/y' }).store).toMatchObject({ kind: 'mongo' });
    expect(() => loadConfig({ ...production, REDIS_URL: 'redis://redis:6379' })).toThrow(/REDIS_URL: must carry a password/);
    expect(loadConfig({ ...production, REDIS_URL: 'redis://:pw@redis:6379' }).redisUrl).toBe('redis://:pw@redis:6379');
    const token = 'a-production-admin-token-0123456789';
    expect(() => loadConfig({ ...production, ADMIN_TOKEN: token })).toThrow(/ADMIN_PORT: is required with ADMIN_TOKEN/);
    expect(loadConfig({ ...production, ADMIN_TOKEN: token, ADMIN_PORT: '8788', ADMIN_HOST: '0.0.0.0' }).admin).toEqual({ host: '0.0.0.0', port: 8788 });
    expect(() => loadConfig({ ...production, RATE_PER_IP_PER_MINUTE: '60000' })).toThrow(/RATE_PER_IP_PER_MINUTE: at most 6000/);
    expect(loadConfig({ ...production, RATE_PER_IP_PER_MINUTE: '1200' }).ratePerIpPerMinute).toBe(1200);
    // Every problem is named at once.
    try {
      loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: token, RATE_PER_IP_PER_MINUTE: '60000' });
      expect.unreachable();
    } catch (e) {
      expect(String(e)).toMatch(/STORE_KEY[\s\S]*ADMIN_PORT[\s\S]*RATE_PER_IP_PER_MINUTE/);
    }
  });

  it('reads the admin listener and the trusted proxy addresses', () => {
    expect(loadConfig({}).admin).toBeUndefined();
    expect(loadConfig({ ADMIN_PORT: '8788' }).admin).toEqual({ host: '127.0.0.1', port: 8788 });
    expect(() => loadConfig({ PORT: '8787', ADMIN_PORT: '8787' })).toThrow(/ADMIN_PORT: must differ from PORT/);
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ TRUSTED_PROXY: '172.28.0.10, 10.0.0.0/8,fd00::/8' }).trustedProxies).toEqual(['172.28.0.10', '10.0.0.0/8', 'fd00::/8']);
    expect(() => loadConfig({ TRUSTED_PROXY: 'proxy.local' })).toThrow(/TRUSTED_PROXY/);
    expect(() => loadConfig({ TRUSTED_PROXY: '10.0.0.0/33' })).toThrow(/TRUSTED_PROXY/);
  });
  it('has abuse limits with defaults, each configurable and refused when not a positive integer (issue 15)', () => {
    const c = loadConfig({});
    expect(c.limits.quotas).toEqual({
      blobBytesPerUser: 1024 * 1024 * 1024,
      blobsPerUser: 2000,
      blobBytesPerWorkspace: 2048 * 1024 * 1024,
      blobsPerWorkspace: 5000,
      workspacesPerUser: 500,
      mailboxItemsPerDevice: 5000,
    });
    expect(c.limits.blobUnreferencedTtlSeconds).toBe(24 * 3600);
    expect(c.limits.prekeyClaims).toEqual({ perTargetPerHour: 40, perClaimantPerHour: 400 });
    expect(loadConfig({ QUOTA_BLOBS_PER_WORKSPACE: '7', PREKEY_CLAIMS_PER_TARGET_PER_HOUR: '3' }).limits).toMatchObject({
      quotas: { blobsPerWorkspace: 7 },
      prekeyClaims: { perTargetPerHour: 3 },
    });
    expect(() => loadConfig({ QUOTA_BLOB_BYTES_PER_USER: '0' })).toThrow(/QUOTA_BLOB_BYTES_PER_USER/);
    expect(() => loadConfig({ BLOB_UNREFERENCED_TTL_SECONDS: 'a day' })).toThrow(/BLOB_UNREFERENCED_TTL_SECONDS/);
    expect(() => loadConfig({ QUOTA_MAILBOX_ITEMS_PER_DEVICE: '-5' })).toThrow(ConfigError);
  });
});
