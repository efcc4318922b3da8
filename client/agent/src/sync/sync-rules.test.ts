import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes, sha256 } from '@yhteispoyta/crypto/bytes';
import { GENESIS_PROOF, nextParentProof } from '@yhteispoyta/crypto/envelope';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { browserOrigin, isOwnChange, REMOTE_ORIGIN, REPAIR_ORIGIN, sourceOf, tagFollowUps } from './doc-origin';
import type { DocSource } from './doc-origin';
import { deletesBeyond } from './document-streams';
import { expectedParentProof, judgeSnapshotLink, newSnapshotId, proofAfter } from './snapshot-chain';
import { documentStateHash } from './state-hash';
import type { ActiveSnapshot, KnownSnapshot } from './stream-state';
import { testHeader } from './testkit/headers';

describe('snapshot chain', () => {
  const snapshotHeader = (id: string, parent: string, proof: Uint8Array): EnvelopeHeader =>
    testHeader({
      kind: 'snapshot',
      clock: 0,
      snapshotId: id,
      parentSnapshotId: parent,
      parentProof: new Uint8Array(proof) as EnvelopeHeader['parentProof'],
      coveredClocks: {},
    });
  const none: ActiveSnapshot = { id: '', proof: undefined, ciphertextHash: undefined, epoch: 0, seq: 0 };
  const ciphertext = randomBytes(50);
  const s1: KnownSnapshot = { id: 's1', proof: GENESIS_PROOF, ciphertextHash: sha256(ciphertext), epoch: 1, seq: 3 };
  const known = (id: string) => (id === 's1' ? s1 : undefined);

  it('computes the same proof as the envelope format from the stored hash', () => {
    expect(proofAfter(GENESIS_PROOF, sha256(ciphertext))).toEqual(nextParentProof(GENESIS_PROOF, ciphertext));
    expect(expectedParentProof(none)).toEqual(GENESIS_PROOF);
    expect(expectedParentProof(s1)).toEqual(nextParentProof(GENESIS_PROOF, ciphertext));
    expect(newSnapshotId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('accepts a correct extension, recognises re-deliveries, refuses wrong proofs and forks', () => {
    expect(judgeSnapshotLink(snapshotHeader('s1', '', GENESIS_PROOF), none, () => undefined)).toEqual({ verdict: 'extends' });
    expect(judgeSnapshotLink(snapshotHeader('s1', '', randomBytes(32)), none, () => undefined).verdict).toBe('broken');
    const good = nextParentProof(GENESIS_PROOF, ciphertext);
    expect(judgeSnapshotLink(snapshotHeader('s2', 's1', good), s1, known)).toEqual({ verdict: 'extends' });
    expect(judgeSnapshotLink(snapshotHeader('s2', 's1', GENESIS_PROOF), s1, known).verdict).toBe('broken');
    expect(judgeSnapshotLink(snapshotHeader('s1', '', GENESIS_PROOF), s1, known)).toEqual({ verdict: 'known' });
    // a second "first" snapshot while we build on s1: a fork
    expect(judgeSnapshotLink(snapshotHeader('other', '', GENESIS_PROOF), s1, known).verdict).toBe('broken');
    // a parent we never saw: cannot be checked
    expect(judgeSnapshotLink(snapshotHeader('s9', 's8', randomBytes(32)), s1, known)).toEqual({ verdict: 'unverifiable' });
  });
});

describe('state hash', () => {
  it('is independent of the order and grouping of updates, and changes with content', () => {
    const source = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const updates: Uint8Array[] = [];
    source.forEach((doc, i) => {
      doc.on('update', (u: Uint8Array) => updates.push(u));
      const t = doc.getText('t');
      t.insert(0, `teksti ${i} `);
      t.insert(2, 'x');
      t.delete(0, 1);
      doc.getMap('m').set('k', i);
      doc.getXmlFragment('x').insert(0, [new Y.XmlText(`p${i}`)]);
    });
    const forward = new Y.Doc();
    for (const u of updates) Y.applyUpdate(forward, u);
    const backward = new Y.Doc();
    for (const u of [...updates].reverse()) Y.applyUpdate(backward, u);
    const merged = new Y.Doc();
    Y.applyUpdate(merged, Y.mergeUpdates(updates));
    expect(documentStateHash(backward)).toBe(documentStateHash(forward));
    expect(documentStateHash(merged)).toBe(documentStateHash(forward));
    forward.getText('t').insert(0, '!');
    expect(documentStateHash(forward)).not.toBe(documentStateHash(backward));
  });
});

describe('deletions Yjs makes inside a remote transaction', () => {
  it('are detected so that they can be sent like local edits; plain remote deletions are not', () => {
    const [one, two] = [new Y.Doc(), new Y.Doc()];
    one.getMap('m').set('k', 'one');
    two.getMap('m').set('k', 'two');
    const fromOne = Y.encodeStateAsUpdate(one);
    const fromTwo = Y.encodeStateAsUpdate(two);
    const verdicts: boolean[] = [];
    for (const [doc, applied] of [
      [one, fromTwo],
      [two, fromOne],
    ] as const) {
      doc.once('update', (_u: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) => verdicts.push(deletesBeyond(applied, tr)));
      Y.applyUpdate(doc, applied, 'remote');
    }
    // each side deletes the losing value of the concurrent set itself: not in the update it applied
    expect(verdicts).toEqual([true, true]);
    expect(one.getMap('m').get('k')).toBe(two.getMap('m').get('k'));

    const three = new Y.Doc();
    Y.applyUpdate(three, Y.encodeStateAsUpdate(one));
    const before = Y.encodeStateVector(three);
    one.getText('t').insert(0, 'abc');
    one.getText('t').delete(1, 1);
    const delta = Y.encodeStateAsUpdate(one, before);
    let plain: boolean | undefined;
    three.once('update', (_u: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) => (plain = deletesBeyond(delta, tr)));
    Y.applyUpdate(three, delta, 'remote');
    expect(plain).toBe(false);
  });
});

describe('document origins', () => {
  it('read a tagged origin and call only the browser and repairs this device own', () => {
    expect(sourceOf({ source: 'browser' })).toBe('browser');
    expect(sourceOf(REMOTE_ORIGIN)).toBe('remote');
    expect(sourceOf('remote')).toBeUndefined();
    expect(sourceOf(null)).toBeUndefined();
    expect(sourceOf({ source: 'bridge' })).toBeUndefined();
    expect(['browser', 'repair', 'remote', 'load', undefined].map((s) => isOwnChange(s as DocSource | undefined))).toEqual([true, true, false, false, false]);
    expect(browserOrigin()).not.toBe(browserOrigin());
  });

  it('tag the follow-up transactions Yjs starts after a tagged one as repairs, and leave untagged batches untagged', () => {
    const doc = new Y.Doc();
    tagFollowUps(doc);
    const text = doc.getText('t');
    // An observer that writes stands in for Yjs' own clean-up: a new transaction without an origin in the same batch.
    text.observe(() => {
      if (!text.toString().endsWith('!')) doc.transact(() => text.insert(text.length, '!'));
    });
    const seen: unknown[] = [];
    doc.on('update', (_u: Uint8Array, origin: unknown) => seen.push(origin));
    const other = new Y.Doc();
    other.getText('t').insert(0, 'x');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other), REMOTE_ORIGIN);
    expect(seen).toEqual([REMOTE_ORIGIN, REPAIR_ORIGIN]);
    seen.length = 0;
    doc.transact(() => text.insert(text.length, 'y'));
    expect(text.toString()).toBe('x!y!');
    expect(seen).toEqual([null, null]);
  });
});
