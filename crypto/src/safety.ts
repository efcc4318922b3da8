/**
 * Safety numbers: what two users compare (read aloud or by QR code) to confirm that no one
 * sits between them. libsignal's Fingerprint, version 2, as Signal uses it.
 */
import type { PublicKey } from '@signalapp/libsignal-client';
import { Fingerprint, ScannableFingerprint } from '@signalapp/libsignal-client';
import type { Bytes } from './bytes';
import { toBytes, utf8 } from './bytes';

/** Hash iterations of Signal's fingerprint; changing it changes every safety number. */
const FINGERPRINT_ITERATIONS = 5200;
/** Fingerprint version 2: identifiers are opaque bytes (here the UTF-8 user id). */
const FINGERPRINT_VERSION = 2;

/** A safety number as shown (60 digits) and as encoded in the QR code. */
export interface SafetyNumber {
  readonly displayString: string;
  readonly scannable: Bytes;
}

/**
 * The safety number between the local and the remote user. Both sides compute the same
 * display string (libsignal orders the two halves); the scannable form is per side.
 */
export function safetyNumber(parties: {
  localUserId: string;
  localIdentityKey: PublicKey;
  remoteUserId: string;
  remoteIdentityKey: PublicKey;
}): SafetyNumber {
  const fingerprint = Fingerprint.new(
    FINGERPRINT_ITERATIONS,
    FINGERPRINT_VERSION,
    utf8(parties.localUserId),
    parties.localIdentityKey,
    utf8(parties.remoteUserId),
    parties.remoteIdentityKey,
  );
  return {
    displayString: fingerprint.displayableFingerprint().toString(),
    scannable: toBytes(fingerprint.scannableFingerprint().toBuffer()),
  };
}

/**
 * Whether a scanned code (the other side's scannable fingerprint) matches ours. False for
 * anything that does not match, including garbage and other versions; never throws.
 */
export function compareScannable(ours: Uint8Array, scanned: Uint8Array): boolean {
  if (!(ours instanceof Uint8Array) || !(scanned instanceof Uint8Array)) return false;
  try {
    return ScannableFingerprint._fromBuffer(toBytes(ours)).compare(ScannableFingerprint._fromBuffer(toBytes(scanned)));
  } catch {
    return false;
  }
}
