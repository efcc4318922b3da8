/**
 * What the transparency log costs an agent (docs/design.md §3.5): over a log of `leaves`
 * certificates (the server's MerkleTree), the size of one certificate's inclusion proof
 * (raw hashes, and as the bundle carries it in JSON), the agent's work to rely on one
 * certificate (its id, its leaf hash and the proof: transparency/inclusion.ts, exactly what
 * the certificate book runs), the size of consistency proofs from earlier heads, their
 * verification, and one head's signature check (once per bundle, not per certificate).
 * Baseline-free: the plaintext relay has no such thing.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { randomBytes, toBase64, toBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { certificateId, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { generateLogKey, logPublicKey } from '@yhteispoyta/crypto/transparency/log-key';
import { verifyConsistency } from '@yhteispoyta/crypto/transparency/merkle';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { certificateLeafHash, headRoot, signTreeHead, verifyTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { provenCertificates } from '@yhteispoyta/agent/transparency/inclusion';
import { seededRng } from './traces';

/** The figures of one log size. */
export interface TransparencyResult {
  readonly leaves: number;
  /** hashes in one inclusion proof (mean over the sampled certificates) */
  readonly inclusionHashes: number;
  /** raw bytes of one inclusion proof (32 per hash) */
  readonly inclusionBytes: number;
  /** bytes of one inclusion as a bundle carries it (JSON: id, leaf index, hex path) */
  readonly inclusionJsonBytes: number;
  /** µs for the agent to rely on one certificate: its id, leaf hash and proof (mean) */
  readonly verifyUsPerCertificate: number;
  /** raw bytes of a consistency proof from a random earlier size (mean and largest) */
  readonly consistencyBytesMean: number;
  readonly consistencyBytesMax: number;
  /** µs to verify one consistency proof (mean) */
  readonly consistencyVerifyUs: number;
  /** µs to check one head's Ed25519 signature (mean) */
  readonly headVerifyUs: number;
}

const HASH = 32;

/** A device certificate as agents fetch them (a real signature over a typical body). */
function deviceCertificate(n: number): Certificate {
  const userKey = PrivateKey.generate();
  const identityKey = toBase64(toBytes(PrivateKey.generate().getPublicKey().serialize()));
  return signCertificate({ t: 'device', v: 1, userId: `u_${n.toString(36).padStart(12, '0')}`, deviceId: 1, identityKey, created: 1_780_000_000_000 + n }, userKey);
}

/** Measure a log of `leaves` certificates, sampling `samples` of them and `samples` earlier sizes. */
export function measureTransparency(leaves: number, samples: number, seed: number): TransparencyResult {
  const rng = seededRng(seed);
  const tree = new MerkleTree();
  const sampled = new Map<number, Certificate>();
  const every = Math.max(1, Math.floor(leaves / samples));
  for (let i = 0; i < leaves; i++) {
    if (i % every === 0 && sampled.size < samples) {
      const certificate = deviceCertificate(i);
      sampled.set(i, certificate);
      tree.append(certificateLeafHash(certificate));
    } else {
      // The other leaves' contents do not change any proof's size or cost.
      tree.append(randomBytes(HASH));
    }
  }
  const key = generateLogKey();
  const head = signTreeHead({ treeSize: leaves, rootHash: toHex(tree.root()), timestamp: Date.now() }, key);

  let hashes = 0;
  let jsonBytes = 0;
  const inclusions = [...sampled].map(([index, certificate]) => {
    const inclusion = { id: certificateId(certificate), leafIndex: index, path: tree.inclusionProof(index, leaves).map(toHex) };
    hashes += inclusion.path.length;
    jsonBytes += JSON.stringify(inclusion).length;
    return { certificate, inclusion };
  });
  // The first pass warms the JIT up; the second is timed.
  let verifyNs = 0n;
  for (const pass of [0, 1]) {
    for (const { certificate, inclusion } of inclusions) {
      const started = process.hrtime.bigint();
      const verdict = provenCertificates(head, [certificate], [inclusion]);
      if (pass === 1) verifyNs += process.hrtime.bigint() - started;
      if (verdict.proven.length !== 1) throw new Error(`the inclusion proof of leaf ${inclusion.leafIndex} does not verify`);
    }
  }

  let consistencyBytes = 0;
  let consistencyMax = 0;
  let consistencyNs = 0n;
  const root = headRoot(head);
  for (let i = 0; i < 2 * samples; i++) {
    const from = 1 + Math.floor(rng() * (leaves - 1));
    const proof = tree.consistencyProof(from, leaves);
    const earlier = tree.root(from);
    const started = process.hrtime.bigint();
    const ok = verifyConsistency(from, leaves, proof, earlier, root);
    // The first half warms the JIT up; the second is counted.
    if (i >= samples) {
      consistencyNs += process.hrtime.bigint() - started;
      consistencyBytes += proof.length * HASH;
      consistencyMax = Math.max(consistencyMax, proof.length * HASH);
    }
    if (!ok) throw new Error(`the consistency proof from ${from} does not verify`);
  }

  const publicKey = logPublicKey(key);
  let headNs = 0n;
  for (const pass of [0, 1]) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < samples; i++) if (verifyTreeHead(head, publicKey) === undefined) throw new Error('the head does not verify');
    if (pass === 1) headNs = process.hrtime.bigint() - started;
  }

  const n = sampled.size;
  const us = (ns: bigint, count: number): number => Number(ns) / 1000 / count;
  return {
    leaves,
    inclusionHashes: hashes / n,
    inclusionBytes: (hashes / n) * HASH,
    inclusionJsonBytes: jsonBytes / n,
    verifyUsPerCertificate: us(verifyNs, n),
    consistencyBytesMean: consistencyBytes / samples,
    consistencyBytesMax: consistencyMax,
    consistencyVerifyUs: us(consistencyNs, samples),
    headVerifyUs: us(headNs, samples),
  };
}
