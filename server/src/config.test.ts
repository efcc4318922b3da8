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
});
