/**
 * The storage contract on the mongo adapter, against MONGODB_URI (CI: FerretDB v1 from
 * .ci/ferretdb.sh). Each case gets its own database, dropped afterwards.
 */
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { describeStoreContract } from './contract';
import type { StoreInspector } from './contract';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { certificateId } from '@yhteispoyta/crypto/certificates/signing';
import { makeUpload } from './contract/context';
import { createStore } from './create-store';
import type { Store } from './port';
import { ZERO_HASH_HEX } from './port';

const uri = process.env['MONGODB_URI'];
if (!uri) throw new Error('store.mongo.test.ts needs MONGODB_URI (eval "$(bash .ci/ferretdb.sh)")');

const runId = `${process.pid}_${toHex(randomBytes(4))}`;
let counter = 0;
const databases = new Map<Store, string>();

// One raw connection for inspection and for dropping the per-case databases.
const admin = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 });
afterAll(async () => {
  await admin.close();
});

function rawDb(store: Store) {
  const name = databases.get(store);
  if (!name) throw new Error('unknown store');
  return admin.useDb(name, { useCache: true });
}

const inspector: StoreInspector = {
  async tamperAuditAction(store, seq, action) {
    await rawDb(store).collection('audit').updateOne({ _id: seq as never }, { $set: { action } });
  },
  async blobChunkCount(store) {
    return rawDb(store).collection('blob_chunks').countDocuments({});
  },
  async commitFromOutside(store) {
    await rawDb(store).collection('workspaces').updateMany({}, { $inc: { lastActivityAt: 1 } });
  },
  async forgetLog(store) {
    await rawDb(store).collection('log_leaves').deleteMany({});
  },
};

async function makeStore(): Promise<Store> {
  counter += 1;
  const dbName = `yp_contract_${runId}_${counter}`;
  const store = await createStore({ kind: 'mongo', uri: uri ?? '', dbName });
  databases.set(store, dbName);
  return store;
}

async function cleanup(store: Store): Promise<void> {
  await store.close();
  const name = databases.get(store);
  databases.delete(store);
  if (name) await admin.useDb(name).dropDatabase();
}

describeStoreContract('mongo', makeStore, cleanup, inspector);

describe('mongo adapter', () => {
  it('accepts an explicit write concern', async () => {
    const dbName = `yp_wc_${runId}`;
    const store = await createStore({ kind: 'mongo', uri: uri ?? '', dbName, writeConcern: 1 });
    try {
      expect(await store.directory.createOrg({ id: 'o', name: 'n', createdAt: 1 })).toEqual({ ok: true });
      expect(await store.health()).toEqual({ ok: true, kind: 'mongo' });
    } finally {
      await store.close();
      await admin.useDb(dbName).dropDatabase();
    }
  });
});

