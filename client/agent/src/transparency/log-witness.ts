/**
 * This device's witness of the server's transparency log (docs/design.md §3.5). It believes
 * no head the server shows unchecked:
 *
 * - the log key is the one the deployment root certified (`GET /v1/log`: the log
 *   certificate, verified against the root pinned at enrolment);
 * - every head is signed by that key;
 * - every head is proven consistent with the newest head verified before (kept in the
 *   profile), so the log this device has seen only ever grew;
 * - a certificate is relied upon only with an inclusion proof in such a head;
 * - the stored head moves on only once every entry the log appended since is read and
 *   proven to be all of them: those naming people this device knows are kept, so a
 *   revocation the server leaves out of a bundle is known anyway.
 *
 * What fails is a typed problem (`log_unproven`, `log_inconsistent`, `directory_split_view`),
 * reported once per distinct cause, and what came with it is not relied upon. Being unable
 * to reach the server is not a problem here: the caller's `offline` handling applies.
 * One check at a time (a serial queue): the stored head moves only forward.
 */
import type { Logger } from 'pino';
import { SerialQueue } from '@yhteispoyta/common/queue';
import { fromHex } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { certificateId, certificateJson } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { MAX_LOG_ENTRIES_PAGE } from '@yhteispoyta/crypto/protocol';
import type { CertificateLogProof, RouteResponse } from '@yhteispoyta/crypto/protocol';
import { appendedLeavesProven } from '@yhteispoyta/crypto/transparency/appended';
import { verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { logVerifyingKey } from '@yhteispoyta/crypto/transparency/log-key';
import { verifyConsistency } from '@yhteispoyta/crypto/transparency/merkle';
import { certificateLeafHash, headRoot, verifyTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { ProblemCode, ProblemSink, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import { reconcileHeads } from './consistency';
import type { ConsistencyAnswer, Reconciled } from './consistency';
import { provenCertificates } from './inclusion';
import { TRANSPARENCY_MIGRATIONS } from './schema';

/** What the witness works with. */
export interface LogWitnessDeps {
  readonly profile: ProfileDb;
  readonly rest: RestClient;
  /** the deployment root pinned at enrolment (serialized public key) */
  readonly root: Bytes;
  readonly problems: ProblemSink;
  readonly now?: () => number;
  readonly log: Logger;
}

/** How a head another member carried compares with this device's view of the log. */
export type PeerHeadVerdict =
  /** the same head, or one proven consistent with this device's newest */
  | { readonly kind: 'consistent' }
  /** the two heads are not of one log: the server shows members different histories */
  | { readonly kind: 'split'; readonly detail: string }
  /** not decidable now (no certified log key, a head not signed by it, a log growing too fast) */
  | { readonly kind: 'unverifiable'; readonly detail: string };

/** What {@link LogWitness.admitBundle} lets the device rely on of a bundle. */
export interface AdmittedBundle {
  /** whether the bundle's head verified and extends the log seen before (else only revocations are kept) */
  readonly admitted: boolean;
  readonly certificates: Certificate[];
}

const isRevocation = (c: Certificate): boolean => c.body.t === 'user_revocation' || c.body.t === 'device_revocation';

/** Whose certificates the witness keeps from the log, and who hears of them. */
export interface LoggedPeople {
  knows(userId: string): boolean;
  onLogged(userIds: readonly string[]): void;
}

/** The person a certificate is about (none for an organisation's). */
function namedUser(certificate: Certificate): string | undefined {
  const body = certificate.body;
  if (body.t === 'client') return body.clientUserId;
  return 'userId' in body ? body.userId : undefined;
}

type CertifiedKey = { readonly ok: true; readonly logKey: Bytes; readonly notAfter: number } | { readonly ok: false; readonly detail: string };

interface HeadRow {
  tree_size: number;
  root_hash: string;
  timestamp: number;
  signature: string;
}

/** The device's checks of the transparency log. */
export class LogWitness {
  readonly #deps: LogWitnessDeps;
  readonly #now: () => number;
  readonly #queue = new SerialQueue();
  readonly #reported = new Set<string>();
  #key: CertifiedKey | undefined;
  #people: LoggedPeople | undefined;

  constructor(deps: LogWitnessDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    deps.profile.migrate(TRANSPARENCY_MIGRATIONS);
  }

  /**
   * Read the log's appended entries for the people `people.knows`; `onLogged` hears whose
   * certificates the log brought (the certificate book).
   */
  follow(people: LoggedPeople): void {
    this.#people = people;
  }

  /** The certificates the log appended, since this device first saw it, naming `userId` (unverified JSON). */
  loggedFor(userId: string): unknown[] {
    const rows = this.#deps.profile.db.prepare('SELECT certificate FROM transparency_logged WHERE user_id = ? ORDER BY leaf_index', { pluck: true }).all([userId]);
    return rows.map((text) => JSON.parse(String(text)) as unknown);
  }

  /** The newest head this device verified (signature and consistency with every earlier one), if any. */
  current(): SignedTreeHead | undefined {
    const row = this.#deps.profile.db.prepare('SELECT tree_size, root_hash, timestamp, signature FROM transparency_head WHERE id = 1').get() as HeadRow | undefined;
    return row === undefined ? undefined : { treeSize: row.tree_size, rootHash: row.root_hash, timestamp: row.timestamp, signature: row.signature };
  }

  /**
   * The certificates of a bundle this device may rely on: those with a valid inclusion proof
   * in the bundle's head, when that head is signed by the certified log key and consistent
   * with every head seen before (`admitted`); when it is not, none but revocations. A
   * revocation is kept without proof: it is signed by a key the server does not hold and
   * only ever takes trust away, so believing it cannot be abused — it is reported like any
   * unproven certificate. Rejects `offline` as REST calls do.
   */
  admitBundle(certificates: readonly Certificate[], proof: CertificateLogProof): Promise<AdmittedBundle> {
    return this.#queue.run(async () => {
      const revocations = certificates.filter(isRevocation);
      const head = await this.#verifiedHead(proof.head);
      if (head === undefined) return { admitted: false, certificates: revocations };
      const advanced = await this.#advance([head]);
      if (!advanced.ok) {
        this.#reportLog(advanced, 'A certificate bundle');
        return { admitted: false, certificates: revocations };
      }
      const verdict = provenCertificates(head, certificates, proof.inclusions);
      if (verdict.unproven.length === 0) return { admitted: true, certificates: verdict.proven };
      const noProof = verdict.unproven.filter((u) => u.reason === 'no_proof').length;
      this.#report(`unproven:${verdict.unproven.map((u) => `${u.reason}:${u.id}`).sort().join(',')}:${head.rootHash}`, 'log_unproven',
        `The server served ${verdict.unproven.length} certificate(s) without a valid proof that they are in its log (${noProof} without any, ${verdict.unproven.length - noProof} with a proof that fails); they are not relied upon.`);
      this.#deps.log.warn({ unproven: verdict.unproven.length, noProof, treeSize: head.treeSize }, 'certificates without a valid inclusion proof left out');
      const unprovenIds = new Set(verdict.unproven.map((u) => u.id));
      return { admitted: true, certificates: certificates.filter((c) => verdict.proven.includes(c) || (isRevocation(c) && unprovenIds.has(certificateId(c)))) };
    });
  }

  /**
   * Compare a head another member's device carried (inside encrypted workspace traffic) with
   * this device's view: the same head, or both proven prefixes of one head of the log, is
   * consistent; anything else is a split view, reported as `directory_split_view` naming the
   * workspace and the member. Rejects `offline` as REST calls do.
   */
  compareWithPeerHead(value: unknown, from: { readonly workspaceId: string; readonly device: DeviceRef }): Promise<PeerHeadVerdict> {
    return this.#queue.run(async () => {
      const key = await this.#certifiedKey(false);
      if (!key.ok) return { kind: 'unverifiable', detail: key.detail };
      let peer = verifyTreeHead(value, key.logKey);
      if (peer === undefined && (await this.#certifiedKey(true)).ok) peer = verifyTreeHead(value, (this.#key as { logKey: Bytes }).logKey);
      // Not signed by the log key this device knows (a rotated key, a corrupted record): no verdict either way.
      if (peer === undefined) return { kind: 'unverifiable', detail: 'the head is not signed by the certified log key' };
      let mine = this.current();
      if (mine === undefined) {
        const { head } = await this.#deps.rest.call('getLog', {});
        mine = verifyTreeHead(head, key.logKey);
        if (mine === undefined) return { kind: 'unverifiable', detail: "the server's head is not signed by the certified log key" };
      }
      const reconciled = await this.#advance([mine, peer]);
      if (reconciled.ok) return { kind: 'consistent' };
      if (reconciled.code === 'unsettled') return { kind: 'unverifiable', detail: reconciled.detail };
      const detail = `${from.device.userId}/${from.device.deviceId} knows the log at size ${peer.treeSize} (root ${peer.rootHash.slice(0, 12)}…), this device at size ${mine.treeSize}: ${reconciled.detail}`;
      this.#report(`split:${from.workspaceId}:${from.device.userId}/${from.device.deviceId}:${peer.treeSize}:${peer.rootHash}`, 'directory_split_view',
        `Another member's device was shown a different certificate log than this device: ${detail}.`, { workspaceId: from.workspaceId, device: from.device });
      this.#deps.log.warn({ workspaceId: from.workspaceId, peer: `${from.device.userId}/${from.device.deviceId}`, peerSize: peer.treeSize, mySize: mine.treeSize }, 'split view of the transparency log');
      await this.#reanchor(peer);
      return { kind: 'split', detail };
    });
  }

  /**
   * After a split view: when the member's head and the log the server shows now are one log
   * and only this device's stored head is not, this device was the one shown another
   * history. Its head gives way to the server's current one, which a member's own traffic
   * (signed, encrypted: the server can neither forge nor alter it) vouches for — so the
   * device recovers once the server is honest again, and the problem stays reported. A
   * server cannot use this to rewrite what a device saw without showing the same rewrite to
   * the vouching member, whose own witness refuses it (`log_inconsistent`).
   */
  async #reanchor(peer: SignedTreeHead): Promise<void> {
    const current = await this.#consistency(peer.treeSize);
    if (!current.ok) return;
    const proof = current.proof.map((hash) => fromHex(hash));
    if (!verifyConsistency(peer.treeSize, current.head.treeSize, proof, headRoot(peer), headRoot(current.head))) return;
    this.#keep(current.head);
    this.#deps.log.warn({ treeSize: current.head.treeSize }, "this device's log head gave way to the log a member vouches for");
  }

  /** A head signed by the certified log key (asking for the certificate again once, for a rotated key), or undefined (reported). */
  async #verifiedHead(value: unknown): Promise<SignedTreeHead | undefined> {
    const key = await this.#certifiedKey(false);
    if (!key.ok) {
      this.#report(`uncertified:${key.detail}`, 'log_unproven', `The server's transparency log cannot be checked: ${key.detail}. No new certificate is relied upon.`);
      return undefined;
    }
    const head = verifyTreeHead(value, key.logKey);
    if (head !== undefined) return head;
    const again = await this.#certifiedKey(true);
    const retried = again.ok ? verifyTreeHead(value, again.logKey) : undefined;
    if (retried === undefined) {
      this.#report(`unsigned:${JSON.stringify(value)?.slice(0, 200)}`, 'log_unproven', 'The server served a log head not signed by its certified log key; nothing that came with it is relied upon.');
    }
    return retried;
  }

  /** The log key the pinned root certified (cached until its certificate ends, or fetched again on `force`). Rejects `offline`. */
  async #certifiedKey(force: boolean): Promise<CertifiedKey> {
    const cached = this.#key;
    if (!force && cached?.ok === true && this.#now() <= cached.notAfter) return cached;
    const { certificate } = await this.#deps.rest.call('getLog', {});
    if (certificate === null) return (this.#key = { ok: false, detail: 'the server holds no certificate of its log key' });
    const checked = verifyLogCertificate(this.#deps.root, certificate, this.#now());
    if (!checked.ok) return (this.#key = { ok: false, detail: `its log certificate does not verify against the pinned root (${checked.code})` });
    if (logVerifyingKey(checked.logKey) === undefined) return (this.#key = { ok: false, detail: 'the certified log key is not an Ed25519 key' });
    return (this.#key = { ok: true, logKey: checked.logKey, notAfter: checked.certificate.body.notAfter });
  }

  /** Prove `heads` and the stored head prefixes of one head of the log; keep that head when it is newer. */
  async #advance(heads: readonly SignedTreeHead[]): Promise<Reconciled> {
    const stored = this.current();
    const reconciled = await reconcileHeads(stored === undefined ? heads : [stored, ...heads], (from) => this.#consistency(from));
    if (!reconciled.ok) return reconciled;
    // The first head is taken as it is; every later one only with all it appended read.
    if (stored === undefined) this.#keep(reconciled.newest);
    else if (reconciled.newest.treeSize > stored.treeSize) {
      const read = await this.#readAppended(stored);
      if (!read.ok) return read;
    }
    return reconciled;
  }

  /**
   * Move the stored head on to the log's current one only after reading every entry appended
   * in between and proving they are all of them (crypto's appendedLeavesProven): the
   * certificates among them that name people this device knows are kept, so the server
   * cannot keep a revocation of someone this device relies on from it by leaving it out of
   * a bundle.
   */
  async #readAppended(stored: SignedTreeHead): Promise<Reconciled> {
    const from = stored.treeSize;
    const answer = await this.#consistency(from);
    if (!answer.ok) return { ok: false, code: 'inconsistent', detail: answer.detail };
    const target = answer.head;
    const entries: { index: number; certificate: Certificate }[] = [];
    while (entries.length < target.treeSize - from) {
      const start = from + entries.length;
      const page = await this.#deps.rest.call('logEntries', { query: { start, count: Math.min(MAX_LOG_ENTRIES_PAGE, target.treeSize - start) } });
      if (page.entries.length === 0 || page.entries.some((e, i) => e.index !== start + i)) {
        return { ok: false, code: 'inconsistent', detail: `the server did not hand out the entries from ${start} of the ${target.treeSize} its head covers` };
      }
      entries.push(...(page.entries.slice(0, target.treeSize - start) as { index: number; certificate: Certificate }[]));
    }
    // A node that is no hex hash fails the proof (an empty one is never a hash).
    const proof = answer.proof.map((hash) => fromHex(hash) ?? new Uint8Array());
    const leaves = entries.map((e) => certificateLeafHash(e.certificate));
    if (!appendedLeavesProven(from, target.treeSize, proof, headRoot(stored), headRoot(target), leaves)) {
      return { ok: false, code: 'inconsistent', detail: `the entries ${from}…${target.treeSize - 1} the server handed out are not those its head signs` };
    }
    const noted = this.#note(entries);
    this.#keep(target);
    if (noted.length > 0) this.#people?.onLogged(noted);
    return { ok: true, newest: target, requests: 0 };
  }

  /** Keep the entries naming people this device knows; answers their user ids. */
  #note(entries: readonly { index: number; certificate: Certificate }[]): string[] {
    const people = this.#people;
    if (people === undefined) return [];
    const named = new Set<string>();
    const insert = this.#deps.profile.db.prepare('INSERT INTO transparency_logged (id, user_id, leaf_index, certificate) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.#deps.profile.transaction(() => {
      for (const { index, certificate } of entries) {
        const userId = namedUser(certificate);
        if (userId === undefined || !people.knows(userId)) continue;
        insert.run([certificateId(certificate), userId, index, JSON.stringify(certificateJson(certificate))]);
        named.add(userId);
      }
    });
    return [...named];
  }

  async #consistency(from: number): Promise<ConsistencyAnswer> {
    let answer: RouteResponse<'logConsistency'>;
    try {
      answer = await this.#deps.rest.call('logConsistency', { query: { from } });
    } catch (error) {
      if (error instanceof RestError && error.code === 'beyond_log_size') {
        return { ok: false, detail: `the server no longer holds the ${from} entries of a head it signed` };
      }
      throw error;
    }
    const key = await this.#certifiedKey(false);
    const head = key.ok ? verifyTreeHead(answer.head, key.logKey) : undefined;
    if (head === undefined) return { ok: false, detail: 'the head of a consistency proof is not signed by the certified log key' };
    return { ok: true, head, proof: answer.proof };
  }

  /** Keep `head` as the newest verified one. */
  #keep(head: SignedTreeHead): void {
    this.#deps.profile.db
      .prepare(
        `INSERT INTO transparency_head (id, tree_size, root_hash, timestamp, signature, verified_at) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET tree_size = excluded.tree_size, root_hash = excluded.root_hash, timestamp = excluded.timestamp,
           signature = excluded.signature, verified_at = excluded.verified_at`,
      )
      .run([head.treeSize, head.rootHash, head.timestamp, head.signature, this.#now()]);
  }

  #reportLog(failed: Extract<Reconciled, { ok: false }>, what: string): void {
    if (failed.code === 'unsettled') {
      this.#deps.log.info({ detail: failed.detail }, 'log head not settled; checked again later');
      return;
    }
    const stored = this.current();
    this.#report(`inconsistent:${failed.detail}`, 'log_inconsistent',
      `${what} came with a log head that does not continue the log this device saw before (size ${stored?.treeSize ?? 0}): ${failed.detail}. What came with it is not relied upon.`);
    this.#deps.log.warn({ detail: failed.detail, storedSize: stored?.treeSize }, 'inconsistent transparency log');
  }

  #report(key: string, code: ProblemCode, message: string, about: { workspaceId?: string; device?: DeviceRef } = {}): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#deps.problems.report({ code, message, ...about });
  }
}
