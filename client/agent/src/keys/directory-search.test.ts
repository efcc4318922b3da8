/**
 * The directory search as the agent offers it (issue 15): the server answers a name search
 * with at most 20 candidates, and the agent shows each only as his certificates say —
 * a name or role the server rewrote is replaced by the certified one, a person without a
 * valid certificate is left out. The real server in-process; a hostile one is the interceptor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: InProcessServer;
let opened: TestDevice[];

async function make(name: string, role: ProfessionalRole, orgId: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, { name, orgId, role });
  opened.push(made);
  return made;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-search-'));
  server = await startInProcessServer();
  opened = [];
});
afterEach(async () => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('searching the directory', () => {
  it('finds professionals by a fragment of their name, as their certificates name them', async () => {
    const alice = await make('Alice-Aalto', 'social_worker', 'sote');
    const carol = await make('Carol-Virtanen', 'kela_expert', 'kela');
    const dave = await make('Dave-Virtanen', 'kela_expert', 'kela');
    await make('Erkki-Esimerkki', 'kela_expert', 'kela');
    const found = await alice.core.membership.orgUsers('kela', 'VIRTA');
    expect(found.sort((a, b) => a.displayName.localeCompare(b.displayName))).toEqual([
      { userId: carol.device.self.userId, displayName: 'Carol-Virtanen', role: 'kela_expert', orgId: 'kela' },
      { userId: dave.device.self.userId, displayName: 'Dave-Virtanen', role: 'kela_expert', orgId: 'kela' },
    ]);
    expect(await alice.core.membership.orgUsers('sote', 'virta')).toEqual([]);
  });

  it("believes no name, role or person the server adds: certificates decide", async () => {
    const alice = await make('Alice-Aalto', 'social_worker', 'sote');
    const carol = await make('Carol-Virtanen', 'kela_expert', 'kela');
    server.intercept = (t) => {
      if (t.kind !== 'rest' || t.route !== 'listOrgUsers') return undefined;
      return {
        replace: {
          users: [
            { userId: carol.device.self.userId, displayName: 'KELA: tunnuksesi vanhenee – kirjaudu', role: 'social_worker', orgId: 'kela' },
            // Someone with no certificate at all, and a professional of another organisation passed off as Kela's.
            { userId: 'u_nobodyatall', displayName: 'Carol-Virtanen', role: 'kela_expert', orgId: 'kela' },
            { userId: alice.device.self.userId, displayName: 'Alice-Aalto', role: 'kela_expert', orgId: 'kela' },
          ],
        },
      };
    };
    expect(await alice.core.membership.orgUsers('kela', 'virta')).toEqual([
      { userId: carol.device.self.userId, displayName: 'Carol-Virtanen', role: 'kela_expert', orgId: 'kela' },
    ]);
  });
});
