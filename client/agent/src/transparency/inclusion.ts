/**
 * Which certificates of a bundle the log proves: each must come with an inclusion proof
 * of its leaf (crypto's certificateLeafHash) in the tree of the bundle's head. A
 * certificate without one, or whose proof does not lead to the head's root, is not in the
 * log every member and monitor can read as far as this device knows — it is not relied
 * upon. Pure; never throws on hostile input.
 */
import { fromHex } from '@yhteispoyta/crypto/bytes';
import { certificateId } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { CertificateLogProof } from '@yhteispoyta/crypto/protocol';
import { verifyInclusion } from '@yhteispoyta/crypto/transparency/merkle';
import { certificateLeafHash, headRoot } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';

/** A certificate the log does not prove, and why. */
export interface UnprovenCertificate {
  readonly id: string;
  /** `no_proof`: the bundle carries none for it; `bad_proof`: it does not lead to the head's root */
  readonly reason: 'no_proof' | 'bad_proof';
}

/** The certificates of a bundle split by whether the head proves them. */
export interface InclusionVerdict {
  readonly proven: Certificate[];
  readonly unproven: UnprovenCertificate[];
}

/** Check every certificate's inclusion proof against `head` (already verified). */
export function provenCertificates(head: SignedTreeHead, certificates: readonly Certificate[], inclusions: CertificateLogProof['inclusions']): InclusionVerdict {
  const byId = new Map(inclusions.map((inclusion) => [inclusion.id, inclusion]));
  const root = headRoot(head);
  const proven: Certificate[] = [];
  const unproven: UnprovenCertificate[] = [];
  for (const certificate of certificates) {
    const id = certificateId(certificate);
    const inclusion = byId.get(id);
    if (inclusion === undefined) {
      unproven.push({ id, reason: 'no_proof' });
      continue;
    }
    const path = inclusion.path.map((hash) => fromHex(hash));
    const ok = path.every((hash) => hash !== undefined) && verifyInclusion(certificateLeafHash(certificate), inclusion.leafIndex, head.treeSize, path, root);
    if (ok) proven.push(certificate);
    else unproven.push({ id, reason: 'bad_proof' });
  }
  return { proven, unproven };
}
