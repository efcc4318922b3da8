/**
 * The device's witness of the transparency log against the real server in-process (its
 * log key in a file next to its store, so the test can act as the operator who holds it):
 * honest bundles are relied upon and the newest head is kept; a certificate without a
 * proof, or with one that fails, is not relied upon (`log_unproven`); a log whose key the
 * pinned root did not certify, or a head not signed by it, proves nothing; a head that
 * does not extend the one seen before (the operator rewrote its log) is `log_inconsistent`
 * and its bundle is not relied upon; another member's head is compared (same, consistent,
 * or a split view); and each time the relay turns honest again, the agent recovers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateKey } from '@signalapp/libsignal-client';
import { toBase64, toBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { certificateJson, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { logCertificateJson, signLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { generateLogKey, logKeyFromPem, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import type { LogSigningKey } from '@yhteispoyta/crypto/transparency/log-key';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { certificateLeafHash, signTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { call } from '@yhteispoyta/server/http/api-call.testkit';
import { TEST_ADMIN_TOKEN, deploymentOf } from '@yhteispoyta/server/http/certified.testkit';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer, Interceptor } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { pino } from 'pino';
import { makeTestDevice } from '../keys/test-device.testkit';
import type { TestDevice } from '../keys/test-device.testkit';
import { PeerLogHeads } from './peer-heads';

let dir: string;
let server: InProcessServer;
let logKey: LogSigningKey;
let opened: TestDevice[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-witness-'));
  server = await startInProcessServer({ sqlitePath: join(dir, 'server.db') });
  // The operator's key: the server created it next to its store.
  logKey = logKeyFromPem(readFileSync(join(dir, 'log-key.pem'), 'utf8')) as LogSigningKey;
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

async function professional(name: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, { name, orgId: 'kela', role: 'kela_expert' });
  opened.push(made);
  return made;
}

const codes = (d: TestDevice): string[] => d.problems.map((p) => p.code);
const trusts = (d: TestDevice, of: TestDevice): boolean => d.core.identities.trusted(of.device.self) !== undefined;

/** The operator's second log: another log of certificates and its head, signed with the real log key. */
interface ForgedLog {
  readonly tree: MerkleTree;
  readonly head: SignedTreeHead;
  /** its entries where they differ from the real log's */
  readonly entries: ReadonlyMap<number, Certificate>;
}

/** A device certificate the operator makes up (signed by a key of its own: nobody relies on it, but it is a leaf). */
function madeUpCertificate(): Certificate {
  const identityKey = toBase64(toBytes(PrivateKey.generate().getPublicKey().serialize()));
  return signCertificate({ t: 'device', v: 1, userId: 'u_madeupmadeup', deviceId: 9, identityKey, created: Date.now() }, PrivateKey.generate());
}

/** The real log with the certificate at leaf `index` replaced by one the operator made up. */
async function forgedLog(index = 0): Promise<ForgedLog> {
  const size = await server.ctx.store.certificates.log.size();
  const tree = new MerkleTree();
  const replaced = madeUpCertificate();
  for (const [i, hash] of (await server.ctx.store.certificates.log.leafHashes(0, size)).entries()) tree.append(i === index ? certificateLeafHash(replaced) : hash);
  return { tree, head: signTreeHead({ treeSize: size, rootHash: toHex(tree.root()), timestamp: Date.now() }, logKey), entries: new Map([[index, replaced]]) };
}

/**
 * `reader`'s log answers (bundles, heads, consistency proofs) all from `forged`, a lie of
 * its own: consistency proofs from `from` (the size the reader holds), or none at all. The
 * log's routes are anonymous: while armed, every caller of them gets the lie.
 */
function serveForged(reader: TestDevice, forged: ForgedLog, from?: number): Interceptor {
  return (t) => {
    if (t.kind !== 'rest' || (t.device !== undefined && t.device.userId !== reader.device.self.userId)) return undefined;
    const body = t.response as Record<string, unknown>;
    if (t.route === 'getLog') return { replace: { ...body, head: forged.head } };
    if (t.route === 'logConsistency') {
      const proof = from === undefined || from === forged.head.treeSize ? [] : forged.tree.consistencyProof(from, forged.head.treeSize).map(toHex);
      return { replace: { head: forged.head, proof } };
    }
    if (t.route === 'logEntries') {
      const page = body as { head: unknown; entries: { index: number; certificate: unknown }[] };
      const entries = page.entries.filter((e) => e.index < forged.head.treeSize).map((e) => ({ index: e.index, certificate: forged.entries.get(e.index) ?? e.certificate }));
      return { replace: { head: forged.head, entries } };
    }
    if (t.route !== 'queryCertificates') return undefined;
    const log = body['log'] as { inclusions: { id: string; leafIndex: number; path: string[] }[] };
    const inclusions = log.inclusions.map((i) => ({ ...i, path: forged.tree.inclusionProof(i.leafIndex, forged.head.treeSize).map(toHex) }));
    return { replace: { ...body, log: { head: forged.head, inclusions } } };
  };
}

