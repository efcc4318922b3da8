/**
 * The import-boundary rules of eslint.config.js, proven to fail when violated:
 * each case lints a snippet as if it lived in a given folder.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('crypto/ may not import the server or the client', async () => {
    const server = await boundaryErrors('crypto/src/fixture.ts', "import { x } from '@yhteispoyta/server';\nexport const y = x;\n");
    expect(server.join()).toMatch(/crypto\/ imports nothing from server\/ or client\//);
    const client = await boundaryErrors('crypto/src/fixture.ts', "import { x } from '../../client/agent/src/index';\nexport const y = x;\n");
    expect(client).toHaveLength(1);
  });

  it('crypto/ does no I/O', async () => {
    const fs = await boundaryErrors('crypto/src/fixture.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n");
    expect(fs.join()).toMatch(/crypto\/ does no I\/O/);
  });

  it('client/ui/ never imports crypto/ or libsignal', async () => {
    const crypto = await boundaryErrors('client/ui/src/fixture.ts', "import { sha256 } from '@yhteispoyta/crypto/bytes';\nexport const y = sha256;\n");
    expect(crypto).toHaveLength(1);
    const signal = await boundaryErrors('client/ui/src/fixture.tsx', "import { PublicKey } from '@signalapp/libsignal-client';\nexport const y = PublicKey;\n");
    expect(signal).toHaveLength(1);
  });

  it('server/ never uses private keys or decryption', async () => {
    const priv = await boundaryErrors('server/src/fixture.ts', "import { PrivateKey } from '@signalapp/libsignal-client';\nexport const y = PrivateKey;\n");
    expect(priv.join()).toMatch(/never holds a private key/);
    const open = await boundaryErrors('server/src/fixture.ts', "import { openEnvelope } from '@yhteispoyta/crypto';\nexport const y = openEnvelope;\n");
    expect(open).toHaveLength(1);
    const sub = await boundaryErrors('server/src/fixture.ts', "import { sealEnvelope } from '@yhteispoyta/crypto/envelope';\nexport const y = sealEnvelope;\n");
    expect(sub).toHaveLength(1);
    const stores = await boundaryErrors('server/src/fixture.ts', "import { MemorySignalStores as M } from '../../crypto/src/memory-stores';\nexport const y = M;\n");
    expect(stores.length).toBeGreaterThan(0);
  });

  it('admin/ never imports the server or the client (outside its tests)', async () => {
    const app = await boundaryErrors('admin/src/fixture.ts', "import { startServer } from '@yhteispoyta/server/app';\nexport const y = startServer;\n");
    expect(app.join()).toMatch(/admin\/ talks to the server only over its REST API/);
    const store = await boundaryErrors('admin/src/cli/fixture.ts', "import type { Store } from '../../../server/src/store/port';\nexport type Y = Store;\n");
    expect(store).toHaveLength(1);
    const agent = await boundaryErrors('admin/src/fixture.ts', "import { AgentHost } from '@yhteispoyta/agent/agent';\nexport const y = AgentHost;\n");
    expect(agent).toHaveLength(1);
    expect(await boundaryErrors('admin/src/fixture.test.ts', "import { startServer } from '@yhteispoyta/server/app';\nexport const y = startServer;\n")).toEqual([]);
    expect(await boundaryErrors('admin/src/fixture.ts', "import { signCertificate } from '@yhteispoyta/crypto/certificates/index';\nimport { z } from 'zod';\nexport const y = [signCertificate, z];\n")).toEqual([]);
  });

  it('allowed imports pass', async () => {
    expect(await boundaryErrors('server/src/fixture.ts', "import { PublicKey } from '@signalapp/libsignal-client';\nexport const y = PublicKey;\n")).toEqual([]);
    expect(await boundaryErrors('server/src/fixture.ts', "import { verifyEnvelopeSignature } from '@yhteispoyta/crypto/envelope';\nexport const y = verifyEnvelopeSignature;\n")).toEqual([]);
    expect(await boundaryErrors('client/agent/src/fixture.ts', "import { sha256 } from '@yhteispoyta/crypto/bytes';\nexport const y = sha256;\n")).toEqual([]);
  });
});
