/**
 * A removed member's device cannot decrypt anything sealed after its removal. The owner
 * removes a member (the agent rotates the epoch key); the remaining members keep editing
 * and chatting. Then the removed agent is stopped, its profile opened with its passphrase
 * and every key it holds read out; every ciphertext the server stored after the rotation
 * (updates, the re-sealed snapshot of the whole plan, chat) is read from the server's
 * store, and opening each with each of the removed device's keys must fail — while a
 * remaining member's key opens every one of them (the control).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { waitForSameChat, waitForSameHash } from './convergence';
import { ANNA, Cluster, SINI, TERO, sleep, waitFor, wordsOf } from './harness';
import type { ClusterAgent, Workspace } from './harness';
import { attemptOpen } from './open-attempt';
import { readHeldKeys } from './profile-keys';
import { lastSeq, registeredIdentityKeys, storedCiphertexts } from './server-store';

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let tero: ClusterAgent;
let workspace: Workspace;

beforeAll(async () => {
  cluster = await Cluster.start();
  ({ anna, sini, tero } = await cluster.team({ anna: ANNA, sini: SINI, tero: TERO }));
  workspace = await cluster.sharedWorkspace(anna, 'consultation', 'Konsultaatio', [sini, tero]);
}, 240_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('member removal', () => {
  it('leaves the removed device unable to open any ciphertext stored after the rotation', async () => {
    const { workspaceId } = workspace;
    const everyone = [anna, sini, tero];
    const [ea, es, et] = await Promise.all(everyone.map((agent) => cluster.openEditor(agent, workspaceId)));
    if (ea === undefined || es === undefined || et === undefined) throw new Error('editors missing');
    ea.appendParagraph('ennen poistoa ');
    for (const word of ['yhteinen', 'tavoite']) et.insertWord(word);
    await tero.api.sendChat(workspaceId, 'tero ennen poistoa');
    await waitForSameHash(everyone, workspaceId);
    await waitForSameChat(everyone, workspaceId, 1);

    const removed = await anna.api.removeMember(workspaceId, tero.userId);
    expect(removed.members.map((m) => m.userId).sort()).toEqual([anna.userId, sini.userId].sort());
    expect(removed.epoch).toBe(2);
    // Everything the server stores from now on was sealed after the rotation.
    const rotatedAt = lastSeq(cluster.server.storePath, workspaceId);

    await waitFor(async () => !(await tero.api.workspaces()).some((w) => w.workspaceId === workspaceId), {
      what: 'tero to drop the workspace',
    });
    // Paced past the merge window, so that each word is sealed in an envelope of its own.
    for (const word of ['poiston', 'jälkeen', 'salainen', 'jatko', 'suunnitelma', 'päivitetty']) {
      ea.insertWord(word);
      es.insertWord(`${word}-sini`);
      await sleep(120);
    }
    await anna.api.sendChat(workspaceId, 'anna poiston jälkeen');
    await sini.api.sendChat(workspaceId, 'sini poiston jälkeen');
    await waitForSameHash([anna, sini], workspaceId);
    await waitForSameChat([anna, sini], workspaceId, 3);
    // The re-sealed snapshot of the whole plan (pre-removal text included) is the prize.
    const stored = await waitFor(
      () => {
        const items = storedCiphertexts(cluster.server.storePath, workspaceId, rotatedAt);
        return items.some((i) => i.kind === 'snapshot' && i.stream === 'doc:plan') ? items : undefined;
      },
      { timeoutMs: 60_000, what: 'a snapshot of the plan under the new epoch' },
    );
    expect(stored.every((i) => i.epoch === 2)).toBe(true);
    expect(new Set(stored.map((i) => i.kind))).toEqual(new Set(['update', 'snapshot', 'chat']));
    expect(stored.filter((i) => i.kind === 'update').length).toBeGreaterThanOrEqual(6);
    // Tero's own agent received none of it.
    expect(wordsOf(et.text())).not.toEqual(expect.arrayContaining(['salainen']));

    await tero.process.stop();
    await sini.process.stop();
    const teroKeys = await readHeldKeys(tero.process.profilesDir, tero.profile, tero.passphrase);
    const siniKeys = await readHeldKeys(sini.process.profilesDir, sini.profile, sini.passphrase);

    // The removed device does hold the old key (so the attempt is a real one), not the new one.
    const teroEpochs = teroKeys.epochKeys.filter((k) => k.workspaceId === workspaceId).map((k) => k.epoch);
    expect(teroEpochs).toContain(1);
    expect(teroEpochs).not.toContain(2);
    const siniKey = (epoch: number) => siniKeys.epochKeys.find((k) => k.workspaceId === workspaceId && k.epoch === epoch && k.table === 'keys_epoch_keys')?.key;
    const newKey = siniKey(2);
    if (newKey === undefined) throw new Error('sini does not hold the key of epoch 2');
    expect(teroKeys.every32ByteValue.some((v) => bytesEqual(v, newKey))).toBe(false);

    const candidates = [...teroKeys.epochKeys.map((k) => k.key), ...teroKeys.every32ByteValue];
    const identities = registeredIdentityKeys(cluster.server.storePath);
    for (const item of stored) {
      for (const key of candidates) {
        const attempt = attemptOpen(item, workspaceId, identities, () => key);
        expect(attempt, `${item.kind} #${item.seq}`).toMatchObject({ ok: false, code: 'wrong_key' });
      }
      // Control: the same bytes open with a remaining member's key.
      expect(attemptOpen(item, workspaceId, identities, siniKey), `${item.kind} #${item.seq}`).toMatchObject({ ok: true });
    }
  }, 300_000);
});