describe('the log witness', () => {
  it('relies on proven certificates, keeps the newest head, and follows the log as it grows', async () => {
    const anna = await professional('Anna');
    const bert = await professional('Bert');
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(true);
    const first = anna.core.witness.current();
    expect(first?.treeSize).toBe(await server.ctx.store.certificates.log.size());

    const cecilia = await professional('Cecilia');
    await anna.core.identities.refresh([cecilia.device.self.userId]);
    expect(trusts(anna, cecilia)).toBe(true);
    expect(anna.core.witness.current()?.treeSize).toBe((first?.treeSize ?? 0) + 2);
    expect(anna.problems).toEqual([]);
  });

  it('does not rely on a certificate served without its proof, or with a proof that fails; relies on it once proven', async () => {
    const anna = await professional('Anna');
    const bert = await professional('Bert');
    await anna.core.refresh();
    for (const tamper of ['drop', 'flip'] as const) {
      server.intercept = (t) => {
        if (t.kind !== 'rest' || t.route !== 'queryCertificates' || t.device?.userId !== anna.device.self.userId) return undefined;
        const body = t.response as { certificates: { body: { t: string } }[]; log: { head: unknown; inclusions: { path: string[] }[] } };
        // Bert's device certificate is the last of his bundle.
        const last = body.log.inclusions.length - 1;
        const inclusions = tamper === 'drop'
          ? body.log.inclusions.slice(0, last)
          : body.log.inclusions.map((i, n) => (n === last ? { ...i, path: i.path.map((h, k) => (k === 0 ? `${h.slice(0, 63)}${h.endsWith('0') ? '1' : '0'}` : h)) } : i));
        return { replace: { ...body, log: { ...body.log, inclusions } } };
      };
      await anna.core.identities.refresh([bert.device.self.userId]);
      expect(trusts(anna, bert), tamper).toBe(false);
      expect(anna.problems.at(-1)?.code, tamper).toBe('log_unproven');
    }
    server.intercept = undefined;
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(true);
    expect(codes(anna)).toEqual(['log_unproven', 'log_unproven']);
  });

  it('relies on nothing under a log key the pinned root did not certify, nor under a head the certified key did not sign', async () => {
    const bert = await professional('Bert');
    const anna = await professional('Anna');
    const stranger = new TestAuthority();
    const otherKey = generateLogKey();
    const now = Date.now();
    const uncertified = logCertificateJson(signLogCertificate({ t: 'log', v: 1, logKey: logPublicKeyBase64(otherKey), notBefore: now - 1000, notAfter: now + 3_600_000 }, stranger.root.priv));
    server.intercept = (t) => (t.kind === 'rest' && t.route === 'getLog' ? { replace: { ...(t.response as object), certificate: uncertified } } : undefined);
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(false);
    expect(codes(anna)).toEqual(['log_unproven']);
    expect(anna.problems[0]?.message).toMatch(/pinned root/);

    // The certificate is honest again, but the bundle's head is signed by another key.
    server.intercept = (t) => {
      if (t.kind !== 'rest' || t.route !== 'queryCertificates') return undefined;
      const body = t.response as { log: { head: SignedTreeHead } };
      return { replace: { ...body, log: { ...body.log, head: signTreeHead(body.log.head, otherKey) } } };
    };
    const cecilia = await professional('Cecilia');
    await cecilia.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(cecilia, bert)).toBe(false);
    expect(codes(cecilia)).toEqual(['log_unproven']);

    server.intercept = undefined;
    await anna.core.identities.refresh([bert.device.self.userId]);
    await cecilia.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert) && trusts(cecilia, bert)).toBe(true);
  });

  it('refuses a log that rewrote the history it showed before (log_inconsistent); recovers when the log is honest', async () => {
    const anna = await professional('Anna');
    await anna.core.refresh();
    const seen = anna.core.witness.current();
    expect(seen).toBeDefined();
    const bert = await professional('Bert');
    // The log grew by Bert's certificates, but the operator shows Anna a log whose first leaf is another.
    server.intercept = serveForged(anna, await forgedLog(0));
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(false);
    expect(codes(anna)).toEqual(['log_inconsistent']);
    expect(anna.core.witness.current()).toEqual(seen);

    server.intercept = undefined;
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(true);
    expect(anna.core.witness.current()?.treeSize).toBeGreaterThan(seen?.treeSize ?? 0);
    expect(codes(anna)).toEqual(['log_inconsistent']);
  });

  it("compares another member's head: the same or a consistent one is fine, another head of the same size is a split view", async () => {
    const anna = await professional('Anna');
    const bert = await professional('Bert');
    await anna.core.refresh();
    await bert.core.refresh();
    const from = { workspaceId: 'ws-1', device: bert.device.self };
    expect(await anna.core.witness.compareWithPeerHead(bert.core.witness.current(), from)).toEqual({ kind: 'consistent' });

    // Bert is ahead of Anna (a new member's certificates): consistent, and Anna moves on.
    const cecilia = await professional('Cecilia');
    await bert.core.identities.refresh([cecilia.device.self.userId]);
    const ahead = bert.core.witness.current();
    expect(await anna.core.witness.compareWithPeerHead(ahead, from)).toEqual({ kind: 'consistent' });
    expect(anna.core.witness.current()).toEqual(ahead);

    // A head of the same size from another log (the one the operator showed Bert): a split view.
    const { head: forged } = await forgedLog(1);
    const verdict = await anna.core.witness.compareWithPeerHead(forged, from);
    expect(verdict.kind).toBe('split');
    expect(anna.problems).toEqual([expect.objectContaining({ code: 'directory_split_view', workspaceId: 'ws-1', device: bert.device.self })]);

    // A head not signed by the certified key decides nothing and reports nothing.
    const unsigned = signTreeHead(forged, generateLogKey());
    expect((await anna.core.witness.compareWithPeerHead(unsigned, from)).kind).toBe('unverifiable');
    expect(anna.problems).toHaveLength(1);
  });
});

