/**
 * The snapshot chain as a reader checks it (docs/design.md §6): each snapshot names its parent and
 * carries parentProof = H(parent's proof ‖ H(parent's ciphertext)), GENESIS_PROOF for the
 * first. A device keeps the proof and ciphertext hash of the snapshots it adopted, so it
 * can check that a new snapshot extends exactly the one it builds on.
 */
import { bytesEqual, randomBytes, sha256 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { GENESIS_PROOF } from '@yhteispoyta/crypto/envelope';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import type { ActiveSnapshot, KnownSnapshot } from './stream-state';

/** Bytes of randomness in a snapshot id: 16 bytes are 22 base64url characters. */
const SNAPSHOT_ID_BYTES = 16;

/** A fresh random snapshot id: 22 url-safe characters, valid as a protocol id. */
export function newSnapshotId(): string {
  return Buffer.from(randomBytes(SNAPSHOT_ID_BYTES)).toString('base64url');
}

/**
 * The parentProof of a snapshot extending one with `proof` whose ciphertext hashes to
 * `ciphertextHash`: the same value as envelope.ts `nextParentProof(proof, ciphertext)`,
 * computed from the stored hash so that a device need not keep old snapshot ciphertexts.
 */
export function proofAfter(proof: Uint8Array, ciphertextHash: Uint8Array): Bytes {
  return sha256(proof, ciphertextHash);
}

/** The parentProof a snapshot built on `active` must carry. */
export function expectedParentProof(active: ActiveSnapshot): Bytes {
  if (active.id === '' || active.proof === undefined || active.ciphertextHash === undefined) return GENESIS_PROOF;
  return proofAfter(active.proof, active.ciphertextHash);
}

/** How a received snapshot relates to what this device holds. */
export type SnapshotLink =
  /** adopted before (a re-delivery): nothing to do */
  | { readonly verdict: 'known' }
  /** extends our active snapshot with the right proof */
  | { readonly verdict: 'extends' }
  /**
   * names a parent this device never saw (it missed snapshots while away, or it is new
   * and adopts the stream's current snapshot on first sight): the link cannot be checked
   */
  | { readonly verdict: 'unverifiable' }
  /** contradicts what we hold: a wrong proof or a fork off an older snapshot */
  | { readonly verdict: 'broken'; readonly detail: string };

/**
 * Judges a verified snapshot header against our active snapshot and the snapshots we
 * adopted before (`known`). Pure.
 */
export function judgeSnapshotLink(
  header: EnvelopeHeader,
  active: ActiveSnapshot,
  known: (snapshotId: string) => KnownSnapshot | undefined,
): SnapshotLink {
  if (header.snapshotId === active.id || known(header.snapshotId) !== undefined) return { verdict: 'known' };
  const parentId = header.parentSnapshotId ?? '';
  const proof = header.parentProof;
  if (proof === undefined) return { verdict: 'broken', detail: 'snapshot without parentProof' };
  if (parentId === active.id) {
    return bytesEqual(proof, expectedParentProof(active))
      ? { verdict: 'extends' }
      : { verdict: 'broken', detail: 'parentProof does not extend the active snapshot' };
  }
  if (parentId === '' || known(parentId) !== undefined) {
    return { verdict: 'broken', detail: 'the snapshot forks off an older point of the chain' };
  }
  return { verdict: 'unverifiable' };
}