// Two stores on one database behave like two server processes: separate connection pools
// and separate in-process queues. The rules built on unique inserts and deletedCount must
// hold between them (on FerretDB too); see mongo/store.ts for the ones that need MongoDB.
describe('mongo adapter shared by two stores (as two server processes)', () => {
  it('claims, codes, the membership chain and the audit chain stay single-winner', async () => {
    const dbName = `yp_shared_${runId}`;
    const one = await createStore({ kind: 'mongo', uri: uri ?? '', dbName });
    const two = await createStore({ kind: 'mongo', uri: uri ?? '', dbName });
    try {
      await one.directory.createOrg({ id: 'org1', name: 'Org', createdAt: 1 });
      await one.directory.createUser({ id: 'alice', orgId: 'org1', role: 'social_worker', displayName: 'A', createdAt: 1 });
      expect(await one.directory.registerDevice('alice', makeUpload(1, 10, 0), 1)).toEqual({ ok: true });
      const ref = { userId: 'alice', deviceId: 1 };
      const bundles = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).directory.claimBundle(ref)));
      const more = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? two : one).directory.claimBundle(ref)));
      const ids = [...bundles, ...more].flatMap((b) => (b?.preKey ? [b.preKey.id] : [])).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));

      for (let i = 0; i < 5; i += 1) {
        await one.auth.createCode({ codeId: `code${i}`, kind: 'invitation', userId: 'alice', detail: {}, createdAt: 1, expiresAt: 100 });
        const uses = await Promise.all([one, two, one, two].map((s) => s.auth.consumeCode(`code${i}`, 'invitation', 2)));
        expect(uses.filter((u) => u.ok)).toHaveLength(1);
      }

      await one.workspaces.createWorkspace({ id: 'w1', kind: 'case', createdAt: 1 });
      const event = (userId: string) => ({
        event: {
          workspaceId: 'w1', seq: 0, prevHash: ZERO_HASH_HEX, type: 'remove_member' as const, payload: { userId },
          author: ref, at: 1, signature: 'c2ln',
        },
        hash: userId.padEnd(64, '0'),
      });
      const appended = await Promise.all([
        one.workspaces.appendMembershipEvent('w1', event('b'), 0, ZERO_HASH_HEX),
        two.workspaces.appendMembershipEvent('w1', event('c'), 0, ZERO_HASH_HEX),
      ]);
      expect(appended.filter((r) => r.ok)).toHaveLength(1);

      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).audit.appendAudit({ at: i, actor: null, action: 'x', detail: {} })));
      expect(await one.audit.verifyAuditChain()).toEqual({ ok: true, entries: 10 });
    } finally {
      await one.close();
      await two.close();
      await admin.useDb(dbName).dropDatabase();
    }
  });
});

describe('mongo adapter shared by two stores: identities', () => {
  it('the root is set once, a certificate stored once (and logged once) and an enrolment recorded once between them', async () => {
    const dbName = `yp_shared_ids_${runId}`;
    const one = await createStore({ kind: 'mongo', uri: uri ?? '', dbName });
    const two = await createStore({ kind: 'mongo', uri: uri ?? '', dbName });
    try {
      const [a, b] = [new TestAuthority(), new TestAuthority()];
      const roots = await Promise.all([one.certificates.setRoot({ key: a.root.pub, setAt: 1 }), two.certificates.setRoot({ key: b.root.pub, setAt: 1 })]);
      expect(roots.filter((r) => r.ok)).toHaveLength(1);
      expect((await one.certificates.getRoot())?.key).toEqual((await two.certificates.getRoot())?.key);

      const org = a.org('kela');
      const puts = await Promise.all([one, two, one, two].map((s) => s.certificates.putCertificate(org.cert, 5)));
      expect(puts.filter((p) => p.created)).toHaveLength(1);
      // Both append to one transparency log: every certificate once, no index twice, no gap.
      const people = Array.from({ length: 8 }, (_, i) => a.professional(org, `p${i}`).cert);
      await Promise.all(people.map((cert, i) => (i % 2 ? one : two).certificates.putCertificate(cert, 6 + i)));
      const leaves = await two.certificates.log.entries(0, 100);
      expect(leaves.map((e) => e.index)).toEqual(Array.from({ length: 9 }, (_, i) => i));
      expect(new Set(leaves.map((e) => certificateId(e.certificate)))).toEqual(new Set([org.cert, ...people].map(certificateId)));

      const anna = a.professional(org, 'anna');
      const laptop = a.device(anna, 1);
      const enrolment = {
        codeId: 'enr_sharedabcdef', kind: 'enrolment' as const, userId: 'anna', orgId: 'kela', deviceId: 1,
        identityKey: laptop.key.pub, registrationId: 1, proof: 'f'.repeat(64), enrolledAt: 1,
      };
      const created = await Promise.all([one.enrolments.createEnrolment(enrolment), two.enrolments.createEnrolment(enrolment)]);
      expect(created.filter((c) => c.ok)).toHaveLength(1);
      await Promise.all([one.enrolments.closeEnrolments(laptop.ref, laptop.key.pub, 9), two.enrolments.closeEnrolments(laptop.ref, laptop.key.pub, 9)]);
      expect((await one.enrolments.getEnrolment(enrolment.codeId))?.closedAt).toBe(9);
    } finally {
      await one.close();
      await two.close();
      await admin.useDb(dbName).dropDatabase();
    }
  });
});
