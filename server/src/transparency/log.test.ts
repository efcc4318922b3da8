/**
 * The server's log over the store: certificates stored before the log existed are appended
 * at start-up once; the tree follows what other processes append to the same store; a head
 * is signed once per size; what it signed is never rewritten (each earlier head a prefix of
 * each later one, across stores again and restarts); a store whose numbering has a hole is
 * not proven over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '@signalapp/sqlcipher';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { rootOf, verifyConsistency } from '@yhteispoyta/crypto/transparency/merkle';
import { certificateLeafHash, headRoot, verifyTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { loadConfig } from '../config';
import type { Store } from '../store/port';
import { openSqliteStore } from '../store/sqlite/store';
import { openTransparencyLog, transparencyLog } from './log';

const dir = mkdtempSync(join(tmpdir(), 'yp-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

let counter = 0;
function fresh(): { path: string; open: () => Store; config: ReturnType<typeof loadConfig> } {
  counter += 1;
  const path = join(dir, `store-${counter}.db`);
  return {
    path,
    config: loadConfig({ SQLITE_PATH: path }),
    open: () => {
      const store = openSqliteStore({ path });
      opened.push(store);
      return store;
    },
  };
}

function certificates(n: number): Certificate[] {
  const ca = new TestAuthority();
  const org = ca.org('kela');
  return [org.cert, ...Array.from({ length: n }, (_, i) => ca.professional(org, `p${i}`).cert)];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const silent = pino({ level: 'silent' });

describe("the server's transparency log", () => {
  it('appends certificates stored before the log existed at start-up, in stored order, once', async () => {
    const { path, config, open } = fresh();
    const store = open();
    const all = certificates(4);
    for (const [i, cert] of all.entries()) await store.certificates.putCertificate(cert, 100 - i);
    // As a store from before the log: certificates without leaves.
    const raw = new Database(path);
    raw.exec('PRAGMA busy_timeout = 5000');
    raw.prepare('DELETE FROM log_leaves').run();
    raw.close();
    const ctx = { config, store, now: () => 1 };
    const log = await openTransparencyLog(ctx, silent);
    const { head } = await log.current(2);
    expect(head.treeSize).toBe(all.length);
    expect(head.rootHash).toBe(hex(rootOf(all.map(certificateLeafHash))));
    expect(verifyTreeHead(head, log.publicKey)).toEqual(head);
    expect(transparencyLog(ctx)).toBe(log);
    // The second start finds nothing to append and the same key.
    const again = await openTransparencyLog(ctx, silent);
    expect(again.publicKey).toBe(log.publicKey);
    expect((await again.current(3)).head.rootHash).toBe(head.rootHash);
  });

  it('follows what another process appends to the same store, and signs one head per size', async () => {
    const { config, open } = fresh();
    const one = open();
    const two = open();
    const all = certificates(3);
    await one.certificates.putCertificate(all[0] as Certificate, 1);
    const log = transparencyLog({ config, store: one });
    const first = await log.current(10);
    expect(first.head.treeSize).toBe(1);
    expect((await log.current(20)).head).toBe(first.head);
    for (const cert of all.slice(1)) await two.certificates.putCertificate(cert, 2);
    const later = await log.current(30);
    expect(later.head).toMatchObject({ treeSize: all.length, timestamp: 30, rootHash: hex(rootOf(all.map(certificateLeafHash))) });
    // The other process's log, over the same file and key file, says the same.
    expect((await transparencyLog({ config, store: two }).current(40)).head.rootHash).toBe(later.head.rootHash);
  });

  it('never rewrites what it signed: every earlier head is a prefix of every later one, across stores again and restarts', async () => {
    const { config, open } = fresh();
    const store = open();
    const all = certificates(6);
    const heads: SignedTreeHead[] = [];
    let log = transparencyLog({ config, store });
    for (const [i, cert] of all.entries()) {
      await store.certificates.putCertificate(cert, i);
      // A certificate stored again gets no second leaf and changes nothing signed.
      await store.certificates.putCertificate(all[0] as Certificate, 100 + i);
      heads.push((await log.current(i)).head);
    }
    // A restart: the store opened again, the log loaded again from it (and nothing unlogged to append).
    await store.close();
    opened.splice(opened.indexOf(store), 1);
    const reopened = open();
    log = await openTransparencyLog({ config, store: reopened, now: () => 1000 }, silent);
    await reopened.certificates.putCertificate(certificates(1)[1] as Certificate, 1001);
    const { head: last, tree } = await log.current(1002);
    expect(last.treeSize).toBe(all.length + 1);
    for (const earlier of heads) {
      const proof = tree.consistencyProof(earlier.treeSize, last.treeSize);
      expect(verifyConsistency(earlier.treeSize, last.treeSize, proof, headRoot(earlier), headRoot(last)), `from ${earlier.treeSize}`).toBe(true);
      expect(verifyTreeHead(earlier, log.publicKey)).toEqual(earlier);
    }
  });

  it('refuses to prove over a store whose numbering has a hole', async () => {
    const { path, config, open } = fresh();
    const store = open();
    for (const cert of certificates(3)) await store.certificates.putCertificate(cert, 1);
    const raw = new Database(path);
    raw.exec('PRAGMA busy_timeout = 5000');
    raw.prepare('DELETE FROM log_leaves WHERE idx = 1').run();
    raw.close();
    await expect(transparencyLog({ config, store }).current(1)).rejects.toThrow(/has 3 of leaves 0…3/);
  });
});
