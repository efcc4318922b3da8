/**
 * The transparency log as one server process holds it (docs/design.md §3.5): the log key,
 * the Merkle tree over every leaf hash in the store (crypto's MerkleTree, which keeps the
 * hash of every complete subtree, so a proof costs O(log² n) hashes), and the signed head
 * of its current size. The tree is only ever appended to: it is loaded lazily from the
 * store and brought up to date whenever the store holds more leaves than it does — other
 * server processes sharing the store append too. A head is signed once per size and
 * reused until the log grows.
 *
 * One log per store (keyed by the store's log part, like the chain cache): every context
 * over the same store, whatever its logger, shares it.
 */
import { SerialQueue } from '@yhteispoyta/common/queue';
import { toHex } from '@yhteispoyta/crypto/bytes';
import { logKeyFingerprint, logPublicKey, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import type { LogSigningKey } from '@yhteispoyta/crypto/transparency/log-key';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { signTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { Logger } from 'pino';
import type { Needs } from '../context';
import type { CertificateLogStore } from '../store/port';
import { loadLogKey } from './key-file';

/** Leaf hashes read from the store per query when catching up. */
const LOAD_PAGE = 10_000;

/** A head and the tree to prove against it (proofs are computed for `head.treeSize`, whatever the tree has grown to since). */
export interface LogView {
  readonly head: SignedTreeHead;
  readonly tree: MerkleTree;
}

/** The log of one store. */
export class TransparencyLog {
  /** base64 of the raw Ed25519 public key */
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly #key: LogSigningKey;
  readonly #store: CertificateLogStore;
  readonly #tree = new MerkleTree();
  readonly #catchUp = new SerialQueue();
  #head: SignedTreeHead | undefined;

  constructor(key: LogSigningKey, store: CertificateLogStore) {
    this.#key = key;
    this.#store = store;
    this.publicKey = logPublicKeyBase64(key);
    this.fingerprint = logKeyFingerprint(logPublicKey(key));
  }

  /** The head of everything the store holds now (signed at `now` the first time this size is seen), with the tree. */
  async current(now: number): Promise<LogView> {
    if ((await this.#store.size()) > this.#tree.size) await this.#catchUp.run(() => this.#load());
    const treeSize = this.#tree.size;
    let head = this.#head;
    if (head?.treeSize !== treeSize) {
      head = signTreeHead({ treeSize, rootHash: toHex(this.#tree.root(treeSize)), timestamp: now }, this.#key);
      this.#head = head;
    }
    return { head, tree: this.#tree };
  }

  /** Append the leaves the store has and the tree does not yet. */
  async #load(): Promise<void> {
    const size = await this.#store.size();
    while (this.#tree.size < size) {
      const start = this.#tree.size;
      const end = Math.min(size, start + LOAD_PAGE);
      const hashes = await this.#store.leafHashes(start, end);
      // A short page means the store's numbering has a hole: proofs past it would be lies.
      if (hashes.length !== end - start) throw new Error(`the store's log has ${hashes.length} of leaves ${start}…${end - 1}`);
      for (const hash of hashes) this.#tree.append(hash);
    }
  }
}

const logs = new WeakMap<CertificateLogStore, TransparencyLog>();

/**
 * The log of the context's store. Made on first use when the server did not open it at
 * start-up (the in-process test server): the key comes from the configuration as there.
 */
export function transparencyLog(ctx: Needs<'certificates', 'config'>): TransparencyLog {
  let log = logs.get(ctx.store.certificates.log);
  if (log === undefined) {
    log = new TransparencyLog(loadLogKey(ctx.config.logKey).key, ctx.store.certificates.log);
    logs.set(ctx.store.certificates.log, log);
  }
  return log;
}

/**
 * Start-up: load the log key (its file is created on the first start; a bad file stops the
 * server here), append certificates stored before the log existed in their stored order
 * (idempotent: a no-op from the second start on), load the tree and sign its head.
 */
export async function openTransparencyLog(ctx: Needs<'certificates', 'config' | 'now'>, log: Logger): Promise<TransparencyLog> {
  const loaded = loadLogKey(ctx.config.logKey);
  const transparency = new TransparencyLog(loaded.key, ctx.store.certificates.log);
  logs.set(ctx.store.certificates.log, transparency);
  const appended = await ctx.store.certificates.log.appendUnlogged();
  const { head } = await transparency.current(ctx.now());
  // The fingerprint, never the key: the service owner compares it with what `certify-log` prints.
  log.info({ fingerprint: transparency.fingerprint, keyFile: ctx.config.logKey.kind === 'file' ? (loaded.created ? 'created' : 'read') : 'in memory', treeSize: head.treeSize, appended }, 'transparency log ready');
  return transparency;
}