describe('what the log appended', () => {
  it('tells the device of a revocation the server leaves out of every bundle', async () => {
    const anna = await professional('Anna');
    const bert = await professional('Bert');
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(true);
    // The operator keeps revocations out of Anna's bundles (with their proofs).
    server.intercept = (t) => {
      if (t.kind !== 'rest' || t.route !== 'queryCertificates') return undefined;
      const body = t.response as { certificates: { body: { t: string } }[]; log: { head: unknown; inclusions: unknown[] } };
      const kept = body.certificates.map((c, i) => ({ c, i })).filter(({ c }) => c.body.t !== 'user_revocation');
      return { replace: { certificates: kept.map(({ c }) => c), log: { ...body.log, inclusions: kept.map(({ i }) => body.log.inclusions[i]) } } };
    };
    // Bert's organisation revokes him.
    const kela = deploymentOf(server).orgs.get('kela');
    if (kela === undefined) throw new Error('no kela');
    const revocation = signCertificate({ t: 'user_revocation', v: 1, orgId: 'kela', userId: bert.device.self.userId, serial: 1, revokedAt: Date.now() }, kela.key.priv);
    const stored = await call(server, 'POST', '/v1/admin/certificates', { token: TEST_ADMIN_TOKEN, json: { certificate: certificateJson(revocation) } });
    expect(stored.status).toBe(200);

    await anna.core.identities.refresh([bert.device.self.userId]);
    // The bundle said nothing of it; the log's entries, read up to the bundle's head, did.
    expect(trusts(anna, bert)).toBe(false);
    expect(anna.core.identities.book.status(bert.device.self.userId)).toMatchObject({ ok: false, code: 'revoked' });
    expect(anna.problems).toEqual([]);
  });

  it('moves on to no head whose appended entries the server does not hand out, or hands out changed', async () => {
    const anna = await professional('Anna');
    await anna.core.refresh();
    const seen = anna.core.witness.current();
    const bert = await professional('Bert');
    for (const lie of ['withhold', 'change'] as const) {
      server.intercept = (t) => {
        if (t.kind !== 'rest' || t.route !== 'logEntries') return undefined;
        const page = t.response as { head: unknown; entries: { index: number; certificate: unknown }[] };
        return { replace: { head: page.head, entries: lie === 'withhold' ? page.entries.slice(0, -1) : page.entries.map((e, i) => (i === 0 ? { ...e, certificate: madeUpCertificate() } : e)) } };
      };
      await anna.core.identities.refresh([bert.device.self.userId]);
      expect(trusts(anna, bert), lie).toBe(false);
      expect(anna.core.witness.current(), lie).toEqual(seen);
    }
    expect(codes(anna)).toEqual(['log_inconsistent', 'log_inconsistent']);
    server.intercept = undefined;
    await anna.core.identities.refresh([bert.device.self.userId]);
    expect(trusts(anna, bert)).toBe(true);
  });
});

