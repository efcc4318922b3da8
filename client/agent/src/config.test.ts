import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './config';

const ok = (argv: string[], env: Record<string, string | undefined> = {}) => {
  const result = parseAgentConfig(argv, env);
  if (!result.ok) throw new Error(result.help ? 'help' : result.errors.join('; '));
  return result.config;
};
const errors = (argv: string[], env: Record<string, string | undefined> = {}) => {
  const result = parseAgentConfig(argv, env);
  if (result.ok || result.help) throw new Error('expected errors');
  return result.errors;
};

describe('parseAgentConfig', () => {
  it('applies defaults', () => {
    expect(ok(['--server', 'http://127.0.0.1:8787/'])).toEqual({
      serverUrl: 'http://127.0.0.1:8787',
      profilesDir: resolve(homedir(), '.yhteispoyta', 'profiles'),
      createProfile: false,
      port: 0,
      mergeWindowMs: 0,
      compactionThreshold: 50,
      signedPreKeyRotationMs: 7 * 24 * 3600 * 1000,
      heartbeatIntervalMs: 180_000,
      staleHeadGraceMs: 120_000,
      maxAttachmentBytes: 32 * 1024 * 1024,
      logLevel: 'info',
    });
  });

  it('reads flags before environment variables, and treats empty values as unset', () => {
    const config = ok(['--server', 'https://yp.example/base/', '--profile', 'anna', '--dir', 'rel/dir', '--port', '4100', '--merge-window-ms', '20', '--create'], {
      YHTEISPOYTA_SERVER: 'http://ignored.example',
      YHTEISPOYTA_PORT: '9999',
      YHTEISPOYTA_COMPACTION_THRESHOLD: '50',
      YHTEISPOYTA_PROFILES_DIR: '',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      serverUrl: 'https://yp.example/base',
      profile: 'anna',
      profilesDir: resolve('rel/dir'),
      port: 4100,
      mergeWindowMs: 20,
      compactionThreshold: 50,
      createProfile: true,
      logLevel: 'warn',
    });
    expect(ok([], { YHTEISPOYTA_SERVER: 'http://s.example', YHTEISPOYTA_PROFILES_DIR: '' }).profilesDir).toBe(resolve(homedir(), '.yhteispoyta', 'profiles'));
  });

  it('lists every problem with the flag it concerns', () => {
    const found = errors(['--port', '70000', '--profile', ' Not/Valid', '--merge-window-ms', 'soon', '--log-level', 'loud']);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--server: /),
        expect.stringMatching(/^--port: /),
        expect.stringMatching(/^--profile: must be a name of 1-40 characters/),
        expect.stringMatching(/^--merge-window-ms: /),
        expect.stringMatching(/^--log-level: /),
      ]),
    );
    expect(errors(['--server', 'ftp://x.example'])[0]).toMatch(/^--server: must be an http\(s\) URL/);
    expect(errors(['--server', 'http://user:pw@x.example'])[0]).toMatch(/without credentials/);
    expect(errors(['--server', 'http://x.example', '--bogus'])[0]).toMatch(/bogus/);
    expect(errors(['--server', 'http://x.example', 'positional'])[0]).toMatch(/positional/i);
    expect(errors(['--server', 'http://x.example', '--create'])).toEqual(['--create: needs --profile NAME']);
    expect(errors(['--server', 'http://x.example', '--signed-prekey-rotation-ms', '10'])[0]).toMatch(/^--signed-prekey-rotation-ms: /);
  });

  it('answers --help', () => {
    expect(parseAgentConfig(['--help'], {})).toEqual({ ok: false, help: true });
  });
});
