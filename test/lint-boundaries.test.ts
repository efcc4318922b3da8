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
  it('common/ imports nothing but its own files', async () => {
    const crypto = await boundaryErrors('common/src/fixture.ts', "import { sha256 } from '@yhteispoyta/crypto/bytes';\nexport const y = sha256;\n");
    expect(crypto.join()).toMatch(/common\/ imports nothing but its own files/);
    const server = await boundaryErrors('common/src/fixture.ts', "import { x } from '../../server/src/app';\nexport const y = x;\n");
    expect(server).toHaveLength(1);
    const agent = await boundaryErrors('common/src/fixture.ts', "import type { AgentHost } from '@yhteispoyta/agent/agent';\nexport type Y = AgentHost;\n");
    expect(agent).toHaveLength(1);
    const fs = await boundaryErrors('common/src/fixture.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n");
    expect(fs).toHaveLength(1);
    const timers = await boundaryErrors('common/src/fixture.ts', "import { setTimeout } from 'node:timers/promises';\nexport const y = setTimeout;\n");
    expect(timers).toHaveLength(1);
    const pkg = await boundaryErrors('common/src/fixture.ts', "import { z } from 'zod';\nexport const y = z;\n");
    expect(pkg).toHaveLength(1);
    expect(await boundaryErrors('common/src/fixture.ts', "import { SerialQueue } from './queue';\nexport const y = SerialQueue;\n")).toEqual([]);
  });

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

  it('client/local-api/ imports zod, zxcvbn-ts and its own files only', async () => {
    const crypto = await boundaryErrors('client/local-api/src/fixture.ts', "import { idSchema } from '@yhteispoyta/crypto/protocol';\nexport const y = idSchema;\n");
    expect(crypto.join()).toMatch(/client\/local-api\/ imports zod, zxcvbn-ts and its own files only/);
    const agent = await boundaryErrors('client/local-api/src/fixture.ts', "import type { AgentHost } from '../../agent/src/agent';\nexport type Y = AgentHost;\n");
    expect(agent).toHaveLength(1);
    const fs = await boundaryErrors('client/local-api/src/fixture.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n");
    expect(fs).toHaveLength(1);
    const signal = await boundaryErrors('client/local-api/src/fixture.ts', "import { PublicKey } from '@signalapp/libsignal-client';\nexport const y = PublicKey;\n");
    expect(signal).toHaveLength(1);
    expect(await boundaryErrors('client/local-api/src/fixture.ts', "import { z } from 'zod';\nimport { idSchema } from './fields';\nexport const y = [z, idSchema];\n")).toEqual([]);
    // the passphrase rule's estimator, pure JavaScript the page runs too
    expect(await boundaryErrors('client/local-api/src/fixture.ts', "import { ZxcvbnFactory } from '@zxcvbn-ts/core';\nexport const y = ZxcvbnFactory;\n")).toEqual([]);
  });

  it('client/ui/ may import the local-API contract, and still not the agent', async () => {
    expect(await boundaryErrors('client/ui/src/fixture.ts', "import { LOCAL_API_ROUTES } from '@yhteispoyta/local-api';\nexport const y = LOCAL_API_ROUTES;\n")).toEqual([]);
    const agent = await boundaryErrors('client/ui/src/fixture.ts', "import { AgentHost } from '@yhteispoyta/agent/agent';\nexport const y = AgentHost;\n");
    expect(agent.join()).toMatch(/client\/ui\/ talks only to its agent/);
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

  it('in the agent, sync/ and chat/ never import each other, and streams/ imports neither', async () => {
    const chatFromSync = await boundaryErrors('client/agent/src/sync/fixture.ts', "import { ChatStream } from '../chat/chat-stream';\nexport const y = ChatStream;\n");
    expect(chatFromSync.join()).toMatch(/sync\/ \(documents and the engine\) never imports chat\//);
    const syncFromChat = await boundaryErrors('client/agent/src/chat/fixture.ts', "import type { SyncEngine } from '../sync/sync-engine';\nexport type Y = SyncEngine;\n");
    expect(syncFromChat.join()).toMatch(/chat\/ never imports sync\//);
    const upward = await boundaryErrors('client/agent/src/streams/fixture.ts', "import { Outbox } from '../sync/outbox';\nexport const y = Outbox;\n");
    expect(upward).toHaveLength(1);
    expect(await boundaryErrors('client/agent/src/chat/fixture.ts', "import type { StreamContext } from '../streams/stream-context';\nexport type Y = StreamContext;\n")).toEqual([]);
    expect(await boundaryErrors('client/agent/src/chat/fixture.test.ts', "import { SyncWorld } from '../sync/testkit/sync-world';\nexport const y = SyncWorld;\n")).toEqual([]);
  });

  it('allowed imports pass', async () => {
    expect(await boundaryErrors('server/src/fixture.ts', "import { PublicKey } from '@signalapp/libsignal-client';\nexport const y = PublicKey;\n")).toEqual([]);
    expect(await boundaryErrors('server/src/fixture.ts', "import { verifyEnvelopeSignature } from '@yhteispoyta/crypto/envelope';\nexport const y = verifyEnvelopeSignature;\n")).toEqual([]);
    expect(await boundaryErrors('client/agent/src/fixture.ts', "import { sha256 } from '@yhteispoyta/crypto/bytes';\nexport const y = sha256;\n")).toEqual([]);
  });
});