describe('a split view', () => {
  it('is caught by both members; the one shown the other log gives way to the log a member vouches for once the server is honest', async () => {
    const anna = await professional('Anna');
    const bert = await professional('Bert');
    await anna.core.refresh();
    await bert.core.refresh();
    const before = bert.core.witness.current() as SignedTreeHead;
    // Cecilia's certificates enter the log; Bert is shown a log of the same size where her
    // user certificate is another leaf (he refreshes his own bundle, which both logs prove).
    const cecilia = await professional('Cecilia');
    const forged = await forgedLog(before.treeSize);
    await anna.core.identities.refresh([cecilia.device.self.userId]);
    server.intercept = serveForged(bert, forged, before.treeSize);
    await bert.core.identities.refresh([bert.device.self.userId]);
    // Bert could not tell: the forged log extends what he saw.
    expect(bert.core.witness.current()).toEqual(forged.head);
    expect(bert.problems).toEqual([]);
    const real = anna.core.witness.current() as SignedTreeHead;
    expect(real.treeSize).toBe(forged.head.treeSize);
    expect(real.rootHash).not.toBe(forged.head.rootHash);

    // Their heads meet in the workspace's traffic. While the server still shows Bert its
    // other log, nothing vouches for a change.
    expect((await bert.core.witness.compareWithPeerHead(real, { workspaceId: 'ws', device: anna.device.self })).kind).toBe('split');
    expect(bert.core.witness.current()).toEqual(forged.head);
    server.intercept = undefined;
    expect((await anna.core.witness.compareWithPeerHead(forged.head, { workspaceId: 'ws', device: bert.device.self })).kind).toBe('split');
    expect(codes(anna)).toEqual(['directory_split_view']);
    expect(codes(bert)).toEqual(['directory_split_view']);

    const dan = await professional('Dan');
    await bert.core.identities.refresh([dan.device.self.userId]);
    expect(trusts(bert, dan)).toBe(false);
    expect(codes(bert)).toEqual(['directory_split_view', 'log_inconsistent']);
    // Anna's head again: the honest log extends it, Bert's stored head gives way.
    await bert.core.witness.compareWithPeerHead(real, { workspaceId: 'ws', device: anna.device.self });
    expect(bert.core.witness.current()?.treeSize).toBe(await server.ctx.store.certificates.log.size());
    await bert.core.identities.refresh([dan.device.self.userId, cecilia.device.self.userId]);
    expect(trusts(bert, dan) && trusts(bert, cecilia)).toBe(true);
    expect(codes(bert)).toEqual(['directory_split_view', 'log_inconsistent']);
  });
});

describe('the log head exchange', () => {
  it("sends this device's newest head, judges each member's head once, and reports a split view naming workspace and member", async () => {
    const anna = await professional('Anna');
    const bert = await professional('Bert');
    await anna.core.refresh();
    await bert.core.refresh();
    let judged = 0;
    const witness = anna.core.witness;
    const counting = {
      current: () => witness.current(),
      compareWithPeerHead: (...args: Parameters<typeof witness.compareWithPeerHead>) => {
        judged++;
        return witness.compareWithPeerHead(...args);
      },
    };
    const heads = new PeerLogHeads(counting, pino({ level: 'silent' }));
    expect(heads.current()).toEqual(witness.current());
    const honest = bert.core.witness.current() as SignedTreeHead;
    heads.onPeerHead('ws-1', bert.device.self, honest);
    heads.onPeerHead('ws-1', bert.device.self, honest);
    await heads.settle();
    heads.onPeerHead('ws-1', bert.device.self, honest);
    await heads.settle();
    expect(judged).toBe(1);
    expect(anna.problems).toEqual([]);

    // Unreachable server: no verdict, and the head is judged again when it comes again.
    const { head: forged } = await forgedLog(0);
    server.intercept = (t) => (t.kind === 'rest' && t.route === 'getLog' ? 'drop' : undefined);
    const fresh = await professional('Cecilia');
    const freshHeads = new PeerLogHeads(fresh.core.witness, pino({ level: 'silent' }));
    freshHeads.onPeerHead('ws-1', bert.device.self, forged);
    await freshHeads.settle();
    expect(fresh.problems).toEqual([]);
    server.intercept = undefined;

    heads.onPeerHead('ws-2', bert.device.self, forged);
    await heads.settle();
    expect(anna.problems).toEqual([expect.objectContaining({ code: 'directory_split_view', workspaceId: 'ws-2', device: bert.device.self })]);
  });
});
