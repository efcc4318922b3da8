/**
 * Blob confirmations survive what the network and a restart do to them (issue 15): one that
 * fails is kept in the profile and sent again by the next flush, also from a new instance on
 * the reopened profile; a workspace that refuses (the device left it) is given up on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { BlobReferences } from './blob-references';

let dir: string;
let profile: ProfileDb;
const log = pino({ level: 'silent' });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-blobref-'));
  const created = await createProfile(dir, 'p', 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  profile = created.profile;
});
afterEach(() => {
  profile.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A REST client whose confirmBlobs answers as `answer` says, recording what it was asked. */
function server(answer: (workspaceId: string) => 'ok' | RestError['code']): { rest: RestClient; asked: { workspaceId: string; blobIds: string[] }[] } {
  const asked: { workspaceId: string; blobIds: string[] }[] = [];
  const rest = {
    call: async (route: string, input: { params: { workspaceId: string }; body: { blobIds: string[] } }) => {
      if (route !== 'confirmBlobs') throw new Error(`unexpected ${route}`);
      asked.push({ workspaceId: input.params.workspaceId, blobIds: [...input.body.blobIds] });
      const verdict = answer(input.params.workspaceId);
      if (verdict !== 'ok') throw new RestError(verdict, 'refused');
      return { confirmed: input.body.blobIds.length };
    },
  } as unknown as RestClient;
  return { rest, asked };
}

describe('BlobReferences', () => {
  it('keeps a failed confirmation in the profile and sends it again, also after a restart', async () => {
    let online = false;
    const first = server(() => (online ? 'ok' : 'offline'));
    await new BlobReferences(first.rest, profile, log).confirm('w1', ['b1', 'b2']);
    expect(first.asked).toEqual([{ workspaceId: 'w1', blobIds: ['b1', 'b2'] }]);
    // The agent restarts: a new instance on the same profile still owes them.
    online = true;
    const second = server(() => 'ok');
    const restarted = new BlobReferences(second.rest, profile, log);
    await restarted.flush();
    expect(second.asked).toEqual([{ workspaceId: 'w1', blobIds: ['b1', 'b2'] }]);
    // Sent once: nothing is owed any more.
    await restarted.flush();
    expect(second.asked).toHaveLength(1);
  });

  it('a later confirmation carries what an earlier one left, and a refusing workspace is given up', async () => {
    const calls = server((workspaceId) => (workspaceId === 'left' ? 'forbidden' : 'ok'));
    const references = new BlobReferences(calls.rest, profile, log);
    await references.confirm('left', ['x']);
    await references.confirm('w2', ['b3']);
    expect(calls.asked).toEqual([
      { workspaceId: 'left', blobIds: ['x'] },
      { workspaceId: 'w2', blobIds: ['b3'] },
    ]);
    await references.flush();
    expect(calls.asked).toHaveLength(2);
  });
});
