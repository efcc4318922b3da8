import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  it('defaults to the embedded sqlite store on loopback', () => {
    const c = loadConfig({});
    expect(c.store).toEqual({ kind: 'sqlite', path: '.data/server.db' });
    expect(c.host).toBe('127.0.0.1');
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
    const c = loadConfig({ STORE: 'mongo', MONGODB_URI: 'mongodb://127.0.0.1:27017/x', MONGO_WRITE_CONCERN: '1' });
    expect(c.store).toEqual({ kind: 'mongo', uri: 'mongodb://127.0.0.1:27017/x', writeConcern: 1 });
  });
});
